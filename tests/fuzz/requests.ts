import fc from "fast-check";
import {
  entriesToJson,
  hugeString,
  invalidJsonText,
  jsonContentType,
  junkCookie,
  junkJson,
  nastyString,
  otherMethod,
  percentEncode,
  protoKey,
  rawQueryPart,
  toQuery,
  wrongContentType,
  type Entries,
} from "./arbitraries.ts";
import type { FuzzRequest } from "./harness.ts";

/**
 * Builders of bad requests from a route's shape: which fields its body or query has, what a
 * valid and an invalid value of each looks like. Each request carries the statuses it may get
 * (`expect`): a broken rule is a 400/413/415/405, a well-formed request for something that does
 * not exist a 404; any 2xx or 5xx is a finding.
 */

export type FieldSpec = {
  valid: fc.Arbitrary<unknown>;
  invalid: fc.Arbitrary<unknown>;
  optional?: boolean;
};
export type Fields = Record<string, FieldSpec>;

const ABSENT = Symbol("absent");

/** An object breaking exactly one rule of `fields`: a field wrong, missing, repeated wrong, or (strict) an extra key. */
export function badObject(fields: Fields, strict = true): fc.Arbitrary<Entries> {
  const names = Object.keys(fields);
  const some = (n: string) =>
    fields[n].optional ? fc.oneof(fc.constant<unknown>(ABSENT), fields[n].valid) : fields[n].valid;
  const build = (values: unknown[]): Entries =>
    names.flatMap((n, i) => (values[i] === ABSENT ? [] : [[n, values[i]] as [string, unknown]]));
  const valid = fc.tuple(...names.map(some)).map(build);
  const kinds: Array<fc.Arbitrary<Entries>> = [
    fc
      .constantFrom(...names)
      .chain((bad) =>
        fc.tuple(...names.map((n) => (n === bad ? fields[n].invalid : some(n)))).map(build),
      ),
    fc
      .constantFrom(...names)
      .chain((bad) =>
        fc.tuple(valid, fields[bad].invalid).map(([e, v]): Entries => [...e, [bad, v]]),
      ),
  ];
  const required = names.filter((n) => !fields[n].optional);
  if (required.length) {
    kinds.push(
      fc
        .constantFrom(...required)
        .chain((gone) =>
          fc.tuple(...names.map((n) => (n === gone ? fc.constant(ABSENT) : some(n)))).map(build),
        ),
    );
  }
  if (strict) {
    const extraKey = fc
      .oneof(
        protoKey,
        nastyString,
        fc.constantFrom(...names.map((n) => n.toUpperCase()), ...names.map((n) => ` ${n}`)),
      )
      .filter((k) => !names.includes(k));
    kinds.push(
      fc.tuple(valid, extraKey, junkJson, fc.nat()).map(([e, k, v, at]) => {
        const out = [...e];
        out.splice(at % (out.length + 1), 0, [k, v]);
        return out;
      }),
    );
  }
  return fc.oneof(...kinds);
}

/** An object with every field valid (for envelopes that are wrong in another way). */
export function validObject(fields: Fields): fc.Arbitrary<Entries> {
  const names = Object.keys(fields);
  return fc
    .tuple(...names.map((n) => fields[n].valid))
    .map((values) => names.map((n, i): [string, unknown] => [n, values[i]]));
}

/**
 * Extra headers a browser, proxy or attacker adds; none of them may change the outcome. Cookies
 * have properties of their own (`withJunkCookie`), so a failure there does not hide others here.
 */
export const noiseHeaders: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    accept: fc.constantFrom("text/html", "*/*", "application/xml", ""),
    "x-forwarded-host": fc.constantFrom("evil.example", "localhost:1"),
    "upstash-signature": fc.constantFrom("", "x.y.z"),
    origin: fc.constantFrom("null", "https://evil.example"),
  },
  { requiredKeys: [] },
);

type BodyRoute = {
  path: string;
  /** Methods the route implements; the others are fuzzed for a 405. */
  implemented: string[];
  fields: Fields;
  strict?: boolean;
  /** The route's body limit, in bytes (bodies above it must get a 413). */
  maxBytes: number;
  /** When well-formed bodies name nothing that exists (unknown ids), the statuses they get; unset: never sent. */
  wellFormed?: number[];
};

