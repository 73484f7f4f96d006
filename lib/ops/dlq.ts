import "server-only";
import { isJobId, jobErrorSchema, type AnalysisType, type JobStatus } from "@/lib/jobs/schema";
import type { DeadLetters } from "@/lib/ops/alert-rules";
import { isInputDeadLetter } from "@/lib/ops/dlq-cause";
import { isTickUrl } from "@/lib/ops/tick-path";
import { redact } from "@/lib/telemetry/sanitize";
import type { DlqPage, DlqReplay, DlqRow } from "@/lib/ops/types";
import { qstash } from "@/lib/qstash/client";
import { redis } from "@/lib/redis/client";
import { keys } from "@/lib/redis/keys";

/** Messages per DLQ page. */
const PAGE = 50;

/** The job a DLQ message belongs to: the body's jobId, else the `job` query parameter of its URL. */
export function jobIdOf(message: { body?: string; url: string }): string | null {
  try {
    const id = (JSON.parse(message.body ?? "") as { jobId?: unknown }).jobId;
    if (isJobId(id)) return id;
  } catch {
    // Not a consume message body (a failure callback, say): fall back to the URL.
  }
  try {
    const id = new URL(message.url).searchParams.get("job");
    return isJobId(id) ? id : null;
  } catch {
    return null;
  }
}

/**
 * One page of QStash's DLQ (through the SDK), each message joined with the job it belongs to
 * (one pipelined HMGET per page).
 */
export async function listDlq(cursor?: string): Promise<DlqPage> {
  const page = await qstash().dlq.listMessages({ count: PAGE, ...(cursor ? { cursor } : {}) });
  const ids = page.messages.map(jobIdOf);
  const pipe = redis().pipeline();
  for (const id of ids)
    pipe.hmget(keys.job(id ?? "-"), "status", "analysisType", "subject", "error");
  const jobs = (ids.length ? await pipe.exec() : []) as Array<Array<string | null> | null>;
  const messages: DlqRow[] = page.messages.map((m, i) => {
    const [status, analysisType, subject, error] = jobs[i] ?? [];
    const parsedError = error ? jobErrorSchema.safeParse(JSON.parse(error)) : null;
    const label = (m as { label?: string }).label;
    return {
      dlqId: m.dlqId,
      messageId: m.messageId,
      url: m.url,
      label: label ?? null,
      createdAt: m.createdAt,
      responseStatus: m.responseStatus ?? null,
      responseBody: m.responseBody ? redact(m.responseBody, 300) : null,
      inputCaused: isInputDeadLetter(m.responseBody),
      jobId: ids[i],
      job: status
        ? {
            status: status as JobStatus,
            analysisType: analysisType as AnalysisType,
            subject: subject ?? "",
            errorCode: parsedError?.success ? parsedError.data.code : null,
          }
        : null,
    };
  });
  return { messages, cursor: page.cursor ?? null };
}

/**
 * Delivers DLQ messages again (QStash's own DLQ retry: same body, same URL, new message id).
 * Safe to repeat: the consume route leases the job first, so a message whose job already ended
 * is acknowledged and changes nothing; a job that had not ended resumes from its checkpoints.
 */
export async function replayDlq(dlqIds: string[]): Promise<DlqReplay> {
  const { responses } = await qstash().dlq.retry(dlqIds);
  return { replayed: responses.map((r, i) => ({ dlqId: dlqIds[i], messageId: r.messageId })) };
}

export async function deleteDlq(dlqIds: string[]): Promise<{ deleted: number }> {
  const { deleted } = await qstash().dlq.delete(dlqIds);
  return { deleted };
}

/**
 * How many messages of jobs the DLQ holds, and how many of them a person's input failed (the
 * first 100 are enough to tell empty from not), apart from the maintenance ticks it holds;
 * throws when QStash is unreachable.
 */
export async function deadLetters(): Promise<DeadLetters> {
  const page = await qstash().dlq.listMessages({ count: 100 });
  const ticks = page.messages.filter((m) => isTickUrl(m.url));
  const jobs = page.messages.filter((m) => !isTickUrl(m.url));
  return {
    total: jobs.length,
    inputCaused: jobs.filter((m) => isInputDeadLetter(m.responseBody)).length,
    missedTicks: ticks.map((m) => m.dlqId),
  };
}
