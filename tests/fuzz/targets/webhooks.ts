import fc from "fast-check";
import { isJobId, JOB_ID_PATTERN } from "@/lib/jobs/schema";
import { expect } from "vitest";
import {
  codePoints,
  hugeString,
  invalidJsonText,
  junkJson,
  percentEncode,
  rawQueryPart,
  toQuery,
} from "../arbitraries.ts";
import {
  brief,
  expectRejected,
  parseJson,
  short,
  type Answer,
  type AnyFuzzTarget,
  type FuzzRequest,
  type FuzzTarget,
} from "../harness.ts";
import { wrongMethods } from "../requests.ts";
import { deliveryHeaders, deliveryRequest, forgery, type Delivery } from "../signatures.ts";

/**
 * The QStash webhooks. A delivery that QStash did not sign for this URL and this body gets a 401
 * JSON error and touches nothing, whatever it carries. A genuinely signed message that is
 * malformed gets 489 + Upstash-NonRetryable-Error (QStash must not retry it) and touches nothing.
 */

const jobId = fc.stringMatching(JOB_ID_PATTERN);
const analysisType = fc.constantFrom("business_analysis", "market_intelligence", "risk_assessment");
const base = () => process.env.APP_BASE_URL!;
/** The query as the route sees it: WHATWG URL parsing re-encodes some characters. */
const searchOf = (path: string) => new URL(path, base()).search;

/** Message bodies, well-formed or not (with a forged signature, none may be acted on). */
const anyBody = (wellFormed: fc.Arbitrary<unknown>): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: wellFormed.map((v) => JSON.stringify(v)) },
    { weight: 2, arbitrary: junkJson.map((v) => JSON.stringify(v) ?? "null") },
    { weight: 1, arbitrary: invalidJsonText },
    { weight: 1, arbitrary: hugeString },
    { weight: 1, arbitrary: fc.constant("") },
  );

const consumeMessage = fc.record({ jobId, analysisType });
const consumeQuery = fc.oneof(
  fc.tuple(jobId, analysisType).map(([j, t]) => `?job=${j}&type=${t}`),
  fc.array(fc.tuple(rawQueryPart, rawQueryPart), { maxLength: 3 }).map(toQuery),
);
const failedQuery = fc.oneof(
  fc.tuple(jobId, fc.nat({ max: 9 })).map(([j, r]) => `?job=${j}&run=${r}`),
  jobId.map((j) => `?job=${j}`),
  fc.array(fc.tuple(rawQueryPart, rawQueryPart), { maxLength: 3 }).map(toQuery),
);
const failedBody = fc.record(
  {
    retried: fc.nat({ max: 5 }),
    status: fc.constant(500),
    sourceBody: fc.base64String({ maxLength: 40 }),
  },
  { requiredKeys: [] },
);

/** Alert delivery callbacks: a transition id (lib/ops/alert-message.ts), `&final=1` on the failure callback. */
const transition = fc
  .tuple(
    fc.constantFrom("dlq_not_empty", "error_rate", "job_stuck"),
    fc.constantFrom("fired", "resolved"),
    fc.nat(),
  )
  .map(([rule, state, at]) => `alert.${rule}.${state}.${at}`);
const deliveryQuery = fc.oneof(
  fc.tuple(transition, fc.boolean()).map(([t, f]) => `?transition=${t}${f ? "&final=1" : ""}`),
  fc.array(fc.tuple(rawQueryPart, rawQueryPart), { maxLength: 3 }).map(toQuery),
);
const deliveryBody = fc.record(
  {
    status: fc.nat({ max: 599 }),
    retried: fc.nat({ max: 5 }),
    maxRetries: fc.nat({ max: 5 }),
    body: fc.base64String({ maxLength: 40 }),
    sourceMessageId: fc.string({ maxLength: 20 }),
  },
  { requiredKeys: ["status", "retried", "maxRetries"] },
);

