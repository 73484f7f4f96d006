import { createHash } from "node:crypto";
import type { ConversationFormat } from "@/lib/conversations/schema";

/**
 * What a conversation's analysis depends on, as one short hash: its format, title and text. A
 * job checkpoints it and fails when the stored conversation no longer has it; a start uses it
 * as the result cache's identity. 64 bits: a change detector, not a security boundary.
 */
export function conversationHash(c: { format: ConversationFormat; title: string; text: string }) {
  const hash = createHash("sha256").update(`${c.format}\n${c.title}\n${c.text}`);
  return hash.digest("hex").slice(0, 16);
}
