"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { opsFetch } from "./useOps";

/**
 * The operator's sign-in: POST /api/ops/session { token } sets an httpOnly cookie (204), then a
 * router refresh re-renders the /ops layout on the server, which now finds the cookie.
 */
export function SignInForm() {
  const router = useRouter();
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await opsFetch<null>("/api/ops/session", { method: "POST", body: JSON.stringify({ token }) });
      router.refresh();
    } catch (e) {
      setError(e instanceof Error ? e.message : "Sign-in failed.");
      setBusy(false);
    }
  }

  return (
    <section className="card ops-signin" aria-labelledby="signin-heading">
      <h2 id="signin-heading">Operator sign-in</h2>
      <p className="hint">
        The ops dashboard shows every visitor&apos;s jobs and errors. Enter the operator token
        (OPS_TOKEN) to continue.
      </p>
      <form onSubmit={submit} data-testid="ops-signin">
        <label htmlFor="ops-token">Operator token</label>
        <input
          id="ops-token"
          name="token"
          type="password"
          autoComplete="current-password"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          required
          data-testid="ops-token"
        />
        <button
          type="submit"
          className="primary"
          disabled={busy || token === ""}
          data-testid="ops-signin-submit"
        >
          {busy ? "Signing in…" : "Sign in"}
        </button>
        {error ? (
          <p className="error" role="alert" data-testid="ops-signin-error">
            {error}
          </p>
        ) : null}
      </form>
    </section>
  );
}
