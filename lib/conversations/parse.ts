import { readCues } from "@/lib/conversations/parse-cues";
import { readChatExport } from "@/lib/conversations/parse-json";
import { readTranscript } from "@/lib/conversations/parse-text";
import type { ConversationFormat, Turn } from "@/lib/conversations/schema";
import { finish, type Parsed } from "@/lib/conversations/turns";

/**
 * Reads an uploaded or pasted conversation into turns (pure: the server, the job and tests share
 * it). What cannot be read is a `problem`, a sentence the person can act on; it never throws.
 */
export type { Parsed };
export type ParsedTurns = { speakers: string[]; turns: Turn[] };

const BY_EXTENSION: Record<string, ConversationFormat> = {
  txt: "txt",
  text: "txt",
  md: "md",
  markdown: "md",
  vtt: "vtt",
  srt: "srt",
  json: "json",
};
const BY_TYPE: Record<string, ConversationFormat> = {
  "text/vtt": "vtt",
  "application/x-subrip": "srt",
  "text/srt": "srt",
  "application/json": "json",
  "text/markdown": "md",
};
const SRT_START = /^\d+[ \t]*\r?\n[ \t]*\d{1,2}:\d{2}:\d{2},\d{1,3}[ \t]+-->/;

/**
 * The format of a file: its extension when it names one, else its declared type, else what its
 * content starts with (pasted text has neither a name nor a type). Plain text by default.
 */
export function detectFormat(
  fileName: string | null,
  contentType: string,
  raw: string,
): ConversationFormat {
  const extension = /\.([a-z0-9]+)$/i.exec(fileName ?? "")?.[1].toLowerCase();
  const named = extension ? BY_EXTENSION[extension] : undefined;
  // A .txt that is really a subtitle file or an export is read as what it is.
  if (named && named !== "txt") return named;
  const typed = BY_TYPE[contentType.split(";")[0].trim().toLowerCase()];
  if (typed) return typed;
  const start = raw.replace(/^\uFEFF/, "").trimStart();
  if (/^WEBVTT\b/.test(start)) return "vtt";
  if (SRT_START.test(start)) return "srt";
  if (/^[{[]/.test(start) && isJson(start)) return "json";
  return named ?? "txt";
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

const NOT_TEXT =
  "is not text (is it a document, a recording or an archive?). " +
  "Export the transcript as .txt, .md, .vtt, .srt or .json.";

/** The bytes of an uploaded file as text: UTF-8 (a BOM is dropped), else a problem. */
export function decodeText(
  bytes: Uint8Array,
): { ok: true; text: string } | { ok: false; problem: string } {
  try {
    return { ok: true, text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    return { ok: false, problem: `The file is not UTF-8 text: it ${NOT_TEXT}` };
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this looks for
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;

/** NUL, or more than 1 in 100 characters that no text file has: the bytes of something else. */
function looksBinary(text: string): boolean {
  if (text.includes("\u0000")) return true;
  return (text.match(CONTROL)?.length ?? 0) > text.length / 100;
}

export function parseConversation(raw: string, format: ConversationFormat): Parsed {
  const text = raw.replace(/^\uFEFF/, "");
  if (text.trim() === "") return { ok: false, problem: "The file is empty." };
  if (looksBinary(text)) return { ok: false, problem: `The file ${NOT_TEXT}` };
  const clean = text.replace(CONTROL, "");
  if (format === "json") return finish(readChatExport(clean));
  if (format === "vtt" || format === "srt") return finish(readCues(clean, format));
  return finish(readTranscript(clean));
}
