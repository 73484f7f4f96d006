import fc from "fast-check";
import { isJobId, JOB_ID_PATTERN } from "@/lib/jobs/schema";
import {
  hugeString,
  junkJson,
  nastyString,
  pollutedObject,
  protoKey,
  RawJson,
} from "../arbitraries.ts";
import type { FuzzRequest, FuzzTarget } from "../harness.ts";
import {
  jsonBodyRequests,
  noiseHeaders,
  queryRequests,
  withJunkCookie,
  type Fields,
} from "../requests.ts";

/**
 * The visitor's analysis routes. No input here is valid: listing ids are well-formed but unknown
 * (a start would otherwise create a job), job ids are well-formed but belong to no job.
 */

export const analysisTypes = ["business_analysis", "market_intelligence", "risk_assessment"];
const isListingId = (s: unknown) => typeof s === "string" && /^lst_[A-Za-z0-9_-]{3,64}$/.test(s);

/** Well-formed ids that name nothing: no job or pasted listing exists in this suite. */
export const unknownJobId = fc.stringMatching(JOB_ID_PATTERN);
export const unknownListingId = fc
  .stringMatching(/^[A-Za-z0-9_-]{3,60}$/)
  .map((s) => `lst_fuzz${s}`);

/** Anything but a string of the right shape: other types, near misses, huge and hostile strings. */
const notA = (ok: (v: unknown) => boolean, nearMisses: string[]) =>
  fc.oneof(junkJson, nastyString, hugeString, fc.constantFrom(...nearMisses)).filter((v) => !ok(v));

export const badJobId = notA(isJobId, [
  "",
  "abc",
  "a".repeat(33),
  "abcdefg",
  "abcdefgh ",
  " abcdefgh",
  "abcd efgh",
  "abcdefgh\n",
  "abcdéfgh",
  "abcdefg😀",
  "../../../x",
  "job:abcdefgh",
]);
export const badListingId = notA(isListingId, [
  "lst_",
  "lst_ab",
  "LST_abc",
  "lst-abc",
  "lst_abc ",
  `lst_${"a".repeat(65)}`,
  "lst_ab/c",
  "lst_abc\u0000",
  "harbor-coffee",
]);
export const badAnalysisType = notA(
  (v) => analysisTypes.includes(v as string),
  ["", "Business_Analysis", "business_analysis ", "business-analysis", "all", "__proto__"],
);

/** Params no analysis type accepts ({} and absent are valid for all; each type knows one key). */
const knownParamKeys = ["perspective", "horizonYears", "riskTolerance"];
export const badParams = fc.oneof(
  fc
    .oneof(junkJson, nastyString)
    .filter((v) => typeof v !== "object" || v === null || Array.isArray(v)),
  fc.dictionary(
    fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !knownParamKeys.includes(k)),
    fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.boolean()),
    { minKeys: 1, maxKeys: 5 },
  ),
  fc.constantFrom(
    { perspective: 7 },
    { perspective: "neutral" },
    { horizonYears: 0 },
    { horizonYears: 11 },
    { horizonYears: 2.5 },
    { horizonYears: "3" },
    { riskTolerance: "extreme" },
    { riskTolerance: null },
    { perspective: "buyer", horizonYears: 3 },
    { ["k".repeat(41)]: 1 },
    { a: "x".repeat(201) },
    Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, i])),
    { nested: { a: 1 } },
    { list: [1] },
  ),
  pollutedObject.filter((p) => !p.text.includes('"__proto__"')),
  protoKey
    .filter((k) => k !== "__proto__")
    .map((k) => new RawJson(`{${JSON.stringify(k)}:{"polluted":true}}`)),
);

/**
 * Params that are valid for every type. zod's z.record drops an own `__proto__` key (it never
 * copies it), so `{"__proto__": …}` is read as {}: harmless, and listed here so that stays true.
 */
export const okParams = fc.constantFrom<unknown>(
  {},
  new RawJson('{"__proto__":{"polluted":true}}'),
  new RawJson('{"__proto__":"x"}'),
);

const startFields: Fields = {
  listingId: { valid: unknownListingId, invalid: badListingId },
  analysisType: { valid: fc.constantFrom(...analysisTypes), invalid: badAnalysisType },
  params: { valid: okParams, invalid: badParams, optional: true },
};

/** Query values of GET /api/analysis/status (decoded; the builder encodes them). */
const text = (v: unknown) =>
  (typeof v === "string" ? v : (JSON.stringify(v) ?? "null")).slice(0, 1_000);
