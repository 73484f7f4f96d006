"use client";

import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useState } from "react";
import { opsFetch } from "./useOps";

const LINKS = [
  { href: "/ops", label: "Overview" },
  { href: "/ops/errors", label: "Errors" },
  { href: "/ops/jobs", label: "Jobs" },
  { href: "/ops/dlq", label: "DLQ" },
] as const;

/** The section of the current page: /ops/jobs/abc belongs to Jobs, /ops only to Overview. */
const isCurrent = (pathname: string, href: string) =>
  href === "/ops" ? pathname === "/ops" : pathname.startsWith(href);

/** The ops header's navigation and Sign out (which clears the cookie, then re-renders the layout). */
export function OpsNav() {
  const pathname = usePathname();
  const router = useRouter();
  const [busy, setBusy] = useState(false);

  async function signOut() {
    setBusy(true);
    try {
      await opsFetch("/api/ops/session", { method: "DELETE" });
    } catch {
      // Nothing to tell: the refresh below shows whether the cookie is gone.
    } finally {
      setBusy(false);
      router.refresh();
    }
  }

  return (
    <nav className="ops-nav" aria-label="Ops sections">
      <ul>
        {LINKS.map((l) => (
          <li key={l.href}>
            <Link href={l.href} aria-current={isCurrent(pathname, l.href) ? "page" : undefined}>
              {l.label}
            </Link>
          </li>
        ))}
      </ul>
      <button type="button" onClick={signOut} disabled={busy} data-testid="ops-signout">
        Sign out
      </button>
    </nav>
  );
}
