import fc from "fast-check";

/**
 * Generators of hostile input shared by every fuzz target: strings that break naive code, JSON
 * that is almost right, bodies in the wrong envelope. The targets combine them with a route's
 * rules and filter out whatever would be valid there.
 */

/** Strings chosen to break parsers, regexes, key builders and logs. */
// biome-ignore format: one kind of attack a line (unicode, number-likes, keys, paths, injections)
const nastyConstants = [
  "", " ", "\u0000", "\u0000abc", "\r\n", "\t\v\f", "\u001b[31mred", "\u202etxt.exe", "\u200b\u200c\u200d\ufeff",
  "😀", "👩‍👩‍👧‍👦", "🏳️‍🌈", "\ud800", "\udfff", "a\ud83dz", "\ud83d", "é", "ｆｕｌｌ", "İ", "ß", "\u0301", "𝕏",
  "null", "undefined", "NaN", "Infinity", "-1", "0x10", "1e309", "true", "[]", "{}", "\"", "\\", "'", "`",
  "__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf",
  "../../etc/passwd", "%00", "%", "%zz", "%E0%A4%A", "*", "?", "[", "{}*", "\\u0000", "'; DROP TABLE jobs;--",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, sent as text
  "<script>alert(1)</script>", "${7*7}", "{{7*7}}", "job:*", "lst_*", "\n\nkey:evil", "a".repeat(33), "A".repeat(1024),
] as const;

/** A lone UTF-16 surrogate half (invalid Unicode that JavaScript strings can still hold). */
export const loneSurrogate = fc
  .integer({ min: 0xd800, max: 0xdfff })
  .map((c) => String.fromCharCode(c));

const controlChar = fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c));

/** Short strings full of unicode, emoji, control characters and lone surrogates. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...nastyConstants),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({
    unit: fc.oneof(
      controlChar,
      loneSurrogate,
      fc.constantFrom("😀", "\u202e", "\ufeff", "%", "\\", '"'),
    ),
    maxLength: 20,
  }),
  fc
    .tuple(fc.string({ maxLength: 10 }), loneSurrogate, fc.string({ maxLength: 10 }))
    .map((p) => p.join("")),
);

/** A large string (1–100 KB) built by repetition, so generating it stays cheap. */
export const hugeString: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom("a", "😀", "\u0000", "é", "lst_", "\ud800", '\\"', " "),
    fc.integer({ min: 1_000, max: 100_000 }),
  )
  .map(([unit, bytes]) => unit.repeat(Math.max(1, Math.floor(bytes / Buffer.byteLength(unit)))));

/** Keys that pollute prototypes when code copies objects carelessly. */
export const protoKey = fc.constantFrom(
  "__proto__",
  "constructor",
  "prototype",
  "__defineGetter__",
  "toString",
  "hasOwnProperty",
);

/** Any JSON value, including deep nesting, proto keys and large arrays. */
export const junkJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: nastyString },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      null,
      true,
      false,
      0,
      -0,
      -1,
      1.5,
      1e308,
      Number.MAX_SAFE_INTEGER + 2,
      "",
      [],
      {},
    ),
  },
  {
    weight: 1,
    arbitrary: fc.dictionary(fc.oneof(protoKey, nastyString), fc.jsonValue({ maxDepth: 2 }), {
      maxKeys: 4,
    }),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 1, max: 20_000 })
      .map((n) => Array.from({ length: n }, (_, i) => i)),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 10, max: 3_000 })
      .map((n) => JSON.parse("[".repeat(n) + "]".repeat(n)) as unknown),
  },
);

/** An object body as ordered [key, value] pairs, so duplicate and `__proto__` keys survive. */
export type Entries = Array<[string, unknown]>;

/** JSON text spliced into a body verbatim (a nested object whose keys JSON.stringify would lose). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON text of a value; entries and RawJson keep duplicates and own `__proto__` keys. */
export function toJsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  return JSON.stringify(value) ?? "null";
}

export function entriesToJson(entries: Entries): string {
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(v)}`).join(",")}}`;
}

/** A nested object with proto keys and duplicates, as raw JSON. */
export const pollutedObject: fc.Arbitrary<RawJson> = fc
  .array(fc.tuple(fc.oneof(protoKey, nastyString), fc.jsonValue({ maxDepth: 2 })), {
    minLength: 1,
    maxLength: 4,
  })
  .map((entries) => new RawJson(entriesToJson(entries)));

