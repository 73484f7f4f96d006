import { describe, expect, it } from "vitest";
import {
  alertPayload,
  alertText,
  deliveryFromCallback,
  slackEscape,
  transitionId,
} from "@/lib/ops/alert-message";
import type { AlertEvent } from "@/lib/ops/types";
import { deliveryLabel } from "@/components/ops/delivery-format";

const fired: AlertEvent = {
  rule: "error_rate",
  title: "Delivery error rate",
  state: "active",
  value: "12.0 % of 40 deliveries",
  threshold: "> 5 % (judged from 5 deliveries)",
  at: Date.UTC(2026, 11, 2, 16, 3, 4, 5),
};
const resolved: AlertEvent = { ...fired, state: "resolved", value: "2.0 % of 50 deliveries" };

describe("an alert transition's webhook message", () => {
  it("reads as one line of Slack mrkdwn: emoji, the rule in bold, what changed, value, threshold, a link", () => {
    expect(alertText(fired, "https://tabsafe.example/ops")).toBe(
      ":rotating_light: *Delivery error rate* fired: 12.0 % of 40 deliveries · threshold &gt; 5 % (judged from 5 deliveries) · <https://tabsafe.example/ops|Open /ops>",
    );
    expect(alertText(resolved, "https://tabsafe.example/ops")).toBe(
      ":white_check_mark: *Delivery error rate* resolved: 2.0 % of 50 deliveries · threshold &gt; 5 % (judged from 5 deliveries) · <https://tabsafe.example/ops|Open /ops>",
    );
  });

  it("escapes Slack's control characters, so a value cannot open a link or a mention", () => {
    expect(slackEscape("<!channel> a & b > c")).toBe("&lt;!channel&gt; a &amp; b &gt; c");
    const text = alertText({ ...fired, value: "<https://evil|x>" }, "https://a/ops");
    expect(text).toContain("&lt;https://evil|x&gt;");
    expect(text.match(/</g)).toHaveLength(1); // only the /ops link
  });

  it("leaves the threshold out of an entry recorded before thresholds were kept", () => {
    const { threshold: _, ...old } = fired;
    expect(alertText(old, "https://a/ops")).toBe(
      ":rotating_light: *Delivery error rate* fired: 12.0 % of 40 deliveries · <https://a/ops|Open /ops>",
    );
    expect(alertPayload(old, "https://a").threshold).toBe("");
  });

  it("has the body the issue names: text, rule, state fired|resolved, value, threshold, at (ISO), url", () => {
    expect(alertPayload(resolved, "https://tabsafe.example")).toEqual({
      text: alertText(resolved, "https://tabsafe.example/ops"),
      rule: "error_rate",
      state: "resolved",
      value: "2.0 % of 50 deliveries",
      threshold: "> 5 % (judged from 5 deliveries)",
      at: "2026-12-02T16:03:04.005Z",
      url: "https://tabsafe.example/ops",
    });
  });

  it("has one id per transition, made of what QStash takes in a deduplication id", () => {
    expect(transitionId(fired)).toBe(`alert.error_rate.fired.${fired.at}`);
    expect(transitionId(resolved)).toBe(`alert.error_rate.resolved.${fired.at}`);
    expect(transitionId({ ...fired, at: fired.at + 1 })).not.toBe(transitionId(fired));
    expect(transitionId({ ...fired, at: 1.5 })).toBe("alert.error_rate.fired.1");
    expect(transitionId({ ...fired, rule: "a b/c" as never })).toBe(
      `alert.a_b_c.fired.${fired.at}`,
    );
  });
});

describe("what a QStash callback says of an alert's delivery", () => {
  const now = 1_000;
  it("a 2xx is delivered, with the attempt that got it", () => {
    expect(deliveryFromCallback({ status: 200, retried: 1, maxRetries: 3 }, false, now)).toEqual({
      state: "delivered",
      at: now,
      attempt: 2,
      attempts: 4,
      status: 200,
    });
  });

  it("another status is a retry to come, until the last attempt, which failed", () => {
    expect(deliveryFromCallback({ status: 500, retried: 0, maxRetries: 3 }, false, now)).toEqual({
      state: "retrying",
      at: now,
      attempt: 1,
      attempts: 4,
      status: 500,
    });
    expect(
      deliveryFromCallback({ status: 503, retried: 3, maxRetries: 3 }, false, now),
    ).toMatchObject({
      state: "failed",
      attempt: 4,
      status: 503,
    });
  });

  it("the failure callback is failed, with the last status or none when there was no answer", () => {
    expect(deliveryFromCallback({ status: 0, retried: 2, maxRetries: 2 }, true, now)).toEqual({
      state: "failed",
      at: now,
      attempt: 3,
      attempts: 3,
      status: null,
    });
    // A non-retryable answer fails before the retries are spent.
    expect(
      deliveryFromCallback({ status: 489, retried: 0, maxRetries: 3 }, true, now),
    ).toMatchObject({
      state: "failed",
      attempt: 1,
      status: 489,
    });
  });
});

describe("how /ops words a transition's delivery", () => {
  const time = (ms: number) => `t${ms}`;
  const label = (d: Parameters<typeof deliveryLabel>[0], configured = true) =>
    deliveryLabel(d, configured, time);
  it("says each state in words, with the status, the attempt and the time where they matter", () => {
    expect(label(null, false)).toEqual({ text: "not configured", tone: "muted" });
    expect(label(null).text).toBe("not sent (before ALERT_WEBHOOK_URL was set)");
    expect(label({ state: "unsent", at: 1, attempt: 1 })).toEqual({
      text: "unsent (QStash unreachable, will retry)",
      tone: "warn",
    });
    expect(label({ state: "sending", at: 1, attempt: 0 }).text).toBe("sending…");
    expect(label({ state: "retrying", at: 1, attempt: 2, attempts: 4, status: 500 })).toEqual({
      text: "retrying (status 500, attempt 2 of 4)",
      tone: "warn",
    });
    expect(label({ state: "delivered", at: 7, attempt: 1, status: 200 })).toEqual({
      text: "delivered ✓ t7",
      tone: "ok",
    });
    expect(label({ state: "delivered", at: 7, attempt: 3, status: 204 }).text).toBe(
      "delivered ✓ t7 (attempt 3)",
    );
    expect(label({ state: "failed", at: 1, attempt: 4, attempts: 4, status: 502 })).toEqual({
      text: "failed after 4 attempt(s) (status 502)",
      tone: "bad",
    });
    expect(label({ state: "failed", at: 1, attempt: 1, status: null }).text).toBe(
      "failed after 1 attempt(s) (no answer)",
    );
  });
});