/** Bad JSON-body requests to a POST route: schema breaks, non-objects, broken JSON, wrong type, oversize, wrong method. */
export function jsonBodyRequests(route: BodyRoute): fc.Arbitrary<FuzzRequest> {
  const post = (
    body: string | Buffer,
    contentType: string | undefined,
    expect: number[],
    note: string,
  ) =>
    fc
      .record({
        query: fc.array(fc.tuple(rawQueryPart, rawQueryPart), { maxLength: 2 }),
        chunked: fc.boolean(),
        noise: noiseHeaders,
      })
      .map(
        ({ query, chunked, noise }): FuzzRequest => ({
          method: "POST",
          path: `${route.path}${toQuery(query)}`,
          headers: {
            ...noise,
            ...(contentType === undefined ? {} : { "content-type": contentType }),
          },
          body,
          chunked,
          expect,
          note,
        }),
      );
  const json = (body: fc.Arbitrary<string>, expect: number[], note: string) =>
    fc.tuple(body, jsonContentType).chain(([b, ct]) => post(b, ct, expect, note));
  const wellFormed = route.wellFormed;
  return fc.oneof(
    {
      weight: 8,
      arbitrary: json(
        badObject(route.fields, route.strict ?? true).map(entriesToJson),
        [400, 413],
        "breaks the schema",
      ),
    },
    ...(wellFormed
      ? [
          {
            weight: 2,
            arbitrary: json(
              validObject(route.fields).map(entriesToJson),
              wellFormed,
              "well-formed, names nothing that exists",
            ),
          },
        ]
      : []),
    {
      weight: 2,
      arbitrary: json(
        junkJson.map((v) => JSON.stringify(v) ?? "null"),
        [400, 413],
        "not the object asked for",
      ),
    },
    { weight: 2, arbitrary: json(invalidJsonText, [400, 413], "not JSON") },
    {
      weight: 1,
      arbitrary: fc
        .tuple(validObject(route.fields), fc.constantFrom("\u00ff\u00fe", "\ud800", "\u0000"))
        .chain(([e, junk]) =>
          post(
            Buffer.concat([
              Buffer.from(entriesToJson(e).slice(0, -1)),
              Buffer.from([0xff, 0xc0, 0x80]),
              Buffer.from(`,"x":"${junk}"}`),
            ]),
            "application/json",
            [400, 413],
            "invalid UTF-8",
          ),
        ),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(validObject(route.fields), wrongContentType)
        .chain(([e, ct]) =>
          post(entriesToJson(e), ct, [415], "a valid body with a wrong content type"),
        ),
    },
    {
      weight: 1,
      arbitrary: oversize(route).chain(([b, note]) => post(b, "application/json", [413], note)),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          otherMethod(route.implemented),
          fc.option(validObject(route.fields).map(entriesToJson), { nil: undefined }),
          noiseHeaders,
        )
        .map(
          ([method, body, noise]): FuzzRequest => ({
            method,
            path: route.path,
            headers: { ...noise, "content-type": "application/json" },
            body,
            expect: [405],
            note: "a method the route does not have",
          }),
        ),
    },
  );
}

/** A body over the route's limit: padded JSON, a huge field, or multi-byte text under the limit in characters but over it in bytes. */
function oversize(route: BodyRoute): fc.Arbitrary<[string, string]> {
  const over = fc.integer({ min: 1, max: 100_000 });
  return fc
    .tuple(validObject(route.fields), over, fc.constantFrom("pad", "field", "emoji"))
    .map(([e, extra, how]): [string, string] => {
      const valid = entriesToJson(e);
      if (how === "pad")
        return [
          `${valid.slice(0, -1)}${" ".repeat(route.maxBytes + extra)}}`,
          "over the size limit (whitespace)",
        ];
      if (how === "field")
        return [
          entriesToJson([...e, ["x", "a".repeat(route.maxBytes + extra)]]),
          "over the size limit (a huge field)",
        ];
      const chars = Math.ceil((route.maxBytes + 1) / 4) + Math.min(extra, 1000);
      return [
        entriesToJson([[Object.keys(route.fields)[0], "😀".repeat(chars)]]),
        "over the size limit in bytes, not characters",
      ];
    });
}

export type QuerySpec = Record<
  string,
  { valid: fc.Arbitrary<string>; invalid: fc.Arbitrary<string> }
>;

/**
 * Bad query strings for a GET route with a strict query schema: a parameter invalid (as its last
 * occurrence), an unknown one, or the query repeated with the bad value last. Values are sent
 * percent-encoded; parameter names raw.
 */
export function badQuery(spec: QuerySpec): fc.Arbitrary<Array<[string, string]>> {
  const names = Object.keys(spec);
  const some = (n: string) =>
    fc.option(
      spec[n].valid.map((v): [string, string] => [n, queryEncode(v)]),
      { nil: undefined },
    );
  const others = (except?: string) =>
    fc
      .tuple(...names.filter((n) => n !== except).map(some))
      .map((ps) => ps.filter((p): p is [string, string] => p !== undefined));
  const kinds: Array<fc.Arbitrary<Array<[string, string]>>> = [
    fc.tuple(others(), unknownParam(names), fc.nat()).map(([ps, extra, at]) => {
      const out = [...ps];
      out.splice(at % (out.length + 1), 0, extra);
      return out;
    }),
  ];
  if (names.length) {
    kinds.push(
      fc
        .constantFrom(...names)
        .chain((bad) =>
          fc
            .tuple(others(bad), fc.option(spec[bad].valid, { nil: undefined }), spec[bad].invalid)
            .map(
              ([ps, first, value]): Array<[string, string]> => [
                ...(first === undefined ? [] : [[bad, queryEncode(first)] as [string, string]]),
                ...ps,
                [bad, queryEncode(value)],
              ],
            ),
        ),
    );
  }
  return fc.oneof(...kinds);
}

