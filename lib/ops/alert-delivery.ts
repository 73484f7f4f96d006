import "server-only";
import { env } from "@/lib/env";
import { retryPolicy } from "@/lib/jobs/publish";
import { retryDelayExpression } from "@/lib/jobs/retry-policy";
import {
  alertPayload,
  deliveryFromCallback,
  transitionId,
  type CallbackReport,
} from "@/lib/ops/alert-message";
import { READ_ALERT_HISTORY, RECORD_ALERT_DELIVERY } from "@/lib/ops/scripts";
import type { AlertDelivery, AlertEvent, AlertHistoryEntry } from "@/lib/ops/types";
import { qstash, webhookUrl } from "@/lib/qstash/client";
import { hgetallRecord, redis } from "@/lib/redis/client";
import { keys, ttl } from "@/lib/redis/keys";
import { log } from "@/lib/telemetry/log";

/**
 * Alert transitions POSTed to ALERT_WEBHOOK_URL through QStash: retried on the app's retry policy,
 * one message per transition (its id is the deduplication id), and each attempt's outcome
 * recorded in alerts:delivery by QStash's callbacks (app/api/ops/alerts/delivery). The record
 * starts "unsent" inside SET_ALERT, with the transition itself; see lib/ops/alerts.ts.
 */
export const DELIVERY_PATH = "/api/ops/alerts/delivery";

/** How long one attempt may wait for the receiver, in s (a Slack webhook answers in well under one). */
const ATTEMPT_TIMEOUT_S = 30;

export const webhookConfigured = (): boolean => env().ALERT_WEBHOOK_URL !== "";

/** The record a transition starts with: nothing published yet. */
export const unsentRecord = (at: number): AlertDelivery => ({ state: "unsent", at, attempt: 0 });

/** The QStash publish of one transition; callbacks name it in their (signed) URL. */
function alertRequest(event: AlertEvent & { id: string }) {
  const e = env();
  const query = `?transition=${encodeURIComponent(event.id)}`;
  return {
    url: e.ALERT_WEBHOOK_URL,
    body: alertPayload(event, e.APP_BASE_URL),
    deduplicationId: event.id,
    retries: e.QSTASH_RETRIES,
    retryDelay: retryDelayExpression(retryPolicy()),
    timeout: ATTEMPT_TIMEOUT_S,
    label: "alert",
    callback: webhookUrl(`${DELIVERY_PATH}${query}`),
    failureCallback: webhookUrl(`${DELIVERY_PATH}${query}&final=1`),
  };
}

/**
 * Moves a transition's record forward (RECORD_ALERT_DELIVERY: callbacks come in any order and
 * may repeat). "unknown" when the transition is not in alerts:delivery (expired, trimmed off).
 */
export async function recordDelivery(transition: string, delivery: AlertDelivery) {
  const { outcome } = await RECORD_ALERT_DELIVERY.run({
    keys: { alertDelivery: keys.alertDelivery() },
    args: { transition, deliveryJson: JSON.stringify(delivery), ttl: ttl.alerts },
  });
  return outcome;
}

/**
 * A QStash callback about one transition's message: records what the attempt came to. When QStash
 * gave up (`final`), its dead letter is removed: the failure is on /ops with the transition, and
 * the DLQ (and its alert) keeps meaning jobs that failed for good, not an alert nobody received.
 */
export async function onDeliveryReport(
  transition: string,
  report: CallbackReport & { dlqId?: string },
  final: boolean,
): Promise<string> {
  const delivery = deliveryFromCallback(report, final, Date.now());
  const outcome = await recordDelivery(transition, delivery);
  if (final && report.dlqId)
    await qstash()
      .dlq.delete(report.dlqId)
      .catch((error) =>
        log("warn", "dlq_delete_failed", { transition, dlqId: report.dlqId, error: String(error) }),
      );
  return `${delivery.state} (attempt ${delivery.attempt}): ${outcome}`;
}

/**
 * Publishes one transition. Never throws: when QStash cannot be reached the record stays (or
 * becomes) "unsent", with why, for redeliverAlerts; evaluating alerts goes on either way.
 * `tries`: publishes of it that already failed. True when QStash took it.
 */
export async function sendAlert(event: AlertEvent & { id: string }, tries = 0): Promise<boolean> {
  try {
    const { messageId } = await qstash().publishJSON(alertRequest(event));
    await recordDelivery(event.id, { state: "sending", at: Date.now(), attempt: 0, messageId });
    return true;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    log("warn", "alert_unsent", { transition: event.id, rule: event.rule, error: reason });
    const unsent: AlertDelivery = {
      state: "unsent",
      at: Date.now(),
      attempt: tries + 1,
      error: reason.slice(0, 200),
    };
    // Redis may be what is down: the record then stays as SET_ALERT wrote it ("unsent").
    await recordDelivery(event.id, unsent).catch(() => {});
    return false;
  }
}

/**
 * Publishes again every transition still recorded "unsent" (QStash was unreachable, or the sender
 * died before publishing), with the same deduplication id: a publish that did reach QStash after
 * all is not delivered twice (QStash keeps deduplication ids 10 minutes; the maintenance tick runs
 * every minute). For a per-minute tick: one HGETALL when nothing waits, nothing when
 * ALERT_WEBHOOK_URL is unset; one LRANGE and a publish (+ one command) per unsent one otherwise.
 * `now` only dates the log line.
 */
export async function redeliverAlerts(
  now = Date.now(),
): Promise<{ republished: number; unsent: number }> {
  if (!webhookConfigured()) return { republished: 0, unsent: 0 };
  const records = (await hgetallRecord(keys.alertDelivery())) ?? {};
  const waiting = Object.entries(records)
    .map(([id, json]) => [id, JSON.parse(json) as AlertDelivery] as const)
    .filter(([, d]) => d.state === "unsent");
  if (!waiting.length) return { republished: 0, unsent: 0 };
  const rows = (await redis().lrange(keys.alertHistory(), 0, -1)) as string[];
  const events = new Map(
    rows.map((r) => JSON.parse(r) as AlertEvent).map((e) => [e.id ?? transitionId(e), e]),
  );
  let republished = 0;
  for (const [id, record] of waiting) {
    const event = events.get(id);
    if (!event) continue;
    // QStash still unreachable: the others would fail the same way, each after the SDK's retries.
    if (!(await sendAlert({ ...event, id }, record.attempt))) break;
    republished++;
  }
  log("info", "alerts_redelivered", { at: now, waiting: waiting.length, republished });
  return { republished, unsent: waiting.length - republished };
}

/** The latest transitions, newest first, each with its delivery record: one command. */
export async function readAlertHistory(limit = 50): Promise<AlertHistoryEntry[]> {
  const reply = (await READ_ALERT_HISTORY.run({
    keys: { alertHistory: keys.alertHistory(), alertDelivery: keys.alertDelivery() },
    args: { limit },
  })) as [string[], Array<string | null>];
  const [entries, deliveries] = reply;
  return entries.map((row, i) => {
    const event = JSON.parse(row) as AlertEvent;
    const delivery = deliveries[i];
    return { ...event, delivery: delivery ? (JSON.parse(delivery) as AlertDelivery) : null };
  });
}
