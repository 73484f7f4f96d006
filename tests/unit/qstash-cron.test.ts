import { describe, expect, it } from "vitest";
import { parseCron } from "../../dev/qstash/cron.ts";
import { nextFireTime } from "../../dev/qstash/cron-time.ts";

/**
 * The QStash stand-in's cron expressions (Upstash-Cron): which expressions it takes, and when
 * each next fires after a given instant, in UTC or in a CRON_TZ zone across daylight-saving
 * changes. Pure functions, so fire times years ahead are checked without waiting for them.
 */
const next = (spec: string, after: string): string | undefined => {
  const parsed = parseCron(spec);
  if (!parsed.ok) throw new Error(parsed.error);
  const at = nextFireTime(parsed.cron, Date.parse(after));
  return at === undefined ? undefined : new Date(at).toISOString();
};
/** The next `n` firings, each found from the one before. */
const series = (spec: string, after: string, n: number): string[] => {
  const out: string[] = [];
  let from = after;
  for (let i = 0; i < n; i++) out.push((from = next(spec, from) ?? "never"));
  return out;
};
const refusal = (spec: string) => {
  const parsed = parseCron(spec);
  return parsed.ok ? "accepted" : parsed.error;
};

describe("when an expression next fires (UTC)", () => {
  it("* * * * * fires at the next minute boundary, strictly after the instant given", () => {
    expect(next("* * * * *", "2026-01-01T12:00:30.500Z")).toBe("2026-01-01T12:01:00.000Z");
    expect(next("* * * * *", "2026-01-01T12:01:00.000Z")).toBe("2026-01-01T12:02:00.000Z");
    expect(next("* * * * *", "2026-12-31T23:59:59.999Z")).toBe("2027-01-01T00:00:00.000Z");
  });

  it("reads steps, ranges, lists and names", () => {
    expect(series("*/15 * * * *", "2026-01-01T12:07:00Z", 3)).toEqual([
      "2026-01-01T12:15:00.000Z",
      "2026-01-01T12:30:00.000Z",
      "2026-01-01T12:45:00.000Z",
    ]);
    // "5/20" runs from 5 to the end of the field: 5, 25, 45.
    expect(series("5/20 0 * * *", "2026-01-01T00:00:00Z", 4).map((t) => t.slice(11, 16))).toEqual([
      "00:05",
      "00:25",
      "00:45",
      "00:05",
    ]);
    expect(series("0 9,17 * * *", "2026-01-01T10:00:00Z", 2)).toEqual([
      "2026-01-01T17:00:00.000Z",
      "2026-01-02T09:00:00.000Z",
    ]);
    // 2 January 2026 is a Friday: after its last slot comes Monday 09:00.
    expect(next("*/15 9-17 * * MON-FRI", "2026-01-02T17:50:00Z")).toBe("2026-01-05T09:00:00.000Z");
    expect(next("0 0 1 jan,Jul *", "2026-02-01T00:00:00Z")).toBe("2026-07-01T00:00:00.000Z");
    expect(next("0 12 * * sun", "2026-01-01T00:00:00Z")).toBe("2026-01-04T12:00:00.000Z");
  });

  it("a day matches either day field when both are restricted, and both when one is *", () => {
    // 1 February 2026 is a Sunday: Friday the 6th comes before the 13th.
    expect(series("0 0 13 * FRI", "2026-02-01T00:00:00Z", 3)).toEqual([
      "2026-02-06T00:00:00.000Z",
      "2026-02-13T00:00:00.000Z",
      "2026-02-20T00:00:00.000Z",
    ]);
    expect(next("0 0 13 * *", "2026-02-01T00:00:00Z")).toBe("2026-02-13T00:00:00.000Z");
    expect(next("0 0 * * FRI", "2026-02-07T00:00:00Z")).toBe("2026-02-13T00:00:00.000Z");
  });

  it("finds a rare day years ahead: 29 February", () => {
    expect(next("0 0 29 2 *", "2026-01-01T00:00:00Z")).toBe("2028-02-29T00:00:00.000Z");
    expect(next("0 0 29 2 *", "2096-03-01T00:00:00Z")).toBe("2104-02-29T00:00:00.000Z");
  });
});

