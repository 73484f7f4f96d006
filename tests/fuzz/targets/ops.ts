import fc from "fast-check";
import { errorCategories, isJobId, JOB_ID_PATTERN, jobStatuses } from "@/lib/jobs/schema";
import { severities } from "@/lib/ops/types";
import { TEST_OPS_TOKEN } from "../../helpers/stack.ts";
import {
  codePoints,
  junkAuthorization,
  junkJson,
  nastyString,
  stringsBut,
} from "../arbitraries.ts";
import type { FuzzRequest, FuzzTarget } from "../harness.ts";
import {
  badPathParam,
  jsonBodyRequests,
  noInputRequests,
  noiseHeaders,
  queryRequests,
  withJunkCookie,
  wrongMethods,
  type QuerySpec,
} from "../requests.ts";
import { expectAnswered } from "./checks.ts";

/**
 * The operator's routes, each fuzzed both signed in (Authorization: Bearer TEST_OPS_TOKEN: the
 * input itself must be refused) and not (whatever the input: 401, or 405 for a wrong method).
 */

/** Credentials that are not the operator's (cookies that break parsing: withJunkCookie, below). */
const notTheOperator = fc.oneof(
  fc.constant({}),
  junkAuthorization
    .filter((a) => a.trim() !== `Bearer ${TEST_OPS_TOKEN}`)
    .map((authorization) => ({ authorization })),
  fc
    .constantFrom(
      `Bearer ${TEST_OPS_TOKEN.slice(0, -1)}`,
      `Bearer ${TEST_OPS_TOKEN}x`,
      `bearer ${TEST_OPS_TOKEN}`,
      `Basic ${TEST_OPS_TOKEN}`,
      TEST_OPS_TOKEN,
      `Bearer  ${TEST_OPS_TOKEN.toUpperCase()}`,
    )
    .map((authorization) => ({ authorization })),
  fc
    .constantFrom(
      "tabsafe_ops=forged",
      `tabsafe_ops=${TEST_OPS_TOKEN}`,
      "tabsafe_ops=",
      "tabsafe_ops=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    )
    .map((cookie) => ({ cookie })),
);

/** Signed in: the input itself must be refused. */
export const signedIn = (requests: fc.Arbitrary<FuzzRequest>) =>
  requests.map(
    (r): FuzzRequest => ({
      ...r,
      headers: { ...r.headers, authorization: `Bearer ${TEST_OPS_TOKEN}` },
      note: `${r.note ?? ""}; signed in`,
    }),
  );

/** Not signed in: 401 whatever the input, unless the method is wrong (the router answers 405 first). */
export const notSignedIn = (requests: fc.Arbitrary<FuzzRequest>) =>
  fc.tuple(requests, notTheOperator).map(
    ([r, creds]): FuzzRequest => ({
      ...r,
      headers: { ...r.headers, ...creds },
      expect: r.expect?.length === 1 && r.expect[0] === 405 ? [405] : [401],
      note: `${r.note ?? ""}; not signed in`,
    }),
  );

export const withAndWithoutAuth = (requests: fc.Arbitrary<FuzzRequest>) =>
  fc.oneof(signedIn(requests), notSignedIn(requests));

const enumParam = (values: readonly string[]) => ({
  valid: fc.constantFrom(...values),
  invalid: stringsBut(
    (s) => values.includes(s),
    values.map((v) => v.toLowerCase()).concat(values.map((v) => ` ${v}`)),
  ),
});
const isFingerprint = (s: string) => /^[0-9a-f]{16}$/.test(s);
const isLimit = (s: string) => Number.isInteger(Number(s)) && Number(s) >= 1 && Number(s) <= 500;
const isDays = (s: string) => Number.isInteger(Number(s)) && Number(s) >= 1 && Number(s) <= 90;

const queries: Record<string, QuerySpec> = {
  overview: { window: enumParam(["15", "60", "360", "1440"]) },
  visitors: {
    days: {
      valid: fc.integer({ min: 1, max: 90 }).map(String),
      invalid: stringsBut(isDays, ["0", "91", "1.5", "-7", "abc", "1e3", "Infinity", "NaN", ""]),
    },
  },
  errors: {
    category: enumParam(errorCategories),
    severity: enumParam(severities),
    status: enumParam(["open", "resolved", "all"]),
  },
  jobs: {
    q: { valid: fc.string({ maxLength: 64 }), invalid: stringsBut((s) => codePoints(s) <= 64) },
    status: enumParam(jobStatuses),
    listing: {
      valid: fc.string({ maxLength: 64 }),
      invalid: stringsBut((s) => codePoints(s) <= 64),
    },
    limit: {
      valid: fc.integer({ min: 1, max: 500 }).map(String),
      invalid: stringsBut(isLimit, [
        "0",
        "501",
        "1.5",
        "-1",
        "abc",
        "1e3",
        "Infinity",
        "NaN",
        "0x1F5",
      ]),
    },
  },
  dlq: {
    cursor: {
      valid: fc.string({ maxLength: 200 }),
      invalid: stringsBut((s) => codePoints(s) <= 200),
    },
  },
};

/** A path parameter that does not fit (400) or fits and names nothing (404). */
const pathParam = (ok: (s: string) => boolean, unknown: fc.Arbitrary<string>) =>
  fc.oneof(
    {
      weight: 3,
      arbitrary: badPathParam
        .filter((p) => !ok(decodeURIComponent(p)))
        .map((p) => ({ p, expect: [400] })),
    },
    { weight: 1, arbitrary: unknown.map((p) => ({ p, expect: [404] })) },
  );

const paramRequests = (
  method: string,
  path: (p: string) => string,
  ok: (s: string) => boolean,
  unknown: fc.Arbitrary<string>,
  other: string,
) =>
  fc.oneof(
    {
      weight: 5,
      arbitrary: fc.tuple(pathParam(ok, unknown), noiseHeaders).map(
        ([{ p, expect }, noise]): FuzzRequest => ({
          method,
          path: path(p),
          headers: noise,
          expect,
          note: "a bad or unknown path parameter",
        }),
      ),
    },
    { weight: 1, arbitrary: wrongMethods(path(other), [method]) },
  );

const dlqIds = {
  dlqIds: {
    valid: fc.array(fc.string({ minLength: 1, maxLength: 200 }), { minLength: 1, maxLength: 100 }),
    invalid: fc.oneof(
      junkJson.filter((v) => !Array.isArray(v)),
      fc.constant([]),
      fc.array(fc.string({ minLength: 1, maxLength: 5 }), { minLength: 101, maxLength: 150 }),
      fc
        .tuple(
          fc.array(fc.string({ minLength: 1, maxLength: 5 }), { maxLength: 5 }),
          fc.oneof(
            fc.constant(""),
            fc.constant("x".repeat(201)),
            junkJson.filter((v) => typeof v !== "string"),
            nastyString.filter((s) => s.length === 0 || codePoints(s) > 200),
          ),
        )
        .map(([ok, bad]) => [...ok, bad]),
    ),
  },
};

const wrongToken = fc.string({ minLength: 1, maxLength: 512 }).filter((t) => t !== TEST_OPS_TOKEN);

export const opsTargets: Array<FuzzTarget> = [
  {
    route: "ops/overview",
    title: "refuses a bad window, signed in or not, and writes nothing",
    inputs: withAndWithoutAuth(
      queryRequests({ path: "/api/ops/overview", implemented: ["GET"], query: queries.overview }),
    ),
  },
  {
    route: "ops/visitors",
    title: "refuses a bad number of days, signed in or not, and writes nothing",
    inputs: withAndWithoutAuth(
      queryRequests({ path: "/api/ops/visitors", implemented: ["GET"], query: queries.visitors }),
    ),
  },
  {
    route: "ops/errors",
    title: "refuses bad filters, signed in or not, and writes nothing",
    inputs: withAndWithoutAuth(
      queryRequests({ path: "/api/ops/errors", implemented: ["GET"], query: queries.errors }),
    ),
  },
  {
    route: "ops/jobs",
    title: "refuses bad searches, signed in or not, and writes nothing",
    inputs: withAndWithoutAuth(
      queryRequests({ path: "/api/ops/jobs", implemented: ["GET"], query: queries.jobs }),
    ),
  },
  {
    route: "ops/dlq",
    title: "refuses a bad cursor or unknown parameters, signed in or not, and writes nothing",
    inputs: withAndWithoutAuth(
      queryRequests({ path: "/api/ops/dlq", implemented: ["GET"], query: queries.dlq }),
    ),
  },
  {
    route: "ops/jobs/[id]",
    title:
      "refuses a bad job id (400) and answers an unknown one 404, signed in or not, writing nothing",
    inputs: withAndWithoutAuth(
      paramRequests(
        "GET",
        (p) => `/api/ops/jobs/${p}`,
        isJobId,
        fc.stringMatching(JOB_ID_PATTERN),
        "abcdefgh",
      ),
    ),
  },
  {
    route: "ops/errors/[fingerprint]",
    title:
      "refuses a bad fingerprint (400) and answers an unknown one 404, signed in or not, writing nothing",
    inputs: withAndWithoutAuth(
      paramRequests(
        "GET",
        (p) => `/api/ops/errors/${p}`,
        isFingerprint,
        fc.stringMatching(/^[0-9a-f]{16}$/),
        "0123456789abcdef",
      ),
    ),
  },
  {
    route: "ops/errors/[fingerprint]/resolve",
    title:
      "refuses a bad fingerprint (400) and answers an unknown one 404, signed in or not, writing nothing",
    inputs: withAndWithoutAuth(
      paramRequests(
        "POST",
        (p) => `/api/ops/errors/${p}/resolve`,
        isFingerprint,
        fc.stringMatching(/^[0-9a-f]{16}$/),
        "0123456789abcdef",
      ),
    ),
  },
  {
    route: "ops/dlq/replay",
    title: "refuses bad bodies, signed in or not, and writes nothing",
    inputs: withAndWithoutAuth(
      jsonBodyRequests({
        path: "/api/ops/dlq/replay",
        implemented: ["POST"],
        fields: dlqIds,
        maxBytes: 16 * 1024,
      }),
    ),
  },
  {
    route: "ops/dlq/delete",
    title: "refuses bad bodies, signed in or not, and writes nothing",
    inputs: withAndWithoutAuth(
      jsonBodyRequests({
        path: "/api/ops/dlq/delete",
        implemented: ["POST"],
        fields: dlqIds,
        maxBytes: 16 * 1024,
      }),
    ),
  },
  {
    route: "ops/session",
    title: "refuses bad sign-in bodies and wrong tokens (401), and writes nothing",
    inputs: jsonBodyRequests({
      path: "/api/ops/session",
      implemented: ["POST", "DELETE"],
      fields: {
        token: {
          valid: wrongToken,
          invalid: junkJson.filter(
            (v) => typeof v !== "string" || v.length === 0 || codePoints(v) > 512,
          ),
        },
      },
      maxBytes: 1024,
      wellFormed: [401],
    }),
  },
  {
    route: "ops/session",
    title: "signs out whatever comes with the DELETE (200), writing nothing",
    inputs: noInputRequests("/api/ops/session", "DELETE"),
    check: expectAnswered([200]),
    numRuns: 200,
  },
  ...(["health", "alerts"] as const).flatMap((name): FuzzTarget[] => [
    {
      route: `ops/${name}`,
      title:
        "answers 401 to any request without the operator's credentials and 405 to a wrong method, writing nothing",
      inputs: fc.oneof(
        notSignedIn(
          fc.oneof(
            noInputRequests(`/api/ops/${name}`, "GET"),
            wrongMethods(`/api/ops/${name}`, ["GET"]),
          ),
        ),
        signedIn(wrongMethods(`/api/ops/${name}`, ["GET"])),
      ),
    },
    {
      route: `ops/${name}`,
      title: "ignores junk around a signed-in GET (it has no input: 200, or an honest 503)",
      inputs: signedIn(noInputRequests(`/api/ops/${name}`, "GET")),
      check: expectAnswered([200, 503]),
      numRuns: 100,
    },
  ]),
  // Every ops route authorizes through requireOps (lib/ops/auth.ts): one route of each kind stands for all.
  ...(
    [
      ["ops/overview", "GET", "/api/ops/overview", undefined],
      ["ops/jobs/[id]", "GET", "/api/ops/jobs/abcdefgh12345678", undefined],
      ["ops/dlq/replay", "POST", "/api/ops/dlq/replay", JSON.stringify({ dlqIds: ["x"] })],
    ] as const
  ).map(
    ([route, method, path, body]): FuzzTarget => ({
      route,
      title:
        "answers 401 without the operator's credentials whatever Cookie header comes with the request, writing nothing",
      inputs: withJunkCookie(
        noiseHeaders.map(
          (noise): FuzzRequest => ({
            method,
            path,
            headers: { ...noise, "content-type": "application/json" },
            body,
            expect: [401],
          }),
        ),
      ),
      numRuns: 300,
    }),
  ),
];
