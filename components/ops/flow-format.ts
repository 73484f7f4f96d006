import type { FlowAction, FlowKeyRow } from "@/lib/ops/flow-types";
import type { Tone } from "./Badge";
import { formatCount } from "./format";

/** How the flow-control panel (FlowPanel.tsx) words a key's state, limits and the actions' outcomes. */

/** "the 3 waiting and every new one wait in QStash; the 2 under way finish". */
export function holds(r: FlowKeyRow): string {
  const waiting = r.waiting
    ? `the ${formatCount(r.waiting)} waiting and every new one wait in QStash`
    : "every new one waits in QStash";
  return r.running ? `${waiting}; the ${formatCount(r.running)} under way finish` : waiting;
}

export function state(r: FlowKeyRow): { label: string; tone: Tone } {
  if (r.paused) return { label: "paused", tone: "bad" };
  if (r.backlog) return { label: "backlog", tone: "warn" };
  if (!r.known) return { label: "not used yet", tone: "muted" };
  return { label: "flowing", tone: "ok" };
}

/** "20 at once · 10 per 60 s (3 used) · pinned". */
export function limits(r: FlowKeyRow): string {
  const parts = [
    r.parallelism ? `${formatCount(r.parallelism)} at once` : null,
    r.rate ? `${formatCount(r.rate.max)} per ${r.rate.periodS} s (${r.rate.used} used)` : null,
    r.pinned.parallelism || r.pinned.rate ? "pinned" : null,
  ].filter(Boolean);
  return parts.length ? parts.join(" · ") : "none";
}

export function outcomeText(action: "pause" | "resume", { flow, changed }: FlowAction): string {
  if (!changed) return `${flow.key} was already ${action === "pause" ? "paused" : "flowing"}.`;
  return action === "pause"
    ? `Paused ${flow.key}: analyses wait in QStash until you resume.`
    : `Resumed ${flow.key}: the waiting analyses start as its limits allow.`;
}