describe("CRON_TZ", () => {
  it("reads the fields in the zone: 04:00 in New York is 09:00 UTC in winter, 08:00 in summer", () => {
    const spec = "CRON_TZ=America/New_York 0 4 * * *";
    expect(next(spec, "2026-01-01T00:00:00Z")).toBe("2026-01-01T09:00:00.000Z");
    expect(next(spec, "2026-07-01T00:00:00Z")).toBe("2026-07-01T08:00:00.000Z");
    expect(next("CRON_TZ=Asia/Kolkata 30 0 * * *", "2026-01-01T00:00:00Z")).toBe(
      "2026-01-01T19:00:00.000Z",
    );
  });

  it("a wall time the zone skips does not fire (New York, 8 March 2026, 02:00 → 03:00)", () => {
    expect(next("CRON_TZ=America/New_York 30 2 * * *", "2026-03-07T12:00:00Z")).toBe(
      "2026-03-09T06:30:00.000Z",
    );
  });

  it("a wall time the zone repeats fires at both occurrences (New York, 1 November 2026)", () => {
    expect(series("CRON_TZ=America/New_York 30 1 * * *", "2026-10-31T12:00:00Z", 3)).toEqual([
      "2026-11-01T05:30:00.000Z", // 01:30 EDT
      "2026-11-01T06:30:00.000Z", // 01:30 EST
      "2026-11-02T06:30:00.000Z",
    ]);
    // Berlin's clocks go back at 01:00 UTC: every 20 minutes keeps firing through it.
    expect(series("CRON_TZ=Europe/Berlin */20 * * * *", "2026-10-25T00:30:00Z", 5)).toEqual([
      "2026-10-25T00:40:00.000Z",
      "2026-10-25T01:00:00.000Z",
      "2026-10-25T01:20:00.000Z",
      "2026-10-25T01:40:00.000Z",
      "2026-10-25T02:00:00.000Z",
    ]);
  });

  it("keeps the prefix in the expression it shows, trimmed", () => {
    const parsed = parseCron("  CRON_TZ=Europe/Paris   0 9 * * 1  ");
    expect(parsed).toMatchObject({
      ok: true,
      cron: { source: "CRON_TZ=Europe/Paris   0 9 * * 1", timeZone: "Europe/Paris" },
    });
  });
});

describe("expressions it refuses, each with the reason", () => {
  it.each([
    ["", "it is empty"],
    ["* * * *", "expected 5 fields (minute hour day-of-month month day-of-week), found 4"],
    ["* * * * * *", "found 6"],
    ["60 * * * *", 'minute "60": outside 0-59'],
    ["* 24 * * *", 'hour "24": outside 0-23'],
    ["* * 0 * *", 'day-of-month "0": outside 1-31'],
    ["* * * 13 *", 'month "13": outside 1-12'],
    ["* * * * 7", 'day-of-week "7": outside 0-6'],
    ["*/0 * * * *", "the step must be at least 1"],
    ["5-1 * * * *", "the range runs backwards"],
    ["1/2/3 * * * *", 'more than one "/"'],
    ["1,,2 * * * *", '"" is not a number'],
    ["MON * * * *", 'minute "MON": "MON" is not a number'],
    ["* * * FOO *", '"FOO" is not a number or a name (JAN…)'],
    ["* * ? * *", '"?" is not a number'],
    ["0 0 30 2 *", "would never fire"],
    ["CRON_TZ=Mars/Olympus 0 * * * *", 'unknown time zone "Mars/Olympus"'],
    ["CRON_TZ=+02:00 0 * * * *", 'unknown time zone "+02:00"'],
    ["TZ=UTC 0 * * * *", "CRON_TZ=<zone>, the prefix QStash documents"],
    ["@daily", "descriptors such as @daily are not implemented"],
    ["@every 5m", "descriptors such as @every are not implemented"],
  ])("%j", (spec, reason) => {
    const error = refusal(spec);
    expect(error).toContain(`Invalid cron expression "${spec.trim()}": `);
    expect(error).toContain(reason);
  });

  it("takes 30 February's neighbours that do exist, and 31 in a month that has it", () => {
    expect(refusal("0 0 30 1,2 *")).toBe("accepted");
    expect(next("0 0 31 2,4,7 *", "2026-01-01T00:00:00Z")).toBe("2026-07-31T00:00:00.000Z");
  });
});
