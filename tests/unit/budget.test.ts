import { describe, expect, it } from "vitest";
import { BillMeter, estimateTokens } from "@/lib/jobs/budget";

describe("billing a model call as it streams", () => {
  it("counts the prompt's estimate at the first write, then the output's growth, never less than written", () => {
    const meter = new BillMeter(estimateTokens(4_000)); // a 4,000-character prompt: ~1,000 tokens
    expect(meter.streaming(0)).toBe(1_000); // a heartbeat before the first token: the prompt is billed
    expect(meter.streaming(400)).toBe(100);
    expect(meter.streaming(400)).toBe(0);
    expect(meter.streaming(2_000)).toBe(400);
  });

  it("corrects the estimate to the provider's figure once the call completes, up or down", () => {
    const high = new BillMeter(1_000);
    high.streaming(4_000); // 2,000 counted
    expect(high.settle({ inputTokens: 900, outputTokens: 800 })).toBe(-300);
    const low = new BillMeter(10);
    low.streaming(40); // 20 counted
    expect(low.settle({ inputTokens: 30, outputTokens: 15 })).toBe(25);
    expect(low.streaming(10_000)).toBe(2_500 + 10 - 45); // an estimate after settling only grows from the settled figure
  });

  it("bills a call cut off mid-stream what was written so far, and nothing for one refused at once", () => {
    const cut = new BillMeter(500);
    const written = cut.streaming(0) + cut.streaming(1_200);
    expect(written).toBe(800); // what the budget holds when the worker dies after this write
    expect(new BillMeter(500).settle({ inputTokens: 0, outputTokens: 0 })).toBe(0); // a 429: no write, no bill
  });
});
