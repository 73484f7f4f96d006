import { withSession } from "@/lib/auth";
import { createConversation } from "@/lib/conversations/store";
import { json, route } from "@/lib/http/respond";
import { workCaller } from "@/lib/limits/caller";
import { readUpload } from "./schema";

/**
 * POST /api/conversations, a file (multipart field `file`, optional `title`) or JSON
 * `{ title?, text }` → 201 `{ conversation: { id, title, speakers, turns } }` (`turns`: a
 * count). 400 for a file that cannot be read, 413 over 2 MB, 415 for another body, 429 past the
 * limits and quotas it shares with pasted listings.
 */
export const POST = route(async (req: Request) => {
  const input = await readUpload(req);
  const caller = await workCaller(req);
  const conversation = await createConversation(input, caller);
  return withSession(json({ conversation }, 201), caller.owner);
});
