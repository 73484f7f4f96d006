import type { Metadata } from "next";
import { cookies } from "next/headers";
import { connection } from "next/server";
import type { ReactNode } from "react";
import { OpsNav } from "@/components/ops/OpsNav";
import { SignInForm } from "@/components/ops/SignInForm";
import { OPS_COOKIE, isOpsSession } from "@/lib/ops/auth";
import "./ops.css";

export const metadata: Metadata = {
  title: "tabsafe ops",
  // Operator pages: nothing here belongs in a search index.
  robots: { index: false, follow: false },
};

/**
 * The /ops shell. Whether the operator is signed in is decided here, on the server, per request
 * (the session in the cookie must still exist in Redis); the pages below are only rendered then. The API routes check the cookie (or
 * a bearer token) themselves, so this is the pages' gate, not the data's.
 */
export default async function OpsLayout({ children }: { children: ReactNode }) {
  await connection();
  const signedIn = await isOpsSession((await cookies()).get(OPS_COOKIE)?.value);
  return (
    <main className="page ops">
      <header className="ops-header">
        <div>
          <h1>
            tabsafe <span className="ops-mark">ops</span>
          </h1>
          <p className="tagline">
            Jobs, errors and the dead-letter queue, refreshed every 5 s while this tab is visible.
          </p>
        </div>
        {signedIn ? <OpsNav /> : null}
      </header>
      {signedIn ? children : <SignInForm />}
    </main>
  );
}