/** Text that is not JSON (or not a JSON document), as a client might send by mistake. */
export const invalidJsonText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "",
    " ",
    "{",
    "}",
    "[",
    '{"a":}',
    "{'a':1}",
    "{a:1}",
    '{"a":1,}',
    "[1,2,]",
    "NaN",
    "undefined",
    "Infinity",
    "\ufeff{}",
    '{"a":1}{"b":2}',
    "// comment\n{}",
    '{"a":"\u0000"}',
    '{"a":"\\x41"}',
    '{"a":01}',
    "nul",
    "tru",
    '"unterminated',
    '{"__proto__":',
    "[".repeat(10_000),
    '{"a":'.repeat(5_000),
  ),
  nastyString.filter((s) => !isJson(s)),
  fc
    .json({ maxDepth: 2 })
    .filter((s) => s.length > 1)
    .chain((s) => fc.nat({ max: s.length - 1 }).map((cut) => s.slice(0, cut)))
    .filter((s) => !isJson(s)),
);

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Content types that are not JSON (or not usable as JSON). */
export const wrongContentType: fc.Arbitrary<string | undefined> = fc.constantFrom(
  undefined,
  "",
  "text/plain",
  "text/json",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/jsonp",
  "application/xml",
  "json",
  "application/javascript",
  "*/*",
  "application/octet-stream",
  "text/html; charset=utf-8",
);

/** Content types that readJson accepts as JSON: the body, not the label, must be what fails. */
export const jsonContentType = fc.constantFrom(
  "application/json",
  "application/json; charset=utf-8",
  "Application/JSON",
  "application/json;charset=latin1",
);

/** Methods a route does not implement (the dispatcher answers 405; HEAD is left out: its answer has no body). */
export function otherMethod(implemented: string[]): fc.Arbitrary<string> {
  return fc.constantFrom(
    ...["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"].filter((m) => !implemented.includes(m)),
  );
}

/** A query-string component: raw garbage, including malformed percent escapes (URLSearchParams tolerates them). */
export const rawQueryPart: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "",
    "%",
    "%zz",
    "%E0%A4%A",
    "%FF%FE",
    "%00",
    "%F0%9F%98%80",
    "a%2Bb",
    "+",
    "=",
    "&&",
    "==",
    "__proto__",
    "constructor",
    "[]",
    "a[b]=c",
  ),
  fc.string({ unit: fc.constantFrom(..."abcXYZ019_-.~%+=[]!$'()*,;:@/?"), maxLength: 30 }),
  nastyString.map(percentEncode),
);

/** Percent-encodes the UTF-8 bytes of `s` (lone surrogates become U+FFFD, as a browser would send them). */
export function percentEncode(s: string): string {
  return [...Buffer.from(s, "utf8")]
    .map((b) => `%${b.toString(16).toUpperCase().padStart(2, "0")}`)
    .join("");
}

/** A query string of `pairs` (already encoded components). */
export const toQuery = (pairs: Array<[string, string]>) =>
  pairs.length ? `?${pairs.map(([k, v]) => `${k}=${v}`).join("&")}` : "";

/** Cookie and Authorization headers a browser or attacker might send (printable latin1; malformed escapes included). */
export const junkCookie: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "",
    "=",
    ";;;",
    "tabsafe_session=",
    "tabsafe_session=%",
    "tabsafe_session=%E0%A4%A",
    "tabsafe_session=v_AAAAAAAAAAAAAAAA.sig",
    "tabsafe_session=v_AAAAAAAAAAAAAAAA.",
    "tabsafe_ops=%zz",
    "tabsafe_ops=forged",
    "tabsafe_ops=",
    "tabsafe_session=.x",
    "__proto__=1",
  ),
  fc
    .tuple(
      fc.constantFrom("tabsafe_session", "tabsafe_ops", "other"),
      fc.string({
        unit: fc
          .integer({ min: 0x21, max: 0xff })
          .filter((c) => c !== 0x7f)
          .map((c) => String.fromCharCode(c)),
        maxLength: 60,
      }),
    )
    .map(([name, value]) => `${name}=${value.replace(/;/g, "")}`),
);

export const junkAuthorization: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "",
    "Bearer",
    "Bearer ",
    "bearer x",
    "Basic YTpi",
    "Bearer null",
    "Bearer undefined",
    "Token abc",
  ),
  fc
    .string({
      unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      maxLength: 80,
    })
    .map((s) => `Bearer ${s}`),
);

/** Length as zod 4 measures it: in code points, not UTF-16 units (so an emoji counts once). */
export const codePoints = (s: string) => [...s].length;

/** Strings that fail `ok`: hostile, long, and near misses of the valid ones. */
export function stringsBut(
  ok: (s: string) => boolean,
  nearMisses: string[] = [],
): fc.Arbitrary<string> {
  return fc
    .oneof(
      nastyString,
      fc.string({ maxLength: 80 }),
      hugeString.map((s) => s.slice(0, 3_000)),
      ...(nearMisses.length ? [fc.constantFrom(...nearMisses)] : []),
    )
    .filter((s) => !ok(s));
}
