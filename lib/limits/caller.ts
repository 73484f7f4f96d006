import "server-only";
import { resolveOwner, type Owner } from "@/lib/auth";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { addressHash, clientAddress } from "@/lib/http/client-address";
import { take } from "@/lib/limits/limiter";

/** Who asks for work: their session, and the keyed hash of their client address. */
export type Caller = { owner: Owner; address: string };

/**
 * The caller of a route that creates work. A request without a session gets a new one, and new
 * sessions are themselves limited per address (SESSION_MINT_LIMIT_PER_ADDRESS), so sending no
 * cookie cannot reset the visitor's limits faster than that.
 */
export async function workCaller(req: Request): Promise<Caller> {
  const owner = resolveOwner(req);
  const address = addressHash(clientAddress(req));
  if (owner.setCookie && !(await mayMint(address))) {
    const window = env().SESSION_MINT_LIMIT_PER_ADDRESS!;
    throw new AppError(
      "rate_limited:session",
      `Too many new sessions from your network (${window.requests} in ${Math.round(window.seconds / 60)} min). Keep the cookie this site sets, or try again later.`,
      { "retry-after": String(window.seconds) },
    );
  }
  return { owner, address };
}

/** Counts one new session for `address`; false when the address has had too many. */
export async function mayMint(address: string): Promise<boolean> {
  return (await take("session:address", env().SESSION_MINT_LIMIT_PER_ADDRESS, address)).ok;
}
