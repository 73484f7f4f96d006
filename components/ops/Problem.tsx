"use client";

import { usePathname } from "next/navigation";
import type { ApiError } from "@/lib/http/fetcher";

type Props = { error: ApiError | undefined | null; what?: string };

/**
 * What a failed ops request looks like on the page. A 401 means the ops cookie expired or
 * OPS_TOKEN changed: reloading shows the sign-in form (the layout checks the cookie per request).
 */
export function Problem({ error, what = "this data" }: Props) {
  const pathname = usePathname();
  if (!error) return null;
  if (error.status === 401) {
    return (
      <p className="banner" role="alert" data-testid="signed-out">
        Signed out — sign in again. <a href={pathname}>Reload</a>
      </p>
    );
  }
  return (
    <p className="ops-problem" role="alert">
      Could not load {what}: {error.message}
      {error.status ? <span className="hint"> ({error.status})</span> : null}
    </p>
  );
}

/** A placeholder while the first answer is on its way (later refreshes keep the old data shown). */
export function Loading({ what }: { what: string }) {
  return (
    <p className="hint" aria-busy="true">
      Loading {what}…
    </p>
  );
}
