import { z } from "zod";
import { readJson } from "@/lib/http/parse";
import { json, route } from "@/lib/http/respond";
import { signIn, signOut } from "@/lib/ops/auth";

const signInSchema = z.strictObject({ token: z.string().min(1).max(512) });

/**
 * POST /api/ops/session { token } → 204 + the httpOnly cookie of a new operator session; 401 for a
 * wrong token, 429 once the address has tried too many (lib/ops/auth-guard.ts).
 */
export const POST = route(async (req: Request) => {
  const { token } = await readJson(req, signInSchema, 1024);
  return new Response(null, { status: 204, headers: { "set-cookie": await signIn(req, token) } });
});

/** DELETE /api/ops/session → 200 { signedOut: true }: the session is deleted and the cookie cleared. */
export const DELETE = route(async (req: Request) =>
  json({ signedOut: true }, 200, { "set-cookie": await signOut(req) }),
);
