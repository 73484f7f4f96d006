import fc from "fast-check";
import { MAX_JSON_BYTES } from "@/app/api/conversations/schema";
import { decodeText, detectFormat, parseConversation } from "@/lib/conversations/parse";
import { CONVERSATION_MAX_BYTES } from "@/lib/conversations/schema";
import {
  codePoints,
  hugeString,
  junkJson,
  nastyString,
  rawQueryPart,
  toQuery,
} from "../arbitraries.ts";
import type { FuzzRequest, FuzzTarget } from "../harness.ts";
import {
  badPathParam,
  jsonBodyRequests,
  noiseHeaders,
  wrongMethods,
  type Fields,
} from "../requests.ts";

/**
 * Conversation uploads: a file (multipart) or pasted text (JSON) that breaks a rule is refused
 * and writes nothing. What counts as unreadable is the app's own reader, so the generators keep
 * to input it refuses: a file it could read would be stored, which is not this property.
 */

const PATH = "/api/conversations";

/** The route's own verdict on a file: true when it cannot be read into a conversation. */
function unreadable(bytes: Uint8Array, fileName: string | null, type: string): boolean {
  const decoded = decodeText(bytes);
  if (!decoded.ok) return true;
  return !parseConversation(decoded.text, detectFormat(fileName, type, decoded.text)).ok;
}

const READABLE = "Ana: Is the order shipped?\nBo: Yes, this morning.";
const nearMisses = [
  "",
  " \n ",
  "Solo: only one speaker\nand more of it",
  '{"rows":[]}',
  "[]",
  "{ nope",
  "WEBVTT\n\n00:01.000 --> 00:02.000\nno names",
  "1\n00:00:01,000 --> 00:00:02,000\nhi",
  '[{"text":"no speaker"},{"name":"B","text":"b"}]',
  `[{"name":"${"N".repeat(81)}","text":"a"}]`,
];
const anyText = fc.oneof(nastyString, hugeString, fc.constantFrom(...nearMisses));

// The rules of newConversationBodySchema (lib/conversations/schema.ts), restated.
const isTitle = (v: unknown) =>
  typeof v === "string" && v.trim() !== "" && codePoints(v.trim()) <= 120;
const badTitles = fc.constantFrom("", " ", "\t\n", "x".repeat(121), "😀".repeat(121));
const pastedFields: Fields = {
  text: {
    valid: fc.constant(READABLE),
    invalid: fc
      .oneof(junkJson, anyText)
      .filter((v) => typeof v !== "string" || unreadable(Buffer.from(v), null, "")),
  },
  title: {
    optional: true,
    valid: fc.constantFrom("Fuzzed call", "😀 Café ünïcödé", "a"),
    invalid: fc.oneof(junkJson, nastyString, badTitles).filter((v) => !isTitle(v)),
  },
};

type Part = { name: string; filename?: string; type?: string; data: Uint8Array };
const BOUNDARY = "----tabsafeFuzzBoundary7MA4YWxk";
const FORM_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

/** A multipart/form-data body as browsers send it. */
function multipart(parts: Part[]): Buffer {
  const chunks = parts.flatMap((p) => {
    const file = p.filename === undefined ? "" : `; filename="${p.filename}"`;
    const type = p.type ? `Content-Type: ${p.type}\r\n` : "";
    const disposition = `Content-Disposition: form-data; name="${p.name}"${file}`;
    const head = Buffer.from(`--${BOUNDARY}\r\n${disposition}\r\n${type}\r\n`);
    return [head, p.data, Buffer.from("\r\n")];
  });
  return Buffer.concat([...chunks, Buffer.from(`--${BOUNDARY}--\r\n`)]);
}

const names = ["a.txt", "b.vtt", "c.srt", "d.json", "e.md", "noext", "", "😀.txt", "..\\x.txt"];
const types = ["", "text/plain", "text/vtt", "application/x-subrip", "application/json"];
const binary = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0]), new Uint8Array([0x41, 0x3a, 0xe9])];
const fileBytes = fc.oneof(
  anyText.map((s) => new Uint8Array(Buffer.from(s))),
  fc.uint8Array({ maxLength: 2_000 }),
  fc.constantFrom(...binary),
);
const badFile = fc
  .record({ name: fc.constantFrom(...names), type: fc.constantFrom(...types), data: fileBytes })
  .filter((f) => unreadable(f.data, f.name || null, f.type));
const goodFile = (data: Uint8Array = Buffer.from(READABLE)): Part => {
  return { name: "file", filename: "call.txt", type: "text/plain", data };
};
const field = (name: string, value: string): Part => ({ name, data: Buffer.from(value) });

