import { NextResponse, type NextRequest } from "next/server";
import { resolveOwner } from "@/lib/auth";

/**
 * Gives every visitor their anonymous session on the first page load, before they can click
 * anything: two quick clicks on Start then belong to one owner and deduplicate to one job.
 */
export function proxy(request: NextRequest) {
  const owner = resolveOwner(request);
  const response = NextResponse.next();
  if (owner.setCookie) response.headers.append("set-cookie", owner.setCookie);
  return response;
}

export const config = {
  // Pages only: API routes resolve the owner themselves, assets need no session.
  matcher: ["/((?!api/|_next/|favicon.ico).*)"],
};
