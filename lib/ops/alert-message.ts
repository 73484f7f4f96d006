import type { AlertDelivery, AlertEvent, AlertRuleId } from "@/lib/ops/types";

/**
 * What an alert transition says to ALERT_WEBHOOK_URL, as pure functions (lib/ops/alert-delivery.ts
 * sends it). The body is the same for any receiver; `text` is Slack mrkdwn, so a Slack incoming
 * webhook shows it as it is and other receivers read the named fields.
 */
export type AlertPayload = {
  /** One line of Slack mrkdwn: emoji, the rule in bold, what changed, the value, the threshold, a link. */
  text: string;
  rule: AlertRuleId;
  state: "fired" | "resolved";
  /** The measured value as /ops shows it ("12.0 % of 40 deliveries"). */
  value: string;
  threshold: string;
  /** When the transition happened, ISO 8601 UTC (the history's `at`, which is epoch ms). */
  at: string;
  /** The app's /ops page. */
  url: string;
};

/** "fired" for a rule that became active, "resolved" for one that stopped. */
export const transitionState = (e: Pick<AlertEvent, "state">): AlertPayload["state"] =>
  e.state === "active" ? "fired" : "resolved";

/**
 * The id of one transition: "alert.{rule}.{fired|resolved}.{at ms}". Its QStash deduplication id
 * (one message per transition, however many evaluations or republishes) and its field in
 * alerts:delivery. Only [A-Za-z0-9._-], which QStash takes in a deduplication id and a URL as is.
 */
export function transitionId(e: Pick<AlertEvent, "rule" | "state" | "at">): string {
  const raw = `alert.${e.rule}.${transitionState(e)}.${Math.trunc(e.at)}`;
  return raw.replace(/[^A-Za-z0-9._-]/g, "_");
}

/** Slack mrkdwn's three control characters, escaped as Slack asks (a threshold reads "> 5 %"). */
export function slackEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * ":rotating_light: *Delivery error rate* fired: 12.0 % of 40 deliveries · threshold > 5 % · <https://app/ops|Open /ops>"
 * (":white_check_mark: … resolved: …" when it stops).
 */
export function alertText(e: AlertEvent, opsUrl: string): string {
  const fired = e.state === "active";
  const parts = [
    `${fired ? ":rotating_light:" : ":white_check_mark:"} *${slackEscape(e.title)}* ${transitionState(e)}: ${slackEscape(e.value)}`,
    ...(e.threshold ? [`threshold ${slackEscape(e.threshold)}`] : []),
    `<${opsUrl}|Open /ops>`,
  ];
  return parts.join(" · ");
}

/** The JSON body POSTed for one transition. `appBaseUrl`: APP_BASE_URL, without a trailing slash. */
export function alertPayload(e: AlertEvent, appBaseUrl: string): AlertPayload {
  const url = `${appBaseUrl}/ops`;
  return {
    text: alertText(e, url),
    rule: e.rule,
    state: transitionState(e),
    value: e.value,
    threshold: e.threshold ?? "",
    at: new Date(e.at).toISOString(),
    url,
  };
}

/** What QStash's callback body says of one attempt (docs: features/callbacks; the rest is ignored). */
export type CallbackReport = {
  /** The receiver's HTTP status; 0 when it gave none (a timeout, a refused connection). */
  status: number;
  /** Retries before this attempt (0 on the first). */
  retried: number;
  maxRetries: number;
};

/**
 * The delivery record one callback makes. The callback comes after every attempt that got an
 * answer: 2xx is delivered; another status is a retry to come, unless it was the last attempt
 * (retried = maxRetries, as QStash's docs tell it apart). `final`: the failure callback, after the
 * last attempt or a non-retryable answer.
 */
export function deliveryFromCallback(
  report: CallbackReport,
  final: boolean,
  now: number,
): AlertDelivery {
  const attempt = report.retried + 1;
  const attempts = report.maxRetries + 1;
  const status = report.status || null;
  const ok = status !== null && status >= 200 && status < 300;
  if (ok && !final) return { state: "delivered", at: now, attempt, attempts, status };
  if (final || report.retried >= report.maxRetries)
    return { state: "failed", at: now, attempt, attempts, status };
  return { state: "retrying", at: now, attempt, attempts, status };
}
