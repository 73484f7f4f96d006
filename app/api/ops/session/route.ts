import { z } from "zod";
import { AppError } from "@/lib/errors";
import { readJson } from "@/lib/http/parse";
import { json, route } from "@/lib/http/respond";
import { isOpsToken, opsCookieHeader } from "@/lib/ops/auth";

const signInSchema = z.strictObject({ token: z.string().min(1).max(512) });

/** POST /api/ops/session { token } → 204 + httpOnly ops cookie; 401 for a wrong token. */
export const POST = route(async (req: Request) => {
  const { token } = await readJson(req, signInSchema, 1024);
  if (!isOpsToken(token)) throw new AppError("unauthorized:ops", "That is not the operator token.");
  return new Response(null, { status: 204, headers: { "set-cookie": opsCookieHeader() } });
});

/** DELETE /api/ops/session → 200 { signedOut: true }, the cookie cleared. */
export const DELETE = route(async () => json({ signedOut: true }, 200, { "set-cookie": opsCookieHeader(true) }));
