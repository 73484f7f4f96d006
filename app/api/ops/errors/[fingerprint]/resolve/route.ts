import { AppError } from "@/lib/errors";
import { readParam } from "@/lib/http/parse";
import { json, route } from "@/lib/http/respond";
import { requireOps } from "@/lib/ops/auth";
import { resolveErrorGroup } from "@/lib/ops/error-store";
import { fingerprintSchema } from "../../../schemas";

/** POST /api/ops/errors/{fingerprint}/resolve → { group }; the group reopens when the error recurs. */
export const POST = route(
  async (req: Request, ctx: { params: Promise<{ fingerprint: string }> }) => {
    await requireOps(req);
    const fingerprint = readParam(
      (await ctx.params).fingerprint,
      fingerprintSchema,
      "Not an error fingerprint.",
    );
    const group = await resolveErrorGroup(fingerprint);
    if (!group) throw new AppError("not_found:error_group", "No such error group.");
    return json({ group });
  },
);
