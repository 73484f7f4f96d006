import { AppError } from "@/lib/errors";
import { json, route } from "@/lib/http/respond";
import { getListing } from "@/lib/listings/store";

/** GET /api/listings/{id} → { listing } with its full text; 404 when unknown or expired. */
export const GET = route(async (_req: Request, ctx: { params: Promise<{ id: string }> }) => {
  const { id } = await ctx.params;
  const listing = await getListing(id);
  if (!listing)
    throw new AppError(
      "not_found:listing",
      "No listing with that id (pasted listings expire after 7 days).",
    );
  return json({ listing });
});
