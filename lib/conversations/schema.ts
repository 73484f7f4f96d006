import { z } from "zod";

/**
 * Uploaded conversations: what is stored, what the upload answers, and the limits. Shared by the
 * server and the upload form (no server-only imports).
 */

/** An upload's size limit, in bytes of the file (or of the pasted text, UTF-8). */
export const CONVERSATION_MAX_BYTES = 2 * 1024 * 1024;
export const CONVERSATION_TITLE_MAX = 120;
/** More turns than this is not one conversation to read at once: the person splits it. */
export const CONVERSATION_MAX_TURNS = 5_000;
export const SPEAKER_NAME_MAX = 80;
/** What the file input offers; other names are still read by their content. */
export const CONVERSATION_EXTENSIONS = [".txt", ".md", ".vtt", ".srt", ".json"] as const;

// The same alphabet and length as pasted listings' ids (lib/listings/store.ts).
export const conversationIdSchema = z.string().regex(/^cnv_[0-9a-z]{12}$/, "not a conversation id");

export const conversationFormats = ["txt", "md", "vtt", "srt", "json"] as const;
export const conversationFormatSchema = z.enum(conversationFormats);
export type ConversationFormat = z.infer<typeof conversationFormatSchema>;

/**
 * One turn: what one speaker said before another spoke (consecutive lines, cues or messages of
 * one speaker are one turn). `atMs`: when it began, ms from the start, when the file says.
 */
export const turnSchema = z.object({
  speaker: z.string(),
  text: z.string(),
  atMs: z.number().nullable(),
});
export type Turn = z.infer<typeof turnSchema>;

export const conversationSchema = z.object({
  id: conversationIdSchema,
  title: z.string(),
  format: conversationFormatSchema,
  /** In order of first appearance. */
  speakers: z.array(z.string()),
  turns: z.array(turnSchema),
});
export type Conversation = z.infer<typeof conversationSchema>;

/** What the upload answers and GET /api/conversations/{id} serves: no text. `turns` is a count. */
export type ConversationSummary = Pick<Conversation, "id" | "title" | "speakers"> & {
  turns: number;
};

const title = z
  .string()
  .trim()
  .min(1, "title is required")
  .max(CONVERSATION_TITLE_MAX, `title is at most ${CONVERSATION_TITLE_MAX} characters`);

/** The title field of an upload (JSON or multipart); empty means "name it after the file". */
export const conversationTitleSchema = title;

/**
 * Body of POST /api/conversations as JSON: pasted text, its format told from the content. Its
 * size in bytes is checked by the route (a limit in characters would let multi-byte text past).
 */
export const newConversationBodySchema = z.strictObject({
  title: title.optional(),
  text: z.string().min(1, "text is required"),
});

/** What createConversation stores: the text and what names it (format detection reads both). */
export type NewConversation = {
  title: string;
  text: string;
  /** The uploaded file's name, null for pasted text. */
  fileName: string | null;
  /** The file part's declared type ("" when none). */
  contentType: string;
};

/** A pasted conversation without a title. */
export const DEFAULT_CONVERSATION_TITLE = "Pasted conversation";
