import { z } from "zod";

/**
 * What a conversation analysis ends with. Shared by the kind and the report on the page (no
 * server-only imports). Talk shares, turn and word counts and the parts' turn ranges are
 * counted in code from the parsed conversation; the model gives the words: the summary, each
 * speaker's style, the tone of each part, the key moments and the topics.
 */
export const conversationResultSchema = z.object({
  summary: z.string(),
  /** In order of first appearance. */
  speakers: z.array(
    z.object({
      name: z.string(),
      /** Their words as a share of all words spoken, 0–1. */
      talkShare: z.number().min(0).max(1),
      turns: z.number().int().min(0),
      words: z.number().int().min(0),
      style: z.string(),
    }),
  ),
  /** One point per part the conversation was read in, in order; turns are numbered from 1. */
  sentimentOverTime: z.array(
    z.object({
      segment: z.number().int().min(1),
      fromTurn: z.number().int().min(1),
      toTurn: z.number().int().min(1),
      /** -1 (hostile, upset) to 1 (warm, positive). */
      sentiment: z.number().min(-1).max(1),
      label: z.string(),
    }),
  ),
  keyMoments: z
    .array(
      z.object({ turn: z.number().int().min(1), speaker: z.string(), description: z.string() }),
    )
    .max(8),
  topics: z.array(z.string()).max(10),
});
export type ConversationResult = z.infer<typeof conversationResultSchema>;