/**
 * A query value percent-encoded where needed, cut (keeping it long) so the request line stays
 * under Node's 16 KB header limit: above it Node answers 431 before any route runs.
 */
export function queryEncode(value: string): string {
  const encode = (s: string) => s.replace(/[^A-Za-z0-9_.~-]+/g, (run) => percentEncode(run));
  let v = value;
  while (encode(v).length > 9_000) v = v.slice(0, Math.floor(v.length * 0.75));
  return encode(v);
}

/** A parameter the schema does not know, raw or percent-encoded (never one of `known` once decoded). */
function unknownParam(known: string[]): fc.Arbitrary<[string, string]> {
  return fc
    .tuple(fc.oneof(rawQueryPart, protoKey, nastyString.map(percentEncode)), rawQueryPart)
    .filter(([k]) => {
      const decoded = new URLSearchParams(`${k}=`).keys().next().value;
      return (
        decoded !== undefined && !known.includes(decoded) && !k.includes("&") && !k.includes("#")
      );
    });
}

type QueryRoute = {
  path: string;
  implemented: string[];
  query: QuerySpec;
  /** Queries that fit the schema but name nothing that exists, and the statuses they get. */
  wellFormed?: { query: fc.Arbitrary<Array<[string, string]>>; expect: number[] };
};

/** A GET route's bad queries (400), well-formed ones naming nothing, and wrong methods, with noise headers. */
export function queryRequests(route: QueryRoute): fc.Arbitrary<FuzzRequest> {
  const get = (query: fc.Arbitrary<Array<[string, string]>>, expect: number[], note: string) =>
    fc.tuple(query, noiseHeaders).map(
      ([q, noise]): FuzzRequest => ({
        method: "GET",
        path: `${route.path}${toQuery(q)}`,
        headers: noise,
        expect,
        note,
      }),
    );
  return fc.oneof(
    { weight: 6, arbitrary: get(badQuery(route.query), [400], "a bad query") },
    ...(route.wellFormed
      ? [
          {
            weight: 2,
            arbitrary: get(
              route.wellFormed.query,
              route.wellFormed.expect,
              "well-formed, names nothing that exists",
            ),
          },
        ]
      : []),
    { weight: 1, arbitrary: wrongMethods(route.path, route.implemented) },
  );
}

/** Methods the route does not implement, with any body and query. */
export function wrongMethods(path: string, implemented: string[]): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      method: otherMethod(implemented),
      query: fc.array(fc.tuple(rawQueryPart, rawQueryPart), { maxLength: 2 }),
      body: fc.option(
        fc.oneof(
          junkJson.map((v) => JSON.stringify(v) ?? "null"),
          invalidJsonText,
          hugeString,
        ),
        { nil: undefined },
      ),
      contentType: wrongContentType,
      noise: noiseHeaders,
    })
    .map(
      ({ method, query, body, contentType, noise }): FuzzRequest => ({
        method,
        path: `${path}${toQuery(query)}`,
        headers: { ...noise, ...(contentType ? { "content-type": contentType } : {}) },
        body,
        expect: [405],
        note: "a method the route does not have",
      }),
    );
}

/** Requests a route without input must still answer calmly: any query, any body, any headers, on its own method. */
export function noInputRequests(path: string, method: string): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      query: fc.array(fc.tuple(rawQueryPart, rawQueryPart), { maxLength: 4 }),
      body: fc.option(
        fc.oneof(
          junkJson.map((v) => JSON.stringify(v) ?? "null"),
          invalidJsonText,
        ),
        { nil: undefined },
      ),
      contentType: wrongContentType,
      noise: noiseHeaders,
    })
    .map(
      ({ query, body, contentType, noise }): FuzzRequest => ({
        method,
        path: `${path}${toQuery(query)}`,
        headers: { ...noise, ...(contentType ? { "content-type": contentType } : {}) },
        body: method === "GET" ? undefined : body,
        note: "junk around a request without input",
      }),
    );
}

/**
 * A path parameter that is not an id: any string, sent percent-encoded. Strings that the URL
 * parser would turn into dot segments ("." and "..") are left out: they change the route, not the parameter.
 * Invalid UTF-8 escapes are left out too: tests/helpers/app-server.ts decodes parameters with
 * decodeURIComponent, which throws on them before any route runs (Next.js decodes them itself).
 */
export const badPathParam: fc.Arbitrary<string> = fc
  .oneof(
    nastyString,
    hugeString.map((s) => s.slice(0, 1_000)),
    fc.constantFrom("__proto__", "constructor", "a/b", "a?b", "a#b", "%", "..%2F", " "),
  )
  .filter((s) => s.length > 0 && s !== "." && s !== "..")
  .map(percentEncode);

/** The same requests with a Cookie header a browser might hold for the site (other apps' cookies, broken escapes). */
export function withJunkCookie(requests: fc.Arbitrary<FuzzRequest>): fc.Arbitrary<FuzzRequest> {
  return fc.tuple(requests, junkCookie).map(
    ([r, cookie]): FuzzRequest => ({
      ...r,
      headers: { ...r.headers, cookie },
      note: `${r.note ?? ""}; junk cookie`,
    }),
  );
}
