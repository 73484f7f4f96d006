import { resolveOwner, withSession } from "@/lib/auth";
import { readJson } from "@/lib/http/parse";
import { json, route } from "@/lib/http/respond";
import { workCaller } from "@/lib/limits/caller";
import { newListingSchema } from "@/lib/listings/schema";
import { createListing, listCatalog, summarize } from "@/lib/listings/store";

/** Room for LISTING_TEXT_MAX characters of multi-byte text plus the JSON around it. */
const MAX_BODY_BYTES = 256 * 1024;

/** GET /api/listings → { listings }: the sample catalog, without full texts. Starts a session if there is none. */
export const GET = route(async (req: Request) => {
  const owner = resolveOwner(req);
  return withSession(json({ listings: listCatalog() }), owner);
});

/** POST /api/listings { title, text } → 201 { listing }: stores a pasted listing (429 past the caller's limits or quotas). */
export const POST = route(async (req: Request) => {
  const input = await readJson(req, newListingSchema, MAX_BODY_BYTES);
  const caller = await workCaller(req);
  const listing = await createListing(input, caller);
  return withSession(
    json({ listing: { ...summarize(listing), text: listing.text } }, 201),
    caller.owner,
  );
});
