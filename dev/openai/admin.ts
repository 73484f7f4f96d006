import type { ServerResponse } from "node:http";
import { sendJson } from "./http.ts";
import { parseKnobs } from "./knobs.ts";
import type { SimulatorCall, SimulatorKnobs } from "./types.ts";

/**
 * The simulator's own routes (no API key: tests and people poke at them):
 *   GET  /__admin/calls  → { calls: [...] }, one entry per model request, oldest first
 *   GET  /__admin/usage  → billed tokens by metadata.job_id and metadata.step (Usage)
 *   GET  /__admin/knobs  → the knobs in force
 *   POST /__admin/knobs  → replace them with the JSON body (SimulatorKnobs, checked strictly)
 *   POST /__admin/reset  → forget calls and stored responses, knobs back to the start's
 */
export type Admin = {
  calls(): SimulatorCall[];
  knobs(): SimulatorKnobs;
  setKnobs(k: SimulatorKnobs): void;
  reset(): void;
};

type Tally = { calls: number; billedTokens: number };

/** What the calls cost: every token billed, per job and step (requests without a job_id under "(none)"). */
export type Usage = {
  total: { calls: number; inputTokens: number; outputTokens: number; billedTokens: number };
  jobs: Record<string, Tally & { steps: Record<string, Tally> }>;
};

const NONE = "(none)";

/**
 * Adds up the call log (the calls it still keeps). `calls` counts requests the model took
 * (HTTP 200), each billed once however often it was streamed or retrieved, a running background
 * response with the tokens generated so far; refused and faulted requests bill nothing.
 */
export function usageOf(calls: SimulatorCall[]): Usage {
  const total = { calls: 0, inputTokens: 0, outputTokens: 0, billedTokens: 0 };
  const jobs = new Map<string, { tally: Tally; steps: Map<string, Tally> }>();
  for (const c of calls) {
    if (c.status !== 200) continue;
    const billed = c.inputTokens + c.outputTokens;
    total.calls++;
    total.inputTokens += c.inputTokens;
    total.outputTokens += c.outputTokens;
    total.billedTokens += billed;
    const jobId = c.metadata?.job_id ?? NONE;
    const job = jobs.get(jobId) ?? { tally: { calls: 0, billedTokens: 0 }, steps: new Map() };
    jobs.set(jobId, job);
    const stepName = c.metadata?.step ?? NONE;
    const step = job.steps.get(stepName) ?? { calls: 0, billedTokens: 0 };
    job.steps.set(stepName, step);
    for (const t of [job.tally, step]) {
      t.calls++;
      t.billedTokens += billed;
    }
  }
  // fromEntries defines own properties, so a job_id of "__proto__" is just a key.
  return {
    total,
    jobs: Object.fromEntries(
      [...jobs].map(([id, j]) => [id, { ...j.tally, steps: Object.fromEntries(j.steps) }]),
    ),
  };
}

export function admin(a: Admin, route: string, body: unknown, res: ServerResponse): void {
  switch (route) {
    case "GET /__admin/calls":
      return sendJson(res, 200, { calls: a.calls() });
    case "GET /__admin/usage":
      return sendJson(res, 200, usageOf(a.calls()));
    case "GET /__admin/knobs":
      return sendJson(res, 200, { knobs: a.knobs() });
    case "POST /__admin/knobs": {
      const parsed = parseKnobs(body ?? {});
      if ("error" in parsed)
        return sendJson(res, 400, {
          error: {
            message: parsed.error,
            type: "invalid_request_error",
            code: "invalid_knobs",
            param: null,
          },
        });
      a.setKnobs(parsed.knobs);
      return sendJson(res, 200, { knobs: a.knobs() });
    }
    case "POST /__admin/reset":
      a.reset();
      return sendJson(res, 200, { reset: true, knobs: a.knobs() });
    default:
      return sendJson(res, 404, {
        error: {
          message: `Unknown admin route ${route}: GET /__admin/calls, GET /__admin/usage, GET|POST /__admin/knobs, POST /__admin/reset`,
          type: "invalid_request_error",
          code: null,
          param: null,
        },
      });
  }
}
