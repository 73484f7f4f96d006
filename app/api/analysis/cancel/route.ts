import { z } from "zod";
import { resolveOwner, withSession } from "@/lib/auth";
import { AppError } from "@/lib/errors";
import { readJson } from "@/lib/http/parse";
import { json, route } from "@/lib/http/respond";
import { timed } from "@/lib/telemetry/request-stats";
import { jobIdSchema } from "@/lib/jobs/schema";
import { requestCancel } from "@/lib/jobs/store";

const cancelSchema = z.strictObject({ jobId: jobIdSchema });

/**
 * POST /api/analysis/cancel { jobId } → 202 { status: "canceled" | "canceling" }; a job that
 * already ended → 200 { canceled: false, status } (a no-op that says so).
 */
export const POST = timed(
  "cancel",
  route(async (req: Request) => {
    const { jobId } = await readJson(req, cancelSchema, 1024);
    const owner = resolveOwner(req);
    const outcome = await requestCancel(jobId, owner.id);
    if (!outcome.found)
      throw new AppError("not_found:job", "No such analysis (it may have expired).");
    if (outcome.state === "already_ended") {
      return withSession(
        json({
          canceled: false,
          status: outcome.status,
          message: `The analysis already ${outcome.status === "succeeded" ? "finished" : outcome.status}; nothing to cancel.`,
        }),
        owner,
      );
    }
    const status = outcome.state === "canceled" ? "canceled" : "canceling";
    return withSession(
      json(
        {
          canceled: true,
          status,
          message: status === "canceled" ? "Canceled before it started." : "Stopping the analysis…",
        },
        202,
      ),
      owner,
    );
  }),
);
