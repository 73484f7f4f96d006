/**
 * How long a running job has left, from its own pace. The time goes to the steps that call the
 * model, and not evenly: each kind weighs its planned steps by their share of the model work
 * (lib/jobs/kind.ts PlannedStep.weight). A listing analysis, for instance, weighs each chunk 1
 * and the synthesis, which writes the whole structured report, 4 (measured 2.7–4.4× a chunk on
 * the simulator, the same shape as a real model's), and its quick steps 0: counting those as
 * steps made the estimate run high near the end. Weighted so, an estimate that errs errs high,
 * which the poll schedule absorbs (it tightens toward the likely end); a low one would cost
 * polls. Pure, so it is unit-tested directly.
 */

/**
 * Remaining ms, or null while too little is known (under 2 % of the model work done, or under a
 * second of it). `index` steps of the plan (`weights`, one per step) are done plus `fraction` of
 * step `index`; `ranMs` is the time the job has run under leases (waiting for an outage to pass
 * is not its pace).
 */
export function remainingMs(
  weights: number[],
  index: number,
  fraction: number,
  ranMs: number,
): number | null {
  const total = weights.reduce((n, w) => n + w, 0);
  if (total === 0) return null;
  const current = (weights[index] ?? 0) * Math.min(1, Math.max(0, fraction));
  const done = weights.slice(0, index).reduce((n, w) => n + w, 0) + current;
  const share = done / total;
  if (share < 0.02 || ranMs < 1_000) return null;
  if (share >= 1) return 0;
  return Math.round((ranMs * (1 - share)) / share);
}
