import { describe, expect, it } from "vitest";
import { summarizeVisitors, weekdayOf } from "@/lib/ops/visitor-summary";
import { startUsage } from "@/lib/telemetry/visits";

describe("visitor usage fields (written at start)", () => {
  it("names the start's UTC hour, its type and each param value, params by name", () => {
    const at = Date.UTC(2026, 11, 1, 7, 59);
    expect(startUsage("market_intelligence", { horizonYears: 5, b: true }, at)).toBe(
      "starts:07 type:market_intelligence param:market_intelligence:b=true param:market_intelligence:horizonYears=5",
    );
  });

  it("keeps a value that is not a short word out of analytics, and drops odd param names", () => {
    const fields = startUsage("x", { focus: "sales", note: "Call me at +1 555 0100", "a b": 1 }, 0);
    expect(fields).toBe("starts:00 type:x param:x:focus=sales param:x:note=other");
  });
});

describe("the visitors panel from its days", () => {
  it("tells weekdays in UTC, Monday first", () => {
    expect(weekdayOf("2026-11-30")).toBe(0); // a Monday
    expect(weekdayOf("2026-12-06")).toBe(6); // a Sunday
  });

  it("orders days oldest first, sums hours of week and usage over the window", () => {
    const v = summarizeVisitors({
      generatedAt: 1,
      windowDays: 2,
      retentionDays: 90,
      dau: 3,
      wau: 4,
      mau: 4,
      newestFirst: [
        {
          day: "2026-12-01", // a Tuesday
          active: 3,
          fields: { returning: 2, "active:07": 3, "starts:07": 2, "type:t": 2, "param:t:p=a": 2 },
        },
        {
          day: "2026-11-30", // a Monday
          active: 2,
          fields: { "active:23": 2, "starts:23": 1, "type:t": 1, "param:t:p=b": 1, "type:u": 1 },
        },
      ],
    });
    expect(v.days).toEqual([
      { day: "2026-11-30", active: 2, returning: 0 },
      { day: "2026-12-01", active: 3, returning: 2 },
    ]);
    expect(v.peakHours).toHaveLength(168);
    expect(v.peakHours[23]).toEqual({ hourOfWeek: 23, visitors: 2, starts: 1 });
    expect(v.peakHours[24 + 7]).toEqual({ hourOfWeek: 31, visitors: 3, starts: 2 });
    expect(v.peakHours.filter((h) => h.visitors || h.starts)).toHaveLength(2);
    expect(v.usage).toEqual([
      {
        analysisType: "t",
        starts: 3,
        params: [
          { name: "p", value: "a", starts: 2 },
          { name: "p", value: "b", starts: 1 },
        ],
      },
      { analysisType: "u", starts: 1, params: [] },
    ]);
    expect([v.dau, v.wau, v.mau, v.windowDays, v.retentionDays]).toEqual([3, 4, 4, 2, 90]);
  });
});