function post(body: string | Buffer, type: string | undefined, expect: number[], note: string) {
  const headers: Record<string, string> = type === undefined ? {} : { "content-type": type };
  return { method: "POST", path: PATH, headers, body, expect, note } satisfies FuzzRequest;
}

/** A well-formed multipart request of `parts`, with noise around it, chunked or not. */
function form(parts: fc.Arbitrary<Part[]>, expect: number[], note: string) {
  const query = fc.array(fc.tuple(rawQueryPart, rawQueryPart), { maxLength: 2 });
  return fc.record({ parts, chunked: fc.boolean(), noise: noiseHeaders, query }).map(
    (r): FuzzRequest => ({
      ...post(multipart(r.parts), FORM_TYPE, expect, note),
      path: `${PATH}${toQuery(r.query)}`,
      headers: { ...r.noise, "content-type": FORM_TYPE },
      chunked: r.chunked,
    }),
  );
}

const refusedFile = fc
  .tuple(badFile, fc.option(fc.constantFrom("My call", "😀"), { nil: undefined }))
  .map(([f, title]): Part[] => [
    { name: "file", filename: f.name, type: f.type, data: f.data },
    ...(title ? [field("title", title)] : []),
  ]);
const longTitle = fc
  .constantFrom("x".repeat(121), "😀".repeat(121), ` ${"y".repeat(130)} `)
  .map((title) => [goodFile(), field("title", title)]);
const noFile = fc.constantFrom<Part[]>(
  [field("title", "no file")],
  [field("file", READABLE)],
  [{ ...goodFile(), name: "upload" }],
  [],
);
const largeFile = fc
  .integer({ min: 1, max: 200_000 })
  .map((extra) => [goodFile(Buffer.alloc(CONVERSATION_MAX_BYTES + extra, 0x61))]);
const malformed = fc
  .record({
    body: fc.oneof(anyText, fc.constant("--x\r\nno headers\r\n")),
    type: fc.constantFrom("multipart/form-data", FORM_TYPE, "multipart/form-data; boundary="),
  })
  .map(({ body, type }) => post(body, type, [400], "a malformed multipart body"));
const otherTypes = [
  "",
  "text/plain",
  "application/x-www-form-urlencoded",
  "application/octet-stream",
  "text/vtt",
  "multipart/mixed",
];
const mislabelled = fc
  .constantFrom(undefined, ...otherTypes)
  .map((type) => post(multipart([goodFile()]), type, [415], "a valid form, a wrong content type"));

const uploads: fc.Arbitrary<FuzzRequest> = fc.oneof(
  { weight: 6, arbitrary: form(refusedFile, [400], "a file the reader refuses") },
  { weight: 1, arbitrary: form(longTitle, [400], "a title over 120 characters") },
  { weight: 1, arbitrary: form(noFile, [400], "no file in the field `file`") },
  { weight: 1, arbitrary: form(largeFile, [413], "a file over 2 MB") },
  { weight: 1, arbitrary: malformed },
  { weight: 1, arbitrary: mislabelled },
  { weight: 1, arbitrary: wrongMethods(PATH, ["POST"]) },
);

// A JSON body labelled multipart is a malformed form: a 400, not the 415 jsonBodyRequests expects.
const isForm = (r: FuzzRequest) => String(r.headers?.["content-type"]).startsWith("multipart/");
const pasted = jsonBodyRequests({
  path: PATH,
  implemented: ["POST"],
  fields: pastedFields,
  maxBytes: MAX_JSON_BYTES,
}).map((r): FuzzRequest => (isForm(r) ? { ...r, expect: [400] } : r));

const unknownId = fc.stringMatching(/^[0-9a-z]{12}$/).map((s) => `cnv_${s}`);
const byId = fc.oneof(badPathParam, unknownId).map((id): FuzzRequest => {
  return { method: "GET", path: `${PATH}/${id}`, expect: [404], note: "no such id" };
});

export const conversationTargets: FuzzTarget[] = [
  {
    route: "conversations",
    title: "refuses pasted text that breaks a rule, is unreadable, oversize or not JSON",
    inputs: pasted,
  },
  {
    route: "conversations",
    title: "refuses a file that is unreadable, missing, over 2 MB or mislabelled",
    inputs: uploads,
  },
  {
    route: "conversations/[id]",
    title: "answers 404 for an id not the visitor's, 405 to other methods",
    inputs: fc.oneof(
      { weight: 5, arbitrary: byId },
      { weight: 1, arbitrary: wrongMethods(`${PATH}/cnv_000000000000`, ["GET"]) },
    ),
  },
];
