import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Simulation } from "./answer.ts";
import { apiError } from "./faults.ts";
import { rngFor } from "./generate.ts";
import { usageOf, type Usage } from "./admin.ts";
import { ResponseStore } from "./background.ts";
import { sendError, stampHeaders } from "./http.ts";
import { copyKnobs, parseKnobs } from "./knobs.ts";
import { route } from "./routes.ts";
import type { SimulatorCall, SimulatorKnobs } from "./types.ts";

export type { FaultKind, ResponseStatus, SimulatorCall, SimulatorKnobs } from "./types.ts";
export type { Usage } from "./admin.ts";
export { parseKnobs } from "./knobs.ts";

export type OpenAISimulator = {
  /** Base URL including /v1: give it to `new OpenAI({ baseURL })`. */
  url: string;
  port: number;
  /** Every model request so far (copies), oldest first: one entry per create, billed once. */
  calls(): SimulatorCall[];
  /** The calls' billed tokens by `metadata.job_id` and `metadata.step` (as GET /__admin/usage). */
  usage(): Usage;
  /** Forgets the calls (stored responses stay retrievable; POST /__admin/reset forgets both). */
  resetCalls(): void;
  /** Replaces all knobs (anything left out goes back to its default). */
  setKnobs(k: SimulatorKnobs): void;
  stop(): Promise<void>;
};

/** Calls kept in memory; a long `npm run dev` session forgets the oldest beyond this. */
const MAX_CALLS = 10_000;

/**
 * Starts the OpenAI-compatible simulator for local development and tests. It is NOT a model:
 * answers are deterministic text made from the input's words, labelled "[simulated]" / "[sim] ",
 * schema-valid for structured outputs; every HTTP answer carries `x-tabsafe-simulator: 1`.
 * Knobs set latency per token and inject faults (429, 500, stalls, invalid JSON, 400s).
 * The official `openai` SDK works against it unchanged: `new OpenAI({ apiKey, baseURL: sim.url })`.
 *
 * Responses are stored (unless `store: false`) for `responses.retrieve`. Background mode
 * (`background: true`) runs as at OpenAI: generated on the server's clock whether or not the
 * client stays connected, queued for `queueMs` first; retrieve it, stream it again from any
 * `starting_after`, cancel it; billed once; forgotten `backgroundRetentionMs` after it ends
 * (default 10 minutes). A stall fault on one silences the connection, not the generation.
 * `backgroundMode: "refused"` plays a provider that does not know the parameter.
 */
export async function startOpenAISimulator(opts: {
  port?: number;
  host?: string;
  apiKey?: string;
  knobs?: SimulatorKnobs;
  log?: (l: string) => void;
}): Promise<OpenAISimulator> {
  const initial = parseKnobs(opts.knobs ?? {});
  if ("error" in initial) throw new Error(`openai simulator: invalid knobs: ${initial.error}`);
  let calls: SimulatorCall[] = [];
  const sim: Simulation = {
    knobs: copyKnobs(initial.knobs),
    roll: rngFor(`faults:${initial.knobs.seed ?? 0}`),
    record: (call) => void (calls.push(call) > MAX_CALLS && calls.shift()),
    store: new ResponseStore(() => sim.knobs),
    log: opts.log,
  };
  const setKnobs = (k: SimulatorKnobs) => {
    sim.knobs = copyKnobs(k);
    sim.roll = rngFor(`faults:${k.seed ?? 0}`);
  };
  const ctx = {
    sim,
    apiKey: opts.apiKey || undefined,
    admin: {
      calls: () => calls.map((c) => ({ ...c })),
      knobs: () => copyKnobs(sim.knobs),
      setKnobs,
      reset: () => {
        calls = [];
        sim.store.clear();
        setKnobs(initial.knobs);
      },
    },
  };

  const server = createServer((req, res) => {
    stampHeaders(res);
    // A client that vanishes mid-request must not take the server down with it.
    req.on("error", () => {});
    res.on("error", () => {});
    route(ctx, req, res).catch((error: unknown) => {
      opts.log?.(
        `openai-sim internal error: ${error instanceof Error ? error.stack : String(error)}`,
      );
      sendError(
        res,
        apiError(
          500,
          `Simulator failure: ${error instanceof Error ? error.message : String(error)}`,
          "server_error",
        ),
      );
    });
  });
  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) =>
    server.once("error", reject).listen(opts.port ?? 0, host, () => resolve()),
  );
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}/v1`;
  opts.log?.(`openai simulator (not a model: answers are generated) on ${url}`);

  let stopped: Promise<void> | null = null;
  return {
    url,
    port,
    calls: ctx.admin.calls,
    usage: () => usageOf(calls),
    resetCalls: () => void (calls = []),
    setKnobs: (k) => {
      const parsed = parseKnobs(k);
      if ("error" in parsed) throw new Error(`openai simulator: invalid knobs: ${parsed.error}`);
      setKnobs(parsed.knobs);
    },
    stop() {
      // Closing every socket ends stalled and slow answers at once (they see the client "leave");
      // background generation is the server's own, so its timers are stopped here.
      stopped ??= new Promise<void>((resolve) => {
        sim.store.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
