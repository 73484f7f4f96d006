import { NextResponse, type NextRequest } from "next/server";
import { resolveOwner } from "@/lib/auth";
import { addressHash, clientAddress } from "@/lib/http/client-address";
import { mayMint } from "@/lib/limits/caller";

/**
 * Gives every visitor their anonymous session on the first page load, before they can click
 * anything: two quick clicks on Start then belong to one owner and deduplicate to one job. New
 * sessions are limited per client address (SESSION_MINT_LIMIT_PER_ADDRESS): past it the page
 * still renders, without a new cookie, and a start from it is answered 429.
 */
export async function proxy(request: NextRequest) {
  const owner = resolveOwner(request);
  const response = NextResponse.next();
  if (owner.setCookie && (await mayMint(addressHash(clientAddress(request)))))
    response.headers.append("set-cookie", owner.setCookie);
  return response;
}

export const config = {
  // Pages only: API routes resolve the owner themselves, assets need no session.
  matcher: ["/((?!api/|_next/|favicon.ico).*)"],
};
