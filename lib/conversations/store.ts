import "server-only";
import { customAlphabet } from "nanoid";
import { z } from "zod";
import { conversationHash } from "@/lib/conversations/hash";
import { detectFormat, parseConversation } from "@/lib/conversations/parse";
import {
  CONVERSATION_MAX_BYTES,
  conversationFormatSchema,
  conversationIdSchema,
  type Conversation,
  type ConversationSummary,
  type NewConversation,
} from "@/lib/conversations/schema";
import { AppError } from "@/lib/errors";
import type { Caller } from "@/lib/limits/caller";
import { storeWithinQuota } from "@/lib/listings/quota";
import { hgetallRecord } from "@/lib/redis/client";
import { keys } from "@/lib/redis/keys";

// The alphabet and length of pasted listings' ids: key-safe, and legible in the data browser.
const newId = customAlphabet("0123456789abcdefghijklmnopqrstuvwxyz", 12);

/**
 * `conversation:{id}` as stored: the text as uploaded (parsed again when read, which is cheap
 * and keeps one source of truth), with what the upload's answer and ops need without parsing.
 */
const storedSchema = z.object({
  title: z.string(),
  format: conversationFormatSchema,
  text: z.string(),
  speakers: z.string().transform((s) => z.array(z.string()).parse(JSON.parse(s))),
  turns: z.coerce.number().int(),
  textHash: z.string(),
  owner: z.string(),
  createdAt: z.string(),
});
export type StoredConversation = z.infer<typeof storedSchema> & { id: string };

export function summarize(c: StoredConversation): ConversationSummary {
  return { id: c.id, title: c.title, speakers: c.speakers, turns: c.turns };
}

/**
 * Reads, checks and stores an uploaded or pasted conversation for 7 days, within the limits and
 * quotas it shares with pasted listings (429 past them). A file that cannot be read is a 400
 * with the reader's sentence, and nothing is written: it is parsed before any limit is taken.
 */
export async function createConversation(
  input: NewConversation,
  caller: Caller,
): Promise<ConversationSummary> {
  const bytes = Buffer.byteLength(input.title) + Buffer.byteLength(input.text);
  if (Buffer.byteLength(input.text) > CONVERSATION_MAX_BYTES) throw tooLarge();
  const format = detectFormat(input.fileName, input.contentType, input.text);
  const parsed = parseConversation(input.text, format);
  if (!parsed.ok) throw new AppError("bad_request:file", parsed.problem);
  const id = `cnv_${newId()}`;
  const { title, text } = input;
  const fields = {
    title,
    format,
    text,
    speakers: JSON.stringify(parsed.speakers),
    turns: parsed.turns.length,
    textHash: conversationHash({ format, title, text }),
    owner: caller.owner.id,
    createdAt: new Date().toISOString(),
    bytes,
  };
  const key = keys.conversation(id);
  await storeWithinQuota({ what: "conversation", key, id, bytes, fields }, caller);
  return { id, title, speakers: parsed.speakers, turns: parsed.turns.length };
}

export function tooLarge(): AppError {
  const mb = CONVERSATION_MAX_BYTES / 1024 / 1024;
  const message = `The conversation is larger than ${mb} MB, the most one upload may hold.`;
  return new AppError("payload_too_large:file", message);
}

/** The stored conversation, unparsed (one HGETALL); null when unknown or expired. */
export async function loadConversation(id: string): Promise<StoredConversation | null> {
  if (!conversationIdSchema.safeParse(id).success) return null;
  const hash = await hgetallRecord(keys.conversation(id));
  if (!hash?.text) return null;
  return { id, ...storedSchema.parse(hash) };
}

/** A conversation with its turns; null when unknown, expired or (it never should be) unreadable. */
export async function getConversation(id: string): Promise<Conversation | null> {
  const stored = await loadConversation(id);
  if (!stored) return null;
  const parsed = parseConversation(stored.text, stored.format);
  if (!parsed.ok) return null;
  const { title, format } = stored;
  return { id, title, format, speakers: parsed.speakers, turns: parsed.turns };
}

/** The summary of a conversation `owner` uploaded; null when it is someone else's, or gone. */
export async function getOwnedConversation(
  id: string,
  owner: string,
): Promise<ConversationSummary | null> {
  const stored = await loadConversation(id);
  return stored && stored.owner === owner ? summarize(stored) : null;
}
