import { describe, expect, it } from "vitest";
import { dumpKeys, keysWithTtl, testRedis } from "../helpers/redis-scan.ts";
import { useTestStack } from "../helpers/stack.ts";
import { Visitor } from "../helpers/visitor.ts";

// Three items and 2.04 MB per visitor (listings and conversations together): the quota tests
// fill it, and a file of 2 MiB (the upload limit) is larger than it, as with the defaults.
const stack = useTestStack({ env: { LISTING_QUOTA_PER_VISITOR: "3/2040000" } });

type Summary = { id: string; title: string; speakers: string[]; turns: number };
type Answer = { conversation?: Summary; error?: { code: string; message: string } };

/** A multipart body as a browser's FormData sends it (Visitor would label a body JSON). */
async function upload(visitor: Visitor, parts: Record<string, string | File>) {
  const form = new FormData();
  for (const [name, value] of Object.entries(parts)) form.set(name, value);
  const encoded = new Request("http://x/", { method: "POST", body: form });
  const headers = { "content-type": encoded.headers.get("content-type")! };
  const body = await encoded.arrayBuffer();
  const res = await visitor.request("/api/conversations", { method: "POST", headers, body });
  return { res, body: (await res.json()) as Answer };
}

const file = (text: string | Uint8Array, name: string, type = "") =>
  new File([typeof text === "string" ? text : new Uint8Array(text)], name, { type });
const visitor = () => new Visitor(stack.app.url);
const errorOf = async (res: Response) => ((await res.json()) as Answer).error;

/** Every key the app wrote, with its content (TTLs tick, so they are not compared). */
const stored = async () =>
  (await dumpKeys(stack.prefix)).sort((a, b) => a.key.localeCompare(b.key));

const vttSample = [
  "WEBVTT",
  "",
  "00:00:01.000 --> 00:00:03.000",
  "<v Host>Welcome.",
  "",
  "00:00:03.500 --> 00:00:06.000",
  "<v Guest>Thanks.",
  "",
  "00:00:06.000 --> 00:00:08.000",
  "Glad to be here.",
].join("\n");
const srtSample = [
  "1\n00:00:01,000 --> 00:00:02,000\nJO: Ready?",
  "2\n00:00:02,500 --> 00:00:04,000\nSAM: Ready.",
].join("\n\n");
const jsonSample = JSON.stringify({
  messages: [
    { author: "Ines", text: "Shipped?" },
    { author: "Shop", text: "Yes." },
  ],
});

const SAMPLES: Array<[string, string, string, string[], number]> = [
  ["call.txt", "text/plain", "Ana: Hi Bo.\nBo: Hi! Got it?\nAna: Yes, sending.", ["Ana", "Bo"], 3],
  ["notes.md", "text/markdown", "# Standup\n**Kim:** Blocked.\n**Lee:** On it.", ["Kim", "Lee"], 2],
  ["interview.vtt", "text/vtt", vttSample, ["Host", "Guest"], 2],
  ["show.srt", "application/x-subrip", srtSample, ["JO", "SAM"], 2],
  ["chat.json", "application/json", jsonSample, ["Ines", "Shop"], 2],
];

