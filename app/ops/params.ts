/**
 * Reads the /ops pages' query strings. A page's filters live in its address so a reload or a
 * shared link shows the same view; anything unknown falls back to the default rather than
 * reaching the API as a bad filter.
 */
export type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** The first value of a query parameter, or "". */
export function one(params: Record<string, string | string[] | undefined>, key: string): string {
  const v = params[key];
  return (Array.isArray(v) ? v[0] : v) ?? "";
}

/** `value` if it is one of `allowed`, else `fallback`. */
export function oneOf<T extends string | number>(value: T, allowed: readonly T[], fallback: T): T {
  return allowed.includes(value) ? value : fallback;
}

/** A dynamic route segment as the API wants it: decoded once, left as is if it is not encoded. */
export function segment(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
