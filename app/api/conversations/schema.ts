import "server-only";
import { decodeText } from "@/lib/conversations/parse";
import {
  CONVERSATION_MAX_BYTES,
  CONVERSATION_TITLE_MAX,
  conversationTitleSchema,
  DEFAULT_CONVERSATION_TITLE,
  newConversationBodySchema,
  type NewConversation,
} from "@/lib/conversations/schema";
import { tooLarge } from "@/lib/conversations/store";
import { AppError } from "@/lib/errors";
import { readForm, readJson } from "@/lib/http/parse";

/** Room for the largest file plus the multipart envelope and a title around it, bytes. */
export const MAX_FORM_BYTES = CONVERSATION_MAX_BYTES + 64 * 1024;
/**
 * Room for pasted text of the largest size as JSON, bytes: escapes (`\n`, `\"`) lengthen a
 * transcript by a few percent, a quarter is ample. The text's own bytes are checked after.
 */
export const MAX_JSON_BYTES = Math.ceil(CONVERSATION_MAX_BYTES * 1.25) + 4 * 1024;

const isJson = (type: string) => /^application\/json\b/i.test(type);
const isForm = (type: string) => /^multipart\/form-data\b/i.test(type);

/**
 * The body of POST /api/conversations: a file in the multipart field `file` (and an optional
 * `title`, else the file's name), or JSON `{ title?, text }` of pasted text. Wrong content type
 * → 415; over 2 MB → 413; a missing file, a bad title or bytes that are not UTF-8 → 400.
 */
export async function readUpload(req: Request): Promise<NewConversation> {
  const type = req.headers.get("content-type") ?? "";
  if (isJson(type)) return readPasted(req);
  if (isForm(type)) return readFile(req);
  const message =
    'Send the conversation as a file (multipart/form-data, field "file") ' +
    "or as JSON { title, text } (Content-Type: application/json).";
  throw new AppError("unsupported_media_type:body", message);
}

async function readPasted(req: Request): Promise<NewConversation> {
  const body = await readJson(req, newConversationBodySchema, MAX_JSON_BYTES);
  if (Buffer.byteLength(body.text) > CONVERSATION_MAX_BYTES) throw tooLarge();
  const title = body.title ?? DEFAULT_CONVERSATION_TITLE;
  return { title, text: body.text, fileName: null, contentType: "" };
}

async function readFile(req: Request): Promise<NewConversation> {
  const form = await readForm(req, MAX_FORM_BYTES, tooLarge);
  const file = form.get("file");
  if (!(file instanceof File)) {
    const message = 'Attach the conversation as a file in the form field "file".';
    throw new AppError("bad_request:body", message);
  }
  if (file.size > CONVERSATION_MAX_BYTES) throw tooLarge();
  const decoded = decodeText(new Uint8Array(await file.arrayBuffer()));
  if (!decoded.ok) throw new AppError("bad_request:file", decoded.problem);
  const given = form.get("title");
  const title = conversationTitleSchema.safeParse(
    typeof given === "string" && given.trim() ? given : titleFrom(file.name),
  );
  if (!title.success) {
    throw new AppError("bad_request:body", `title: ${title.error.issues[0].message}`);
  }
  return {
    title: title.data,
    text: decoded.text,
    fileName: file.name || null,
    contentType: file.type,
  };
}

/** "Call with ACME (final).vtt" → "Call with ACME (final)"; a nameless file gets a default. */
function titleFrom(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? "";
  const name = base
    .replace(/\.[^.]*$/, "")
    .replace(/\s+/g, " ")
    .trim();
  return name.slice(0, CONVERSATION_TITLE_MAX).trim() || "Uploaded conversation";
}
