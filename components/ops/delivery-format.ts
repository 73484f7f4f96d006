import type { AlertDelivery } from "@/lib/ops/types";
import type { Tone } from "./Badge";
import { formatTime } from "./format";

/**
 * How /ops words an alert transition's webhook delivery: words first (the badge's colour only
 * repeats them). `configured`: ALERT_WEBHOOK_URL is set now. `at` is formatted by `time`.
 */
export function deliveryLabel(
  d: AlertDelivery | null,
  configured: boolean,
  time: (ms: number) => string = formatTime,
): { text: string; tone: Tone } {
  if (!d)
    return configured
      ? { text: "not sent (before ALERT_WEBHOOK_URL was set)", tone: "muted" }
      : { text: "not configured", tone: "muted" };
  const status = d.status ? `status ${d.status}` : "no answer";
  switch (d.state) {
    case "unsent":
      return { text: "unsent (QStash unreachable, will retry)", tone: "warn" };
    case "sending":
      return { text: "sending…", tone: "info" };
    case "retrying":
      return {
        text: `retrying (${status}, attempt ${d.attempt}${d.attempts ? ` of ${d.attempts}` : ""})`,
        tone: "warn",
      };
    case "delivered":
      return {
        text: `delivered ✓ ${time(d.at)}${d.attempt > 1 ? ` (attempt ${d.attempt})` : ""}`,
        tone: "ok",
      };
    case "failed":
      return { text: `failed after ${d.attempt} attempt(s) (${status})`, tone: "bad" };
  }
}