const statusQuery = {
  jobId: { valid: unknownJobId, invalid: badJobId.map(text).filter((s) => !isJobId(s)) },
  listingId: {
    valid: unknownListingId,
    invalid: badListingId.map(text).filter((s) => !isListingId(s)),
  },
  analysisType: {
    valid: fc.constantFrom(...analysisTypes),
    invalid: badAnalysisType.map(text).filter((s) => !analysisTypes.includes(s)),
  },
  params: {
    valid: fc.constantFrom("{}", '{"__proto__":{"x":1}}'),
    invalid: fc.oneof(
      fc.constantFrom(
        "",
        "{",
        "null",
        "[]",
        "1",
        '"x"',
        "{'a':1}",
        `{"a":"${"x".repeat(2_100)}"}`,
        '{"a":{}}',
        '{"a":null}',
      ),
      badParams.map((p) => (p instanceof RawJson ? p.text : (JSON.stringify(p) ?? "null"))),
    ),
  },
};

/** A lookup by an unknown job id, or by an identity no job has. */
const statusLookup = fc.oneof(
  unknownJobId.map((id): Array<[string, string]> => [["jobId", id]]),
  fc
    .tuple(
      unknownListingId,
      fc.constantFrom(...analysisTypes),
      fc.constantFrom(undefined, "{}", "%7B%7D"),
    )
    .map(
      ([l, t, p]): Array<[string, string]> => [
        ["listingId", l],
        ["analysisType", t],
        ...(p ? [["params", p] as [string, string]] : []),
      ],
    ),
);

export const analysisTargets: FuzzTarget[] = [
  {
    route: "analysis/start",
    title: "rejects bad bodies (a well-formed but unknown listing is a 404) and writes nothing",
    inputs: jsonBodyRequests({
      path: "/api/analysis/start",
      implemented: ["POST"],
      fields: startFields,
      maxBytes: 4 * 1024,
      wellFormed: [404],
    }),
    numRuns: 1500,
  },
  {
    route: "analysis/status",
    title:
      "rejects bad queries (a well-formed but unknown job or identity is a 404) and writes nothing",
    inputs: queryRequests({
      path: "/api/analysis/status",
      implemented: ["GET"],
      query: statusQuery,
      wellFormed: { query: statusLookup, expect: [404] },
    }),
    numRuns: 1500,
  },
  {
    route: "analysis/cancel",
    title: "rejects bad bodies (a well-formed but unknown job id is a 404) and writes nothing",
    inputs: jsonBodyRequests({
      path: "/api/analysis/cancel",
      implemented: ["POST"],
      fields: { jobId: { valid: unknownJobId, invalid: badJobId } },
      maxBytes: 1024,
      wellFormed: [404],
    }),
  },
  {
    route: "analysis/retry",
    title: "rejects bad bodies (a well-formed but unknown job id is a 404) and writes nothing",
    inputs: jsonBodyRequests({
      path: "/api/analysis/retry",
      implemented: ["POST"],
      fields: { jobId: { valid: unknownJobId, invalid: badJobId } },
      maxBytes: 1024,
      wellFormed: [404],
    }),
  },
  ...cookieTargets(),
];

/** Well-formed requests that name nothing (404), each with a Cookie header that is not a session of ours. */
function cookieTargets(): FuzzTarget[] {
  const post = (path: string, body: fc.Arbitrary<unknown>) =>
    fc.tuple(body, noiseHeaders).map(
      ([b, noise]): FuzzRequest => ({
        method: "POST",
        path,
        headers: { ...noise, "content-type": "application/json" },
        body: JSON.stringify(b),
        expect: [404],
      }),
    );
  const requests: Array<[string, fc.Arbitrary<FuzzRequest>]> = [
    [
      "analysis/start",
      post(
        "/api/analysis/start",
        fc.record({ listingId: unknownListingId, analysisType: fc.constantFrom(...analysisTypes) }),
      ),
    ],
    [
      "analysis/status",
      fc.tuple(unknownJobId, noiseHeaders).map(
        ([id, noise]): FuzzRequest => ({
          method: "GET",
          path: `/api/analysis/status?jobId=${id}`,
          headers: noise,
          expect: [404],
        }),
      ),
    ],
    ["analysis/cancel", post("/api/analysis/cancel", fc.record({ jobId: unknownJobId }))],
    ["analysis/retry", post("/api/analysis/retry", fc.record({ jobId: unknownJobId }))],
  ];
  return requests.map(([route, r]) => ({
    route,
    title:
      "answers a well-formed request for nothing 404 whatever Cookie header comes with it, writing nothing",
    inputs: withJunkCookie(r),
    numRuns: 300,
  }));
}
