import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError } from "@/lib/errors";
import { readForm, readJson } from "@/lib/http/parse";

const schema = z.strictObject({ name: z.string().min(1) });
const req = (body: string, type = "application/json") =>
  new Request("http://x/", { method: "POST", headers: { "content-type": type }, body });

describe("readJson", () => {
  it("returns the validated body", async () => {
    await expect(readJson(req('{"name":"a"}'), schema)).resolves.toEqual({ name: "a" });
  });

  it.each([
    ["wrong content type", req('{"name":"a"}', "text/plain"), 415, "unsupported_media_type:body"],
    ["invalid JSON", req("{"), 400, "bad_request:json"],
    ["a schema mismatch, naming the field", req('{"name":""}'), 400, "bad_request:body"],
    [
      "a body over the limit",
      req(JSON.stringify({ name: "x".repeat(100) })),
      413,
      "payload_too_large:body",
    ],
  ])("refuses %s with an AppError", async (_n, request, status, code) => {
    const error = await readJson(request, schema, 64).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ status, code });
  });

  it("counts bytes, not characters, against the limit", async () => {
    const emoji = JSON.stringify({ name: "😀".repeat(20) }); // 30 chars of JSON around 80 bytes of emoji
    await expect(readJson(req(emoji), schema, 64)).rejects.toMatchObject({ status: 413 });
  });
});

describe("readForm", () => {
  const form = () => {
    const data = new FormData();
    data.set("file", new File(["A: hi\nB: yo"], "chat.txt", { type: "text/plain" }));
    return new Request("http://x/", { method: "POST", body: data });
  };
  /** A body of `size` bytes streamed without a Content-Length, and how much of it was pulled. */
  const streamed = (size: number) => {
    const pulled = { bytes: 0 };
    const chunk = new Uint8Array(1024);
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled.bytes >= size) return controller.close();
        pulled.bytes += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const headers = { "content-type": "multipart/form-data; boundary=x" };
    const init = { method: "POST", body, headers, duplex: "half" } as RequestInit;
    const request = new Request("http://x/", init);
    return { request, pulled };
  };

  it("returns the parts of a multipart body", async () => {
    const file = (await readForm(form(), 4096)).get("file") as File;
    const read = [file.name, file.type, await file.text()];
    expect(read).toEqual(["chat.txt", "text/plain", "A: hi\nB: yo"]);
  });

  it("stops reading a streamed body as soon as it passes the limit, with the route's 413", async () => {
    const { request, pulled } = streamed(10 * 1024 * 1024);
    const tooBig = () => new AppError("payload_too_large:file", "too big");
    const refused = { status: 413, code: "payload_too_large:file" };
    await expect(readForm(request, 8 * 1024, tooBig)).rejects.toMatchObject(refused);
    expect(pulled.bytes).toBeLessThanOrEqual(16 * 1024);
  });

  it("refuses another content type (415) and a malformed body (400)", async () => {
    await expect(readForm(req("{}"), 4096)).rejects.toMatchObject({ status: 415 });
    const malformed = { status: 400, code: "bad_request:body" };
    await expect(readForm(streamed(2048).request, 4096)).rejects.toMatchObject(malformed);
  });
});