type Webhook = {
  route: string;
  path: string;
  query: fc.Arbitrary<string>;
  body: fc.Arbitrary<unknown>;
  signedUrl: (path: string) => string;
};

const webhooks: Webhook[] = [
  {
    route: "analysis/consume",
    path: "/api/analysis/consume",
    query: consumeQuery,
    body: consumeMessage,
    signedUrl: (p) => `${base()}/api/analysis/consume${searchOf(p)}`,
  },
  {
    route: "analysis/failed",
    path: "/api/analysis/failed",
    query: failedQuery,
    body: failedBody,
    signedUrl: (p) => `${base()}/api/analysis/failed${searchOf(p)}`,
  },
  {
    route: "ops/alerts/delivery",
    path: "/api/ops/alerts/delivery",
    query: deliveryQuery,
    body: deliveryBody,
    signedUrl: (p) => `${base()}/api/ops/alerts/delivery${searchOf(p)}`,
  },
  {
    route: "stack/echo",
    path: "/api/stack/echo",
    query: fc.constant(""),
    body: fc.record({ nonce: fc.string({ minLength: 1, maxLength: 64 }) }),
    signedUrl: () => `${base()}/api/stack/echo`,
  },
  {
    // The maintenance tick reads nothing from its body or query: only the signature for its one
    // URL decides (a query is noise the route ignores, signed for or not).
    route: "ops/tick",
    path: "/api/ops/tick",
    query: fc.oneof(
      fc.constant(""),
      fc.array(fc.tuple(rawQueryPart, rawQueryPart), { maxLength: 3 }).map(toQuery),
    ),
    body: fc.record({ tick: fc.constant("maintenance") }),
    signedUrl: () => `${base()}/api/ops/tick`,
  },
];

/** Deliveries with every kind of wrong signature (and, 1 in 12, a method the webhook does not have). */
function forgedDeliveries(w: Webhook): fc.Arbitrary<Delivery | FuzzRequest> {
  const delivery = fc.record({
    method: fc.constant("POST"),
    path: w.query.map((q) => `${w.path}${q}`),
    body: anyBody(w.body),
    forgery,
    headers: deliveryHeaders,
  });
  return fc.oneof(
    { weight: 11, arbitrary: delivery },
    { weight: 1, arbitrary: wrongMethods(w.path, ["POST"]) },
  );
}

const isDelivery = (x: Delivery | FuzzRequest): x is Delivery => "forgery" in x;

/**
 * The reasons the webhooks logged for the signatures they refused, newest last. The answer only
 * says "not valid" (it must not tell a forger what was expected); the log line says why.
 */
const refusals: string[] = [];
const warn = console.warn;
console.warn = (...args: unknown[]) => {
  const text = args.map(String).join(" ");
  const reason = /"event":"signature_refused".*"reason":"((?:[^"\\]|\\.)*)"/.exec(text)?.[1];
  if (reason) refusals.push(reason);
  else warn(...args);
};

/**
 * A misaddressed or tampered delivery carries an otherwise valid signature: its 401 must come
 * from the URL or body check itself (Receiver's reason, in the log), which proves those checks
 * ran — and its body must say no more than that the signature is not valid.
 */
function expectRefusedForItsFlaw(answer: Answer, req: FuzzRequest): void {
  expectRejected(answer, req);
  if (answer.status !== 401) return; // a method the route does not have: its 405 says so
  const message = (parseJson(answer.text) as { error: { message: string } }).error.message;
  expect(message, `the answer to ${brief(req)}`).toBe("The QStash signature is not valid.");
  const reason = refusals.at(-1) ?? "";
  if (req.note === "signature: other-url")
    expect(reason, `the logged reason for ${brief(req)}`).toMatch(/invalid subject/);
  if (req.note === "signature: tampered-body")
    expect(reason, `the logged reason for ${brief(req)}`).toMatch(/body hash does not match/);
}

