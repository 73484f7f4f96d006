/**
 * Schedule endpoints (docs: api-reference schedules), answering as @upstash/qstash 2.12's
 * client.schedules expects:
 *   POST       /v2/schedules/{destination}      → 200 { scheduleId }   (Upstash-Cron required)
 *   GET        /v2/schedules                    → 200 Schedule[]
 *   GET        /v2/schedules/{id}               → 200 Schedule | 404
 *   DELETE     /v2/schedules/{id}               → 200 (empty) | 404
 *   POST|PATCH /v2/schedules/{id}/pause|resume  → 200 (empty) | 404
 * Pause and resume answer both verbs: the API reference says POST, the SDK sends PATCH. A
 * schedule carries what a publish carries, checked the same way (publish.ts); with
 * Upstash-Schedule-Id it takes that id, replacing a schedule that has it. What the stand-in does
 * not implement for schedules is refused with a 400 saying so.
 */
import { parseCron, type Cron } from "./cron.ts";
import type { Engine } from "./engine.ts";
import { lowerHeaders, type LowerHeaders } from "./headers.ts";
import { callerIp, HttpError, readBody, sendError, sendJson } from "./http-util.ts";
import type { Route } from "./message-routes.ts";
import { parseTemplate, retriesOf, type PublishContext, type Request } from "./publish.ts";
import { newScheduleId, type ScheduleRecord, type Schedules } from "./schedules.ts";
import { scheduleView } from "./views.ts";

const LIST = "/v2/schedules";
const PREFIX = `${LIST}/`;
/** The API reference: IDs "can only contain alphanumeric characters, hyphens, periods, and underscores". */
const SCHEDULE_ID = /^[A-Za-z0-9._-]+$/;
const ACTION = /^\/v2\/schedules\/([A-Za-z0-9._-]+)\/(pause|resume)$/;
const ONE = /^\/v2\/schedules\/([^/]+)$/;

type ParsedSchedule =
  | { ok: true; record: ScheduleRecord; cron: Cron }
  | { ok: false; error: string };

export function scheduleRoutes(schedules: Schedules, engine: Engine): Route {
  return async (req, res, url) => {
    const path = url.pathname;
    if (path !== LIST && !path.startsWith(PREFIX)) return false;
    const notFound = () => sendError(res, 404, "schedule not found");
    if (req.method === "GET" && path === LIST) {
      sendJson(
        res,
        200,
        schedules.list().map((s) => scheduleView(s.record, s.next)),
      );
      return true;
    }
    const action = ACTION.exec(path);
    if (action && (req.method === "POST" || req.method === "PATCH")) {
      if (!(await schedules.setPaused(action[1], action[2] === "pause"))) notFound();
      else res.writeHead(200).end();
      return true;
    }
    const one = ONE.exec(path);
    if (one && req.method === "GET") {
      const found = schedules.get(one[1]);
      if (!found) notFound();
      else sendJson(res, 200, scheduleView(found.record, found.next));
      return true;
    }
    if (one && req.method === "DELETE") {
      if (!(await schedules.remove(one[1]))) notFound();
      else res.writeHead(200).end();
      return true;
    }
    if (req.method === "POST" && path.startsWith(PREFIX)) {
      // The SDK puts the destination URL unencoded in the path, as it does for a publish.
      const raw = req.url ?? "";
      const parsed = parseSchedule(
        {
          destination: raw.slice(raw.indexOf(PREFIX) + PREFIX.length),
          headers: lowerHeaders(req.headers),
          body: await readBody(req),
          callerIp: callerIp(req),
        },
        engine.context(),
      );
      if (!parsed.ok) throw new HttpError(400, parsed.error);
      await schedules.put(parsed.record, parsed.cron);
      sendJson(res, 200, { scheduleId: parsed.record.scheduleId });
      return true;
    }
    return false;
  };
}

function parseSchedule(input: Request, ctx: PublishContext): ParsedSchedule {
  const h = input.headers;
  const cron = parseCron(h["upstash-cron"] ?? "");
  if (!cron.ok) return cron;
  const chosenId = h["upstash-schedule-id"]?.trim() || undefined;
  if (chosenId !== undefined && !SCHEDULE_ID.test(chosenId))
    return {
      ok: false,
      error: `invalid upstash-schedule-id "${chosenId}": schedule IDs can only contain alphanumeric characters, hyphens, periods, and underscores`,
    };
  const refusal = notImplemented(h);
  if (refusal) return { ok: false, error: refusal };
  const template = parseTemplate(input, ctx);
  if (!template.ok) return template;
  const { base, cfg } = template;
  // Fixed now, so the schedule shows the retries its messages will have.
  cfg.retries = retriesOf(cfg, ctx);
  const record: ScheduleRecord = {
    scheduleId: chosenId ?? newScheduleId(),
    cron: cron.cron.source,
    createdAt: ctx.now,
    template: { base, cfg },
    isPaused: false,
  };
  return { ok: true, record, cron: cron.cron };
}

/** Publish headers the stand-in does not implement on a schedule: why, or undefined. */
function notImplemented(h: LowerHeaders): string | undefined {
  const standIn = "is not implemented by the local QStash stand-in";
  if (h["upstash-queue-name"]) return `scheduling to a queue (upstash-queue-name) ${standIn}`;
  if (h["upstash-deduplication-id"] || h["upstash-content-based-deduplication"] === "true")
    return `deduplication of a schedule ${standIn}`;
  if (h["upstash-not-before"])
    return `upstash-not-before on a schedule ${standIn} (upstash-delay holds each firing's message)`;
  return undefined;
}
