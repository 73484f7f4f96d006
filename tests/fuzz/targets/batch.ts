import fc from "fast-check";
import { junkJson, stringsBut } from "../arbitraries.ts";
import type { FuzzRequest, FuzzTarget } from "../harness.ts";
import {
  jsonBodyRequests,
  noiseHeaders,
  queryRequests,
  withJunkCookie,
  type Fields,
} from "../requests.ts";
import {
  analysisTypes,
  badAnalysisType,
  badListingId,
  badParams,
  okParams,
  unknownListingId,
} from "./analysis.ts";

/**
 * Batches of analyses: start (a list of listings), follow, cancel, retry. Listing and batch ids
 * are well-formed but unknown, so no input here may start anything.
 */

const BATCH_MAX = 50;
const isBatchId = (s: string) => /^b_[A-Za-z0-9_-]{14}$/.test(s);
const unknownBatchId = fc.stringMatching(/^[A-Za-z0-9_-]{14}$/).map((s) => `b_${s}`);
const badBatchId = fc.oneof(
  stringsBut(isBatchId, [
    "b_",
    "b_abc",
    "B_abcdefghijklmn",
    "b_abcdefghijklm",
    "b_abcdefghijklmno",
    "b-abcdefghijklmn",
    "b_abcdefghijklm😀",
  ]),
  junkJson.filter((v) => typeof v !== "string"),
);

const listingIds = {
  valid: fc.uniqueArray(unknownListingId, { minLength: 1, maxLength: 20 }),
  invalid: fc.oneof(
    junkJson.filter((v) => !Array.isArray(v)),
    fc.constant([]),
    unknownListingId.map((id) => [id, id]),
    fc.uniqueArray(
      fc.stringMatching(/^[a-z0-9]{6}$/).map((s) => `lst_${s}`),
      { minLength: BATCH_MAX + 1, maxLength: BATCH_MAX + 20 },
    ),
    fc
      .tuple(fc.uniqueArray(unknownListingId, { maxLength: 3 }), badListingId)
      .map(([ok, bad]) => [...ok, bad]),
  ),
};

const batchFields: Fields = {
  listingIds,
  analysisType: { valid: fc.constantFrom(...analysisTypes), invalid: badAnalysisType },
  params: { valid: okParams, invalid: badParams, optional: true },
  minSuccess: {
    valid: fc.double({ min: 0.01, max: 1, noNaN: true }),
    invalid: fc.oneof(
      fc.constantFrom(0, -0.5, 1.0001, 2, 1e308, "0.5", null, true, [], {}),
      junkJson.filter((v) => typeof v !== "number"),
    ),
    optional: true,
  },
};

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

const refTargets = (path: string): FuzzTarget[] => [
  {
    route: path.slice("/api/".length),
    title: "rejects bad bodies (a well-formed but unknown batch id is a 404) and writes nothing",
    inputs: jsonBodyRequests({
      path,
      implemented: ["POST"],
      fields: { batchId: { valid: unknownBatchId, invalid: badBatchId } },
      maxBytes: 1024,
      wellFormed: [404],
    }),
  },
  {
    route: path.slice("/api/".length),
    title:
      "answers a well-formed request for nothing 404 whatever Cookie header comes with it, writing nothing",
    inputs: withJunkCookie(post(path, fc.record({ batchId: unknownBatchId }))),
    numRuns: 300,
  },
];

export const batchTargets: FuzzTarget[] = [
  {
    route: "analysis/batch",
    title:
      "rejects bad batch starts (well-formed ones naming unknown listings are a 404), oversize (> 8 KiB) or not JSON, and writes nothing",
    inputs: jsonBodyRequests({
      path: "/api/analysis/batch",
      implemented: ["GET", "POST"],
      fields: batchFields,
      maxBytes: 8 * 1024,
      wellFormed: [404],
    }),
  },
  {
    route: "analysis/batch",
    title:
      "rejects bad queries when following a batch (a well-formed but unknown id is a 404) and writes nothing",
    inputs: queryRequests({
      path: "/api/analysis/batch",
      implemented: ["GET", "POST"],
      query: {
        batchId: {
          valid: unknownBatchId,
          invalid: badBatchId
            .map((v) => (typeof v === "string" ? v : (JSON.stringify(v) ?? "null")))
            .filter((s) => !isBatchId(s)),
        },
      },
      wellFormed: {
        query: unknownBatchId.map((id): Array<[string, string]> => [["batchId", id]]),
        expect: [404],
      },
    }),
    numRuns: 500,
  },
  {
    route: "analysis/batch",
    title:
      "answers a well-formed start for unknown listings 404 whatever Cookie header comes with it, writing nothing",
    inputs: withJunkCookie(
      post(
        "/api/analysis/batch",
        fc.record({
          listingIds: listingIds.valid,
          analysisType: fc.constantFrom(...analysisTypes),
        }),
      ),
    ),
    numRuns: 300,
  },
  ...refTargets("/api/analysis/batch/cancel"),
  ...refTargets("/api/analysis/batch/retry"),
];