const forgedTargets: FuzzTarget<Delivery | FuzzRequest>[] = webhooks.map((w) => ({
  route: w.route,
  title:
    "answers a forged, expired, misaddressed or tampered delivery with a 401 JSON error and writes nothing",
  inputs: forgedDeliveries(w),
  prepare: async (x) =>
    isDelivery(x) ? { ...(await deliveryRequest(x, w.signedUrl)), expect: [401] } : x,
  check: expectRefusedForItsFlaw,
  numRuns: 2000,
}));

/** 489 + Upstash-NonRetryable-Error: true, a JSON body, nothing written (checked by the runner). */
function expectNonRetryable(answer: Answer, req: FuzzRequest): void {
  const where = `${req.method} ${short(req.path)} ${short(String(req.body ?? ""))} → ${answer.status} ${short(answer.text)}`;
  expect(answer.status, `489 for ${where}`).toBe(489);
  expect(
    answer.headers["upstash-nonretryable-error"],
    `Upstash-NonRetryable-Error for ${where}`,
  ).toBe("true");
  expect(parseJson(answer.text), `a JSON body for ${where}`).toBeTypeOf("object");
}

/** Bodies that are not a message of this webhook (for a genuinely signed delivery): `isMessage` says what would be one. */
const notAMessage = (
  fields: Record<string, fc.Arbitrary<unknown>>,
  isMessage: (v: Record<string, unknown>) => boolean,
): fc.Arbitrary<string> =>
  fc
    .oneof(
      junkJson.map((v) => JSON.stringify(v) ?? "null"),
      invalidJsonText,
      fc
        .constantFrom(...Object.keys(fields))
        .chain((bad) =>
          fc
            .tuple(fc.record(fields), fc.oneof(junkJson, fc.constant(undefined)))
            .map(([msg, v]) => JSON.stringify({ ...msg, [bad]: v })),
        ),
    )
    .filter((text) => {
      if (text.startsWith("\ufeff")) return false; // see `signed`
      const v = parseJson(text);
      return (
        typeof v !== "object" ||
        v === null ||
        Array.isArray(v) ||
        !isMessage(v as Record<string, unknown>)
      );
    });

/**
 * A genuinely signed delivery. Bodies starting with a BOM are left out: the route verifies the
 * decoded text (req.text() drops a leading BOM), so even a genuine one fails its hash (401).
 * QStash only ever carries bodies tabsafe wrote (JSON.stringify) or its own callbacks, never a BOM.
 */
const signed = (d: Omit<Delivery, "forgery" | "headers">) =>
  fc
    .tuple(fc.constantFrom("current" as const, "next" as const), deliveryHeaders)
    .map(([key, headers]): Delivery => ({ ...d, headers, forgery: { kind: "genuine", key } }));

const badJobId = fc
  .oneof(
    fc.string({ maxLength: 40 }),
    junkJson.map((v) => (typeof v === "string" ? v : (JSON.stringify(v) ?? "null")).slice(0, 300)),
  )
  .filter((s) => !isJobId(s));
const isConsumeMessage = (v: Record<string, unknown>) =>
  isJobId(v.jobId) &&
  ["business_analysis", "market_intelligence", "risk_assessment"].includes(
    v.analysisType as string,
  );
const isEcho = (v: Record<string, unknown>) =>
  typeof v.nonce === "string" && v.nonce.length >= 1 && codePoints(v.nonce) <= 64;
const count = (v: unknown, max: number) =>
  Number.isInteger(v) && (v as number) >= 0 && (v as number) <= max;
const isCallbackBody = (v: Record<string, unknown>) =>
  count(v.status, 999) &&
  count(v.retried, 1000) &&
  count(v.maxRetries, 1000) &&
  (v.dlqId === undefined || (typeof v.dlqId === "string" && v.dlqId.length <= 100));
const decodedKey = (k: string) => new URLSearchParams(`${k}=`).keys().next().value;

