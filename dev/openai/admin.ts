import type { ServerResponse } from "node:http";
import { sendJson } from "./http.ts";
import { parseKnobs } from "./knobs.ts";
import type { SimulatorCall, SimulatorKnobs } from "./types.ts";

/**
 * The simulator's own routes (no API key: tests and people poke at them):
 *   GET  /__admin/calls  → { calls: [...] }, one entry per model request, oldest first
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

export function admin(a: Admin, route: string, body: unknown, res: ServerResponse): void {
  switch (route) {
    case "GET /__admin/calls":
      return sendJson(res, 200, { calls: a.calls() });
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
          message: `Unknown admin route ${route}: GET /__admin/calls, GET|POST /__admin/knobs, POST /__admin/reset`,
          type: "invalid_request_error",
          code: null,
          param: null,
        },
      });
  }
}
