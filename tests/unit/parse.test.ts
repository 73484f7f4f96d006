import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError } from "@/lib/errors";
import { readJson } from "@/lib/http/parse";

const schema = z.strictObject({ name: z.string().min(1) });
const req = (body: string, type = "application/json") => new Request("http://x/", { method: "POST", headers: { "content-type": type }, body });

describe("readJson", () => {
  it("returns the validated body", async () => {
    await expect(readJson(req('{"name":"a"}'), schema)).resolves.toEqual({ name: "a" });
  });

  it.each([
    ["wrong content type", req('{"name":"a"}', "text/plain"), 415, "unsupported_media_type:body"],
    ["invalid JSON", req("{"), 400, "bad_request:json"],
    ["a schema mismatch, naming the field", req('{"name":""}'), 400, "bad_request:body"],
    ["a body over the limit", req(JSON.stringify({ name: "x".repeat(100) })), 413, "payload_too_large:body"],
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