const malformedTargets: FuzzTarget<Delivery>[] = [
  {
    route: "analysis/consume",
    title:
      "answers a genuinely signed message that is not a consume message with 489 non-retryable, writing nothing",
    inputs: fc
      .tuple(
        consumeQuery,
        notAMessage(
          { jobId: fc.oneof(jobId, badJobId), analysisType: fc.oneof(analysisType, fc.string()) },
          isConsumeMessage,
        ),
      )
      .chain(([q, body]) => signed({ method: "POST", path: `/api/analysis/consume${q}`, body })),
    prepare: (d) => deliveryRequest(d, webhooks[0].signedUrl),
    check: expectNonRetryable,
    numRuns: 300,
  },
  {
    route: "analysis/failed",
    title:
      "answers a genuinely signed failure callback without a valid job id with 489 non-retryable, writing nothing",
    inputs: fc
      .tuple(
        fc.oneof(
          badJobId.map((j) => `?job=${percentEncode(j)}`),
          fc
            .tuple(jobId, fc.constantFrom("-1", "1.5", "abc", "1e400", "%00"))
            .map(([j, r]) => `?job=${j}&run=${r}`),
          fc
            .array(
              fc.tuple(
                rawQueryPart.filter((k) => decodedKey(k) !== "job"),
                rawQueryPart,
              ),
              { maxLength: 3 },
            )
            .map(toQuery),
        ),
        anyBody(failedBody),
      )
      .filter(([, body]) => !body.startsWith("\ufeff"))
      .chain(([q, body]) => signed({ method: "POST", path: `/api/analysis/failed${q}`, body })),
    prepare: (d) => deliveryRequest(d, webhooks[1].signedUrl),
    check: expectNonRetryable,
    numRuns: 300,
  },
  {
    route: "stack/echo",
    title:
      "answers a genuinely signed message that is not a stack check with 489 non-retryable, writing nothing",
    inputs: notAMessage(
      {
        nonce: fc.oneof(
          fc.constant(""),
          fc.string({ minLength: 65, maxLength: 100 }),
          fc.integer(),
        ),
      },
      isEcho,
    ).chain((body) => signed({ method: "POST", path: "/api/stack/echo", body })),
    prepare: (d) => deliveryRequest(d, webhooks[3].signedUrl),
    check: expectNonRetryable,
    numRuns: 300,
  },
];

const alertDeliveryMalformed: FuzzTarget<Delivery> = {
  route: "ops/alerts/delivery",
  title:
    "answers a genuinely signed alert callback without a transition or a callback body with 489 non-retryable, writing nothing",
  inputs: fc
    .oneof(
      fc.tuple(
        transition.map((t) => `?transition=${t}`),
        notAMessage(
          {
            status: fc.oneof(fc.nat({ max: 599 }), fc.constant(1000), fc.constant(-1)),
            retried: fc.oneof(fc.nat({ max: 5 }), fc.constant(1.5)),
            maxRetries: fc.nat({ max: 5 }),
          },
          isCallbackBody,
        ),
      ),
      fc.tuple(
        fc.oneof(
          fc
            .array(
              fc.tuple(
                rawQueryPart.filter((k) => decodedKey(k) !== "transition"),
                rawQueryPart,
              ),
              { maxLength: 3 },
            )
            .map(toQuery),
          fc
            .string({ maxLength: 40 })
            .filter((t) => !/^alert\.[a-z_]{1,40}\.(fired|resolved)\.\d{1,16}$/.test(t))
            .map((t) => `?transition=${percentEncode(t)}`),
        ),
        deliveryBody.map((b) => JSON.stringify(b)),
      ),
    )
    .chain(([q, body]) => signed({ method: "POST", path: `/api/ops/alerts/delivery${q}`, body })),
  prepare: (d) => deliveryRequest(d, webhooks[2].signedUrl),
  check: expectNonRetryable,
  numRuns: 300,
};

export const webhookTargets: AnyFuzzTarget[] = [
  ...forgedTargets,
  ...malformedTargets,
  alertDeliveryMalformed,
];
