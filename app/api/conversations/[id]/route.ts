import { resolveOwner } from "@/lib/auth";
import { getOwnedConversation } from "@/lib/conversations/store";
import { AppError } from "@/lib/errors";
import { json, route } from "@/lib/http/respond";

type Ctx = { params: Promise<{ id: string }> };

/**
 * GET /api/conversations/{id} → `{ conversation }` (its summary, no text) for the visitor who
 * uploaded it; 404 for anyone else, as for an id that names nothing (it tells no one it exists).
 */
export const GET = route(async (req: Request, ctx: Ctx) => {
  const { id } = await ctx.params;
  const owner = resolveOwner(req);
  const conversation = await getOwnedConversation(id, owner.id);
  if (!conversation) {
    const message = "No conversation with that id (uploads expire after 7 days).";
    throw new AppError("not_found:conversation", message);
  }
  return json({ conversation });
});
