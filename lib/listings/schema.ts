import { z } from "zod";

/** Limits on a pasted listing, in characters. */
export const LISTING_TITLE_MAX = 120;
export const LISTING_TEXT_MIN = 40;
export const LISTING_TEXT_MAX = 60_000;

/** Control characters other than newline (\n), tab (\t) and carriage return (\r). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these characters are what a listing may not contain
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/;

export const listingIdSchema = z.string().regex(/^lst_[A-Za-z0-9_-]{3,64}$/, "not a listing id");

export const listingSchema = z.object({
  id: listingIdSchema,
  title: z.string(),
  text: z.string(),
  source: z.enum(["catalog", "pasted"]),
});
export type Listing = z.infer<typeof listingSchema>;

/** What a list shows: no full text, so the catalog stays a small payload. */
export type ListingSummary = Pick<Listing, "id" | "title" | "source"> & {
  chars: number;
  excerpt: string;
};

/** Body of POST /api/listings. Text is trimmed; control characters other than newlines and tabs are refused. */
export const newListingSchema = z.strictObject({
  title: z
    .string()
    .trim()
    .min(1, "title is required")
    .max(LISTING_TITLE_MAX, `title is at most ${LISTING_TITLE_MAX} characters`),
  text: z
    .string()
    .trim()
    .min(LISTING_TEXT_MIN, `text needs at least ${LISTING_TEXT_MIN} characters to analyse`)
    .max(LISTING_TEXT_MAX, `text is at most ${LISTING_TEXT_MAX} characters`)
    .refine((t) => !CONTROL_CHARACTERS.test(t), "text contains control characters"),
});
export type NewListing = z.infer<typeof newListingSchema>;
