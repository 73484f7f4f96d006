import { TurnBuilder, type Draft } from "@/lib/conversations/turns";

/**
 * Chat exports as JSON: an array of messages or `{ messages: [...] }` (Discord and most chat
 * tools), `{ chat_messages: [...] }` (Claude), or ChatGPT's `{ mapping: { id: { message } } }`.
 * Each message names its speaker and its text under one of a few common field names; a time,
 * when there is one, becomes ms since the first timed message.
 */

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);

// Most specific first: `{ role: "user", name: "Alice" }` is Alice.
const SPEAKER_FIELDS = [
  "speaker",
  "author",
  "sender",
  "sender_name",
  "from",
  "name",
  "user",
  "username",
  "role",
];
const SPEAKER_OBJECT_FIELDS = ["name", "display_name", "real_name", "username", "role"];
const TEXT_FIELDS = ["text", "content", "message", "body"];
const TIME_FIELDS = [
  "time",
  "timestamp",
  "timestamp_ms",
  "date",
  "create_time",
  "created_at",
  "ts",
];

const SHAPES = 'an array of messages, { "messages": [...] } or a ChatGPT export ("mapping")';

/** A role is a kind of speaker, not a name: shown capitalized ("user" → "User"). */
const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function speakerOf(message: Json): string | null {
  const named = (value: unknown, field: string) => {
    if (typeof value !== "string" || !value.trim()) return null;
    return field === "role" ? capitalize(value.trim()) : value;
  };
  for (const field of SPEAKER_FIELDS) {
    const value = message[field];
    const name = isObject(value)
      ? SPEAKER_OBJECT_FIELDS.map((inner) => named(value[inner], inner)).find(Boolean)
      : named(value, field);
    if (name) return name;
  }
  return null;
}

/** A string, an array of strings or `{ text }` parts, or `{ parts }` / `{ text }` (ChatGPT). */
function textOf(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(textOf).filter(Boolean).join("\n");
  if (isObject(value)) {
    if (typeof value.text === "string") return value.text;
    if (Array.isArray(value.parts)) return textOf(value.parts);
  }
  return "";
}

function messageText(message: Json): string {
  for (const field of TEXT_FIELDS) {
    const text = textOf(message[field]).trim();
    if (text) return text;
  }
  return "";
}

/** An ISO date, or epoch s or ms (a number or a numeric string) → epoch ms; null if none. */
export function timeOf(message: Json): number | null {
  for (const field of TIME_FIELDS) {
    const value = message[field];
    const numeric = typeof value === "string" && /^\d+(\.\d+)?$/.test(value);
    const n = typeof value === "number" ? value : numeric ? Number(value) : NaN;
    // Below 1e11, a count of seconds (until the year 5138); above, of milliseconds.
    if (Number.isFinite(n)) return n < 1e11 ? n * 1000 : n;
    if (typeof value === "string") {
      const parsed = Date.parse(value);
      if (Number.isFinite(parsed)) return parsed;
    }
  }
  return null;
}

/**
 * ChatGPT's mapping is a tree (an edited question branches it): the thread that ends at
 * `current_node` is what the person saw; without one, every message by create_time.
 */
function chatGptMessages(data: Json): unknown[] {
  const mapping = data.mapping as Record<string, Json>;
  const byId = new Map(Object.entries(mapping).filter(([, node]) => isObject(node)));
  const thread: Json[] = [];
  let id = typeof data.current_node === "string" ? data.current_node : null;
  const seen = new Set<string>();
  while (id && byId.has(id) && !seen.has(id)) {
    seen.add(id);
    const node = byId.get(id)!;
    thread.push(node);
    id = typeof node.parent === "string" ? node.parent : null;
  }
  const nodes = thread.length ? thread.reverse() : [...byId.values()];
  const messages = nodes.map((n) => n.message).filter(isObject);
  if (!thread.length) messages.sort((a, b) => (timeOf(a) ?? 0) - (timeOf(b) ?? 0));
  // Hidden system and tool messages carry no text a person said; they fall out as empty.
  return messages.filter((m) => !(isObject(m.author) && m.author.role === "system"));
}

function messagesOf(data: unknown): unknown[] | string {
  if (Array.isArray(data)) {
    const isExport = (c: unknown) =>
      isObject(c) && (isObject(c.mapping) || Array.isArray(c.chat_messages));
    const exports = data.filter(isExport);
    if (exports.length === 1 && data.length === 1) return messagesOf(exports[0]);
    if (exports.length > 1) {
      return `The file holds ${exports.length} exported conversations; upload them one at a time.`;
    }
    return data;
  }
  if (isObject(data)) {
    if (Array.isArray(data.messages)) return data.messages;
    if (Array.isArray(data.chat_messages)) return data.chat_messages;
    if (isObject(data.mapping)) return chatGptMessages(data);
  }
  return `The JSON is not a chat export tabsafe knows: expected ${SHAPES}.`;
}

export function readChatExport(raw: string): Draft {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch (error) {
    return { ok: false, problem: `The file is not valid JSON: ${(error as Error).message}.` };
  }
  const messages = messagesOf(data);
  if (typeof messages === "string") return { ok: false, problem: messages };
  const turns = new TurnBuilder();
  let firstMs: number | null = null;
  for (const [i, message] of messages.entries()) {
    if (!isObject(message)) {
      return { ok: false, problem: `Message ${i + 1} is not an object; expected ${SHAPES}.` };
    }
    const text = messageText(message);
    // Attachments, reactions and empty system messages say nothing: skipped.
    if (!text) continue;
    const speaker = speakerOf(message);
    if (!speaker) {
      const fields = SPEAKER_FIELDS.join(", ");
      const problem = `Message ${i + 1} names no speaker (expected one of the fields ${fields}).`;
      return { ok: false, problem };
    }
    const at = timeOf(message);
    if (at !== null) firstMs ??= at;
    turns.speak(speaker, at === null || firstMs === null ? null : Math.round(at - firstMs));
    turns.say(text, "\n\n");
  }
  return { ok: true, turns: turns.turns };
}