describe("uploading a conversation", () => {
  it.each(SAMPLES)("reads %s (%s): 201, its speakers and turns", async (name, type, ...rest) => {
    const [text, speakers, turns] = rest;
    const { res, body } = await upload(visitor(), { file: file(text, name, type) });
    expect(res.status).toBe(201);
    const id = expect.stringMatching(/^cnv_[0-9a-z]{12}$/);
    expect(body.conversation).toEqual({ id, title: name.replace(/\.\w+$/, ""), speakers, turns });
  });

  it("stores it for 7 days in conversation:{id}, counted in its visitor's quota", async () => {
    const bo = visitor();
    const text = "Ana: Hi Bo.\nBo: Hi!";
    const { body } = await upload(bo, { file: file(text, "hello.txt"), title: "  First call  " });
    const { id, title } = body.conversation!;
    expect(title).toBe("First call");

    const redis = testRedis();
    const flat = (await redis.hgetall(`${stack.prefix}conversation:${id}`)) as unknown as string[];
    const fields = Object.fromEntries(flat.flatMap((v, i) => (i % 2 ? [] : [[v, flat[i + 1]]])));
    const bytes = String(title.length + text.length);
    const speakers = '["Ana","Bo"]';
    expect(fields).toMatchObject({ title, format: "txt", text, speakers, turns: "2", bytes });
    expect(fields.textHash).toMatch(/^[0-9a-f]{16}$/);
    const owner = `${stack.prefix}listings:owner:${fields.owner}`;
    expect(await redis.zrange(owner, 0, -1)).toEqual([`${id} ${bytes}`]);
    const ttls = await keysWithTtl(stack.prefix);
    const isMine = (key: string) => key.endsWith(id) || key === owner || key.includes("address");
    const mine = ttls.filter((k) => isMine(k.key));
    expect(mine).toHaveLength(3);
    for (const k of mine) expect(k.ttl).toBeGreaterThan(6 * 24 * 3600);
  });

  it("serves its summary to its uploader, a 404 to anyone else as for an unknown id", async () => {
    const bo = visitor();
    const { body } = await upload(bo, { file: file("Ana: Hi Bo.\nBo: Hi!", "hello.txt") });
    const { id } = body.conversation!;
    const res = await bo.request(`/api/conversations/${id}`);
    expect(res.status).toBe(200);
    const conversation = { id, title: "hello", speakers: ["Ana", "Bo"], turns: 2 };
    expect(await res.json()).toEqual({ conversation });
    const others = [
      [visitor(), id],
      [bo, "cnv_000000000000"],
      [bo, "not-an-id"],
    ] as const;
    for (const [who, path] of others) {
      const refused = await who.request(`/api/conversations/${path}`);
      expect(refused.status).toBe(404);
      expect((await errorOf(refused))?.code).toBe("not_found:conversation");
    }
  });

  it("takes pasted text as JSON, its format told from the content", async () => {
    const body = { title: "Captions", text: vttSample };
    const named = await visitor().post("/api/conversations", body);
    expect(named.status).toBe(201);
    const { conversation } = (await named.json()) as Answer;
    expect(conversation).toMatchObject({ title: "Captions", speakers: ["Host", "Guest"] });
    const untitled = await visitor().post("/api/conversations", { text: "A: one\nB: two" });
    const pasted = ((await untitled.json()) as Answer).conversation;
    expect(pasted).toMatchObject({ title: "Pasted conversation", turns: 2 });
  });

  it("accepts a file of almost 2 MB", async () => {
    const half = "word ".repeat(200_000);
    const long = file(`A: ${half}\nB: ${half}`, "long.txt");
    const { res, body } = await upload(visitor(), { file: long });
    expect(res.status).toBe(201);
    expect(body.conversation?.turns).toBe(2);
  });
});

