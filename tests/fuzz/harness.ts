import { existsSync, readdirSync, statSync } from "node:fs";
import { Agent, request } from "node:http";
import { join, relative, sep } from "node:path";
import fc from "fast-check";
import { expect, it } from "vitest";
import { dumpKeys, keysWithTtl } from "../helpers/redis-scan.ts";
import type { TestStack } from "../helpers/stack.ts";

/**
 * The fuzz runner: sends generated requests to the real route handlers over HTTP and checks
 * invariant 8 (bad input gets a clear 4xx JSON error and changes nothing) for every one of them.
 */

/** One generated request. `path` is sent as is (query included), so malformed escapes reach the app. */
export type FuzzRequest = {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Send the body with Transfer-Encoding: chunked (no Content-Length). */
  chunked?: boolean;
  /** The statuses this input may get; unset: any 4xx. */
  expect?: number[];
  /** Why the input is bad, for the failure report. */
  note?: string;
};

export type Answer = {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
};

export type FuzzTarget<T = FuzzRequest> = {
  /** The route folder under app/api, e.g. "analysis/start" or "listings/[id]". */
  route: string;
  /** What the property says, for the test name. */
  title: string;
  inputs: fc.Arbitrary<T>;
  /** Turns a generated input into the request (e.g. signs it); identity when unset. */
  prepare?: (input: T) => Promise<FuzzRequest> | FuzzRequest;
  /** Checks one answer; throws when it breaks the rule. Default: `expectRejected`. */
  check?: (answer: Answer, req: FuzzRequest) => void;
  numRuns?: number;
};

/** A target of any input type, for the lists that mix them (T is both made and read, so no narrower type fits). */
// biome-ignore lint/suspicious/noExplicitAny: the one place the mixed lists get their element type
export type AnyFuzzTarget = FuzzTarget<any>;

const apiDir = join(import.meta.dirname, "..", "..", "app", "api");

/** Every route under app/api, as its folder path ("analysis/start", "ops/jobs/[id]"). */
export function discoverApiRoutes(dir = apiDir): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...discoverApiRoutes(path));
    else if (name === "route.ts") out.push(relative(apiDir, dir).split(sep).join("/"));
  }
  return out.sort();
}

export const routeExists = (route: string) =>
  existsSync(join(apiDir, ...route.split("/"), "route.ts"));

let fileSeed = 0;

/**
 * The seed of this file's run: FUZZ_SEED to reproduce one, else fresh; printed so a failure can
 * be replayed. Each property derives its own seed from it and its name, so routes of the same
 * shape (cancel and retry) still get different inputs.
 */
export function configureSeed(file: string): number {
  fileSeed = process.env.FUZZ_SEED
    ? Number(process.env.FUZZ_SEED)
    : Math.floor(Math.random() * 2 ** 31);
  console.info(`[fuzz] ${file}: seed ${fileSeed} (reproduce with FUZZ_SEED=${fileSeed})`);
  return fileSeed;
}

const seedFor = (name: string) =>
  [...name].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) | 0, fileSeed);

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

/** Sends `r` to the app as raw HTTP (fetch would normalize the path and refuse some methods). */
export function send(baseUrl: string, r: FuzzRequest): Promise<Answer> {
  const { hostname, port } = new URL(baseUrl);
  const body = typeof r.body === "string" ? Buffer.from(r.body, "utf8") : r.body;
  const headers: Record<string, string | number> = { ...r.headers };
  if (body && !r.chunked) headers["content-length"] = body.length;
  return new Promise((resolve, reject) => {
    const req = request(
      { host: hostname, port, method: r.method, path: r.path, headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    if (body && r.chunked) {
      const half = Math.floor(body.length / 2);
      req.write(body.subarray(0, half));
      req.end(body.subarray(half));
    } else req.end(body);
  });
}

/** The status each error-code family must come with (lib/errors.ts). */
const statusOfFamily: Record<string, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
};

/** Invariant 8 for one answer: a 4xx (the expected one, when known) with `{ error: { code, message } }`. */
export function expectRejected(answer: Answer, req: FuzzRequest): void {
  const where = `${req.method} ${short(req.path)}${req.note ? ` (${req.note})` : ""} → ${answer.status} ${short(answer.text)}`;
  expect(answer.status, `a 4xx for ${where}`).toBeGreaterThanOrEqual(400);
  expect(answer.status, `a 4xx for ${where}`).toBeLessThan(500);
  if (req.expect) expect(req.expect, `the expected status for ${where}`).toContain(answer.status);
  expect(String(answer.headers["content-type"]), `a JSON content type for ${where}`).toMatch(
    /^application\/json/,
  );
  const body = parseJson(answer.text);
  expect(body, `a JSON error body for ${where}`).toMatchObject({
    error: { code: expect.any(String), message: expect.any(String) },
  });
  const { code, message } = (body as { error: { code: string; message: string } }).error;
  expect(message.length, `a non-empty message for ${where}`).toBeGreaterThan(0);
  const family = statusOfFamily[code.split(":")[0]];
  // The test server answers an unimplemented method 405 with the code "not_found:route" (tests/helpers/app-server.ts).
  const harness405 = answer.status === 405 && code === "not_found:route";
  if (family && !harness405)
    expect(answer.status, `the status of code ${code} for ${where}`).toBe(family);
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return `<not JSON> ${short(text)}`;
  }
}

