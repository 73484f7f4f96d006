import { Client } from "@upstash/qstash";
import { describe, expect, it } from "vitest";
import { ensureMaintenanceSchedule, syncMaintenanceSchedule } from "@/lib/ops/schedule";
import type { Health } from "@/lib/ops/types";
import { Operator } from "../../helpers/operator.ts";
import { useTestStack } from "../../helpers/stack.ts";

// The test stack's default: OPS_SCHEDULE=off (set explicitly here, as a preview would).
const stack = useTestStack({ env: { OPS_SCHEDULE: "off" } });

describe("OPS_SCHEDULE=off", () => {
  it("creates no schedule, and health says the schedule is off without degrading", async () => {
    expect(await syncMaintenanceSchedule()).toBe("off");
    expect(await ensureMaintenanceSchedule()).toBe("off");
    const health = await new Operator(stack.app.url).get<Health>("/api/ops/health");
    const sdk = new Client({ baseUrl: stack.qstash.url, token: process.env.QSTASH_TOKEN! });
    expect(await sdk.schedules.list()).toEqual([]);
    expect(health.status).toBe("healthy");
    expect(health.checks.schedule).toEqual({
      enabled: false,
      scheduleId: "tabsafe-maintenance",
      cron: "* * * * *",
      ensured: null,
      error: null,
      lastTick: null,
    });
  });
});
