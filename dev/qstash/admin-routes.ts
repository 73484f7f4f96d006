/**
 * Endpoints with no QStash equivalent, for tests, chaos runs and a curious developer (same
 * bearer token as the API):
 *   GET  /__admin/stats     → counters and sizes
 *   GET  /__admin/faults    → the fault knobs in force
 *   POST /__admin/faults    → replace them with the JSON body (QStashFaults)
 *   GET  /__admin/messages  → { pending: [...], recent: [...] } with attempts, states and times
 *   POST /__admin/flush     → drop every message, DLQ entry, dedupe id, schedule, log and counter
 */
import type { Engine } from "./engine.ts";
import { HttpError, readJson, sendJson } from "./http-util.ts";
import type { Route } from "./message-routes.ts";
import type { Schedules } from "./schedules.ts";
import type { QStashFaults } from "./types.ts";

export type FaultControl = { get(): QStashFaults; set(faults: QStashFaults): void };

const RATES = ["dropRate", "duplicateRate", "cutoffRate"] as const;
const DURATIONS = ["delayMs", "cutoffAfterMs"] as const;

/** Validates fault knobs (rates 0..1, durations ≥ 0 ms); throws a message naming the bad one. */
export function checkFaults(value: unknown): QStashFaults {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new Error("faults must be a JSON object");
  const input = value as Record<string, unknown>;
  const out: QStashFaults = {};
  for (const [name, v] of Object.entries(input)) {
    const isRate = (RATES as readonly string[]).includes(name);
    if (!isRate && !(DURATIONS as readonly string[]).includes(name))
      throw new Error(`unknown fault "${name}" (known: ${[...RATES, ...DURATIONS].join(", ")})`);
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || (isRate && v > 1)) {
      throw new Error(
        `fault ${name} must be ${isRate ? "a number from 0 to 1" : "a number of ms ≥ 0"}`,
      );
    }
    out[name as keyof QStashFaults] = v;
  }
  return out;
}

export function adminRoutes(engine: Engine, schedules: Schedules, faults: FaultControl): Route {
  return async (req, res, url) => {
    const route = `${req.method} ${url.pathname}`;
    switch (route) {
      case "GET /__admin/stats":
        sendJson(res, 200, engine.stats());
        return true;
      case "GET /__admin/faults":
        sendJson(res, 200, faults.get());
        return true;
      case "POST /__admin/faults": {
        let next: QStashFaults;
        try {
          next = checkFaults(await readJson(req));
        } catch (error) {
          if (error instanceof HttpError) throw error;
          throw new HttpError(400, error instanceof Error ? error.message : String(error));
        }
        faults.set(next);
        sendJson(res, 200, next);
        return true;
      }
      case "GET /__admin/messages":
        sendJson(res, 200, engine.snapshot());
        return true;
      case "POST /__admin/flush":
        schedules.clear();
        await engine.flush();
        sendJson(res, 200, { flushed: true });
        return true;
      default:
        return false;
    }
  };
}
