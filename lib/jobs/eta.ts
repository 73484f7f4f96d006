/**
 * How long a running job has left, from its own pace. The time goes to the steps that call the
 * model: each chunk's analysis, and the synthesis, which writes the whole structured report and
 * takes about three to four chunks' time (measured: 2.7–4.4× on the simulator, the same shape as
 * a real model's). prepare, validate and save take milliseconds: counting them as steps made the
 * estimate run high near the end, counting the synthesis as one chunk made it run low. Weighted
 * so, an estimate that errs errs high, which the poll schedule absorbs (it tightens toward the
 * likely end); a low one would cost polls. Pure, so it is unit-tested directly.
 */

/** How much of the model work each step is, in chunk analyses. */
export function stepWeight(name: string | undefined): number {
  if (!name) return 0;
  if (name.startsWith("analyze:")) return 1;
  return name === "synthesize" ? SYNTHESIS_WEIGHT : 0;
}

/** The synthesis, in chunk analyses (the high end of what was measured: see above). */
export const SYNTHESIS_WEIGHT = 4;

/**
 * Remaining ms, or null while too little is known (under 2 % of the model work done, or under a
 * second of it). `index` steps of `plan` are done plus `fraction` of step `index`; `ranMs` is the
 * time the job has run under leases (waiting for an outage to pass is not its pace).
 */
export function remainingMs(plan: string[], index: number, fraction: number, ranMs: number): number | null {
  const total = plan.reduce((n, step) => n + stepWeight(step), 0);
  if (total === 0) return null;
  const done = plan.slice(0, index).reduce((n, step) => n + stepWeight(step), 0) + stepWeight(plan[index]) * Math.min(1, Math.max(0, fraction));
  const share = done / total;
  if (share < 0.02 || ranMs < 1_000) return null;
  if (share >= 1) return 0;
  return Math.round((ranMs * (1 - share)) / share);
}
