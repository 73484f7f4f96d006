import { AppError } from "@/lib/errors";
import { readParam } from "@/lib/http/parse";
import { json, route } from "@/lib/http/respond";
import { requireOps } from "@/lib/ops/auth";
import { getErrorGroup } from "@/lib/ops/error-store";
import { fingerprintSchema } from "../../schemas";

/** GET /api/ops/errors/{fingerprint} → ErrorGroup with its samples. */
export const GET = route(
  async (req: Request, ctx: { params: Promise<{ fingerprint: string }> }) => {
    await requireOps(req);
    const fingerprint = readParam(
      (await ctx.params).fingerprint,
      fingerprintSchema,
      "Not an error fingerprint.",
    );
    const group = await getErrorGroup(fingerprint);
    if (!group)
      throw new AppError(
        "not_found:error_group",
        "No such error group (groups expire 30 days after they last occur).",
      );
    return json(group, 200, { "cache-control": "no-store" });
  },
);
