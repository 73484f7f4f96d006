import { describe, expect, it, vi } from "vitest";
import { useTestStack } from "../helpers/stack.ts";
import {
  configureSeed,
  expectRejected,
  fuzzTargets,
  send,
  snapshot,
  type FuzzRequest,
} from "./harness.ts";
import { fuzzGroups } from "./targets/index.ts";

const stack = useTestStack();
configureSeed("analysis");

describe("fuzz: a visitor's analysis routes (start, status, cancel, retry)", () => {
  fuzzTargets(stack, fuzzGroups.analysis);

  it("analysis/status: a poll for a job that does not exist (404) writes nothing, even when the API counters are due for a flush", async () => {
    const rejectedStart: FuzzRequest = {
      method: "POST",
      path: "/api/analysis/start",
      headers: { "content-type": "application/json" },
      body: "{}",
      expect: [400],
    };
    const unknownJob: FuzzRequest = {
      method: "GET",
      path: "/api/analysis/status?jobId=nosuchjob123",
      expect: [404],
    };
    expectRejected(await send(stack.app.url, rejectedStart), rejectedStart); // counted in memory
    const before = await snapshot(stack.prefix);
    // The counters flush with the first status read 10 s after the last flush: move the clock, not the test.
    vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
    try {
      vi.setSystemTime(Date.now() + 11_000);
      expectRejected(await send(stack.app.url, unknownJob), unknownJob);
    } finally {
      vi.useRealTimers();
    }
    expect(await snapshot(stack.prefix), "Redis after a 404 status poll").toEqual(before);
  });
});
