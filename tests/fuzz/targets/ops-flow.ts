import fc from "fast-check";
import { junkJson, stringsBut } from "../arbitraries.ts";
import type { FuzzTarget } from "../harness.ts";
import { jsonBodyRequests, noInputRequests, wrongMethods } from "../requests.ts";
import { expectAnswered } from "./checks.ts";
import { notSignedIn, signedIn, withAndWithoutAuth } from "./ops.ts";

/**
 * The flow-control routes of /ops. A well-formed key is never the app's own (the test stack's
 * openai-gpt-5-mini): it must be answered 404 and pause nothing, signed in or not.
 */
const APP_KEY = "openai-gpt-5-mini";
const isFlowKey = (s: string) => /^[A-Za-z0-9._-]{1,128}$/.test(s);

const key = {
  key: {
    valid: fc.stringMatching(/^[A-Za-z0-9._-]{1,128}$/).filter((k) => k !== APP_KEY),
    invalid: fc.oneof(
      junkJson.filter((v) => typeof v !== "string"),
      stringsBut(isFlowKey, ["", " ", `${APP_KEY} `, `${APP_KEY}/pause`, "x".repeat(129)]),
    ),
  },
};

export const opsFlowTargets: FuzzTarget[] = [
  ...(["pause", "resume"] as const).map(
    (action): FuzzTarget => ({
      route: `ops/flow/${action}`,
      title:
        "refuses bad bodies (4xx) and keys the app does not publish under (404), signed in or not, changing nothing",
      inputs: withAndWithoutAuth(
        jsonBodyRequests({
          path: `/api/ops/flow/${action}`,
          implemented: ["POST"],
          fields: key,
          maxBytes: 16 * 1024,
          wellFormed: [404],
        }),
      ),
    }),
  ),
  {
    route: "ops/flow",
    title:
      "answers 401 to any request without the operator's credentials and 405 to a wrong method, writing nothing",
    inputs: fc.oneof(
      notSignedIn(
        fc.oneof(noInputRequests("/api/ops/flow", "GET"), wrongMethods("/api/ops/flow", ["GET"])),
      ),
      signedIn(wrongMethods("/api/ops/flow", ["GET"])),
    ),
    numRuns: 900,
  },
  {
    route: "ops/flow",
    title: "ignores junk around a signed-in GET (it has no input: 200)",
    inputs: signedIn(noInputRequests("/api/ops/flow", "GET")),
    check: expectAnswered([200]),
    numRuns: 100,
  },
];
