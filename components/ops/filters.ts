/**
 * The filter values the /ops pages accept, shared by the server pages (which read them from the
 * address) and the client components (which offer them). Kept out of the "use client" modules:
 * a server component importing a value from one gets a client reference, not the value.
 */

/** The overview's windows, in minutes (what `?window=` takes). */
export const WINDOWS = [
  { minutes: 15, label: "15 min" },
  { minutes: 60, label: "1 h" },
  { minutes: 360, label: "6 h" },
  { minutes: 1440, label: "24 h" },
] as const;
export const DEFAULT_WINDOW = 60;

export const errorStatuses = ["open", "resolved", "all"] as const;
export type ErrorFilters = {
  category: string;
  severity: string;
  status: (typeof errorStatuses)[number];
};

export type JobFilters = { q: string; status: string; listing: string };