export const short = (s: string, n = 160) =>
  s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s;

/** A value as JSON with long strings cut, for failure reports (bodies can be 100 KB). */
export function brief(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    typeof v === "string"
      ? short(v, 200)
      : Buffer.isBuffer(v)
        ? short(v.toString("latin1"), 200)
        : v,
  );
}

/** The same input, printed briefly in fast-check's counterexamples. */
const labelled = <T>(input: T): T =>
  typeof input === "object" && input !== null
    ? ({ ...input, [fc.toStringMethod]: () => brief(input) } as T)
    : input;

/** FUZZ_STATS=1 prints, per property, how many inputs got which answer: proof the generators reach every branch. */
function tally(seen: Map<string, number>, answer: Answer, req: FuzzRequest) {
  const body = parseJson(answer.text) as { error?: { code?: string } } | null;
  const key = `${answer.status} ${body?.error?.code ?? ""} ← ${req.method} ${req.note ?? ""}`;
  seen.set(key, (seen.get(key) ?? 0) + 1);
}

/** Own keys of the built-in prototypes: the app runs in this process, so pollution would show here. */
const prototypeKeys = () =>
  [Object.prototype, Array.prototype, String.prototype, Function.prototype].map((p) =>
    Reflect.ownKeys(p).map(String).sort(),
  );

/** Every key under the suite's prefix with its content, in a stable order. */
export async function snapshot(prefix: string): Promise<Array<{ key: string; text: string }>> {
  return (await dumpKeys(prefix)).sort((a, b) => (a.key < b.key ? -1 : 1));
}

/**
 * Registers one test per target: ≥ numRuns generated inputs, each answer checked, and Redis
 * (every key and its content under the suite's prefix) identical before and after the property.
 * A target whose route does not exist yet is skipped, saying so in its name.
 */
export function fuzzTargets(stack: TestStack, targets: AnyFuzzTarget[], defaultRuns = 1000): void {
  // FUZZ_SCALE=4 runs four times the inputs (a longer hunt); never fewer than the targets ask for.
  const scale = Math.max(1, Number(process.env.FUZZ_SCALE ?? "1") || 1);
  for (const target of targets) {
    const runs = Math.round((target.numRuns ?? defaultRuns) * scale);
    if (!routeExists(target.route)) {
      it.skip(`${target.route}: skipped — app/api/${target.route}/route.ts does not exist yet`, () => {});
      continue;
    }
    const name = `${target.route}: ${target.title} (${runs} inputs)`;
    it(name, async () => {
      const before = await snapshot(stack.prefix);
      const ttlsBefore = new Map((await keysWithTtl(stack.prefix)).map((k) => [k.key, k.ttl]));
      const prototypesBefore = prototypeKeys();
      const check = target.check ?? expectRejected;
      const seen = new Map<string, number>();
      try {
        await fc.assert(
          fc.asyncProperty(target.inputs.map(labelled), async (input) => {
            const req = target.prepare ? await target.prepare(input) : (input as FuzzRequest);
            const answer = await send(stack.app.url, req);
            if (process.env.FUZZ_STATS) tally(seen, answer, req);
            check(answer, req);
          }),
          { numRuns: runs, seed: seedFor(name) },
        );
      } catch (error) {
        if (error instanceof Error)
          error.message += `\n(the whole file replays with FUZZ_SEED=${fileSeed})`;
        throw error;
      }
      if (process.env.FUZZ_STATS)
        console.info(
          `[fuzz] ${name}\n${[...seen]
            .sort((a, b) => b[1] - a[1])
            .map(([k, n]) => `  ${String(n).padStart(5)} ${k}`)
            .join("\n")}`,
        );
      expect(
        await snapshot(stack.prefix),
        "Redis after the property (a rejected request wrote)",
      ).toEqual(before);
      // TTLs only run down; one that grew was refreshed by a rejected request.
      const refreshed = (await keysWithTtl(stack.prefix))
        .filter((k) => k.ttl > (ttlsBefore.get(k.key) ?? Infinity))
        .map((k) => k.key);
      expect(refreshed, "keys whose TTL a rejected request refreshed").toEqual([]);
      expect(prototypeKeys(), "built-in prototypes after the property (pollution)").toEqual(
        prototypesBefore,
      );
    });
  }
}
