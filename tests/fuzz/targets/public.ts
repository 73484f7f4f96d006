import fc from "fast-check";
import { codePoints, hugeString, junkJson, nastyString } from "../arbitraries.ts";
import type { FuzzRequest, FuzzTarget } from "../harness.ts";
import {
  badPathParam,
  jsonBodyRequests,
  noInputRequests,
  withJunkCookie,
  wrongMethods,
  type Fields,
} from "../requests.ts";
import { expectAnswered } from "./checks.ts";

/**
 * Routes a browser calls without a job: the listing catalog, a pasted listing, a listing by id,
 * the visitor's history, the stack check. GETs without input ignore junk (200, nothing written);
 * a pasted listing that breaks a rule is refused.
 */

// The rules of newListingSchema (lib/listings/schema.ts), restated so the generator can keep to invalid input.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters newListingSchema refuses
const controlChars = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/;
const okTitle = (v: unknown) =>
  typeof v === "string" && codePoints(v.trim()) >= 1 && codePoints(v.trim()) <= 120;
const okText = (v: unknown) =>
  typeof v === "string" &&
  codePoints(v.trim()) >= 40 &&
  codePoints(v.trim()) <= 60_000 &&
  !controlChars.test(v.trim());

const anyValue = fc.oneof(junkJson, nastyString, hugeString);
const listingFields: Fields = {
  title: {
    valid: fc.constantFrom("Fuzzed listing", "😀 Café ünïcödé", "a"),
    invalid: fc
      .oneof(
        anyValue,
        fc.constantFrom("", " ", "\t\n\u00a0\ufeff", "x".repeat(121), "😀".repeat(121)),
      )
      .filter((v) => !okTitle(v)),
  },
  text: {
    valid: fc
      .integer({ min: 40, max: 400 })
      .map((n) => "A small bakery with steady revenue. ".repeat(Math.ceil(n / 36)).slice(0, n)),
    invalid: fc
      .oneof(
        anyValue,
        fc.string({ maxLength: 39 }),
        fc
          .tuple(
            fc.string({ minLength: 20, maxLength: 60 }),
            fc.integer({ min: 0, max: 0x1f }).filter((c) => ![9, 10, 13].includes(c)),
          )
          .map(([s, c]) => `${"x".repeat(40)}${String.fromCharCode(c)}${s}x`),
        fc.constantFrom(" ".repeat(100), "x".repeat(60_001), `${"x".repeat(39)}${" ".repeat(50)}`),
      )
      .filter((v) => !okText(v)),
  },
};

const served = (path: string, method: string, runs = 300): FuzzTarget => ({
  route: path.slice("/api/".length),
  title: `ignores junk query strings, bodies and headers on ${method} (200) and writes nothing`,
  inputs: noInputRequests(path, method),
  check: expectAnswered([200]),
  numRuns: runs,
});

const unknownListing = fc.stringMatching(/^[A-Za-z0-9_-]{3,60}$/).map((s) => `lst_fuzz${s}`);

export const publicTargets: FuzzTarget[] = [
  {
    route: "listings",
    title:
      "refuses a pasted listing that breaks a rule, oversize (> 256 KiB) or not JSON, and writes nothing",
    inputs: jsonBodyRequests({
      path: "/api/listings",
      implemented: ["GET", "POST"],
      fields: listingFields,
      maxBytes: 256 * 1024,
    }),
  },
  served("/api/listings", "GET"),
  {
    route: "listings/[id]",
    title:
      "answers 404 for any id that is not a listing, and 405 to other methods, writing nothing",
    inputs: fc.oneof(
      {
        weight: 5,
        arbitrary: fc.oneof(badPathParam, unknownListing).map(
          (p): FuzzRequest => ({
            method: "GET",
            path: `/api/listings/${p}`,
            expect: [404],
            note: "not a listing",
          }),
        ),
      },
      { weight: 1, arbitrary: wrongMethods("/api/listings/lst_harbor-coffee", ["GET"]) },
    ),
  },
  {
    route: "analysis/history",
    title: "answers 405 to every method but GET, with any body, and writes nothing",
    inputs: wrongMethods("/api/analysis/history", ["GET"]),
  },
  served("/api/analysis/history", "GET"),
  {
    // GET runs a real end-to-end check (a Redis write with a 60 s TTL, a QStash round trip): it has no input to fuzz.
    route: "stack/check",
    title:
      "answers 405 to every method but GET, with any body, and writes nothing (GET has no input: it runs the real check)",
    inputs: wrongMethods("/api/stack/check", ["GET"]),
  },
  {
    route: "listings",
    title: "serves the catalog whatever Cookie header comes with it",
    inputs: withJunkCookie(noInputRequests("/api/listings", "GET")),
    check: expectAnswered([200]),
    numRuns: 300,
  },
  {
    route: "analysis/history",
    title: "serves the history (empty for a new visitor) whatever Cookie header comes with it",
    inputs: withJunkCookie(noInputRequests("/api/analysis/history", "GET")),
    check: expectAnswered([200]),
    numRuns: 300,
  },
];