describe("a file that cannot be stored", () => {
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49]);
  const latin1 = new Uint8Array([0x41, 0x3a, 0x20, 0xe9, 0x0a]);
  const mb = 1024 * 1024;
  const unnamed = "WEBVTT\n\n00:01.000 --> 00:02.000\nhi";
  const bad = "bad_request:file";
  const large = "payload_too_large:file";
  it.each([
    ["a binary file", file(png, "photo.txt"), 400, bad, /not text/],
    ["Latin-1 bytes", file(latin1, "a.txt"), 400, bad, /not UTF-8/],
    ["an empty file", file("", "empty.txt"), 400, bad, /^The file is empty\.$/],
    ["one speaker only", file("Me: hello\nand more", "solo.txt"), 400, bad, /Only one/],
    ["invalid JSON", file("{ nope", "chat.json"), 400, bad, /^The file is not valid JSON/],
    ["JSON of another shape", file('{"rows":[]}', "data.json"), 400, bad, /not a chat/],
    ["subtitles naming no one", file(unnamed, "x.vtt"), 400, bad, /No cue names/],
    // Within the body's room for the multipart envelope: the file's own size is what is refused.
    ["a file 1 byte over 2 MB", file("x".repeat(2 * mb + 1), "big.txt"), 413, large, /2 MB/],
    // Past it: refused by its Content-Length, before the body is read.
    ["a file of 3 MB", file("x".repeat(3 * mb), "big.txt"), 413, large, /2 MB/],
  ])("%s: a clear JSON error, and nothing written", async (_name, f, status, code, message) => {
    const before = await stored();
    const { res, body } = await upload(visitor(), { file: f });
    expect(res.status).toBe(status);
    expect(body.error?.code).toBe(code);
    expect(body.error?.message).toMatch(message);
    expect(await stored()).toEqual(before);
  });

  it("a form without a file, a bad title or a body of another type: a 400 or a 415", async () => {
    const before = await stored();
    const missing = await upload(visitor(), { title: "no file" });
    expect(missing.res.status).toBe(400);
    const attach = 'Attach the conversation as a file in the form field "file".';
    expect(missing.body.error).toEqual({ code: "bad_request:body", message: attach });
    const titled = { file: file("A: x\nB: y", "t.txt"), title: "T".repeat(121) };
    const long = await upload(visitor(), titled);
    expect(long.res.status).toBe(400);
    expect(long.body.error?.message).toBe("title: title is at most 120 characters");
    const headers = { "content-type": "text/plain" };
    const init = { method: "POST", headers, body: "A: x" };
    const plain = await visitor().request("/api/conversations", init);
    expect(plain.status).toBe(415);
    expect((await errorOf(plain))?.code).toBe("unsupported_media_type:body");
    const badJson = await visitor().post("/api/conversations", { text: 1 });
    expect(badJson.status).toBe(400);
    expect((await errorOf(badJson))?.code).toBe("bad_request:body");
    expect(await stored()).toEqual(before);
  });
});

describe("the quota shared with pasted listings", () => {
  it("counts conversations and listings together: past it, a 429 and nothing written", async () => {
    const ana = visitor();
    const text = "A corner shop with steady foot traffic and a long lease, for sale.";
    const listing = { title: "Corner shop", text };
    expect((await ana.post("/api/listings", listing)).status).toBe(201);
    expect((await ana.post("/api/listings", listing)).status).toBe(201);
    expect((await upload(ana, { file: file("A: x\nB: y", "one.txt") })).res.status).toBe(201);

    const before = await stored();
    const { res, body } = await upload(ana, { file: file("A: x\nB: y", "two.txt") });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(body.error?.code).toBe("rate_limited:conversation");
    const held = "already hold 3 conversation(s) and listing(s)";
    expect(body.error?.message).toContain(`Your conversations and listings ${held}`);
    // …and the other way round: the upload holds a place a listing would need.
    const third = await ana.post("/api/listings", listing);
    expect(third.status).toBe(429);
    expect((await errorOf(third))?.message).toMatch(/^Your pasted listings already hold 3 listing/);
    expect(await stored()).toEqual(before);
  });

  it("refuses a file larger than the whole quota: a 413 saying so, nothing written", async () => {
    const before = await stored();
    const big = file(`A: ${"x".repeat(1024 * 1024)}\nB: ${"y".repeat(1024 * 1024 - 7)}`, "big.txt");
    expect(big.size).toBe(2 * 1024 * 1024);
    const { res, body } = await upload(visitor(), { file: big });
    expect(res.status).toBe(413);
    expect(body.error).toEqual({
      code: "payload_too_large:file",
      message:
        "This conversation (2.1 MB) is larger than the 2.0 MB " +
        "that your conversations and listings may hold together.",
    });
    expect(await stored()).toEqual(before);
  });
});
