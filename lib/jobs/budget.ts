import "server-only";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { dayId, hourId } from "@/lib/telemetry/metric-keys";
import { visitorHash } from "@/lib/telemetry/visitor";
import { redis } from "@/lib/redis/client";
import { keys } from "@/lib/redis/keys";

/**
 * The AI spend budget: tokens the provider bills — cut-off and canceled calls included — counted
 * per UTC day and hour, in total and per visitor, inside the job scripts already on the path (a
 * partial-output write adds an estimate as the stream grows; the step's checkpoint corrects it to
 * the provider's figure). Once the day's budget is spent (OPENAI_BUDGET_TOKENS_PER_DAY, or the
 * visitor's OPENAI_BUDGET_TOKENS_PER_VISITOR_PER_DAY) new work is refused by CREATE_JOB and
 * RETRY_JOB; jobs already running finish. Lua: lib/jobs/budget-lua.ts.
 */

/** TTLs of the day and hour hashes, in s: long enough for /ops to show yesterday and the last day by hour. */
export const BUDGET_TTL = { day: 3 * 86_400, hour: 2 * 86_400 };

/** About 4 characters per token (OpenAI's rule of thumb): the estimate of a call still streaming. */
export const estimateTokens = (chars: number) => Math.ceil(chars / 4);

/** What CREATE_JOB and RETRY_JOB take to refuse work past the budget: the day key, the limits. */
export function budgetGate(owner: string, now = Date.now()) {
  const e = env();
  return {
    keys: { budgetDay: keys.budgetDay(dayId(now)) },
    args: {
      budgetTotal: e.OPENAI_BUDGET_TOKENS_PER_DAY,
      budgetPerVisitor: e.OPENAI_BUDGET_TOKENS_PER_VISITOR_PER_DAY,
      budgetVisitor: visitorHash(owner),
    },
  };
}

/** What a write that bills tokens takes: the day and hour keys, the visitor's field, the TTLs. */
export function budgetMeter(owner: string, now = Date.now()) {
  return {
    keys: { budgetDay: keys.budgetDay(dayId(now)), budgetHour: keys.budgetHour(hourId(now)) },
    args: {
      budgetVisitor: visitorHash(owner),
      budgetDayTtl: BUDGET_TTL.day,
      budgetHourTtl: BUDGET_TTL.hour,
    },
  };
}

/** A write that bills nothing: no budget keys ('' in Lua), nothing to add. */
export const NO_BILLING = {
  keys: { budgetDay: "", budgetHour: "" },
  args: { budgetVisitor: "", budgetDayTtl: 0, budgetHourTtl: 0 },
} satisfies ReturnType<typeof budgetMeter>;

/** The answer to new work refused because `which` budget of today is spent. */
export function budgetSpent(which: "total" | "visitor", now = Date.now()): AppError {
  const midnight = Date.UTC(
    new Date(now).getUTCFullYear(),
    new Date(now).getUTCMonth(),
    new Date(now).getUTCDate() + 1,
  );
  const waitS = Math.max(1, Math.ceil((midnight - now) / 1000));
  const hours = Math.ceil(waitS / 3600);
  return which === "visitor"
    ? new AppError(
        "rate_limited:budget",
        `You have used today's allowance of ${env().OPENAI_BUDGET_TOKENS_PER_VISITOR_PER_DAY.toLocaleString("en")} AI tokens. It renews at midnight UTC (in about ${hours} h).`,
        { "retry-after": String(waitS) },
      )
    : new AppError(
        "unavailable:budget",
        `tabsafe has used today's AI budget, so new analyses are paused until midnight UTC (in about ${hours} h). Analyses already running will finish.`,
        { "retry-after": String(waitS) },
      );
}

export type BudgetToday = {
  day: string;
  billedTokens: number;
  limitTokens: number;
  perVisitorLimitTokens: number;
};

/** Today's spend, for /ops and the budget alert: tokens billed in total against the budget. One HGET. */
export async function budgetToday(now = Date.now()): Promise<BudgetToday> {
  const billed = await redis().hget(keys.budgetDay(dayId(now)), "total");
  const e = env();
  return {
    day: dayId(now),
    billedTokens: Number(billed) || 0,
    limitTokens: e.OPENAI_BUDGET_TOKENS_PER_DAY,
    perVisitorLimitTokens: e.OPENAI_BUDGET_TOKENS_PER_VISITOR_PER_DAY,
  };
}

/**
 * Counts one model call's billed tokens as it goes: `streaming` returns what to add at a write
 * (the prompt's estimate at the first, then the output's growth), `settle` what corrects the
 * total to the provider's own figure once the call completed (negative when the estimate ran high).
 */
export class BillMeter {
  /** `counted`: tokens of this call already billed (by an earlier delivery, for a resumed call). */
  constructor(
    private readonly promptTokens: number,
    private counted = 0,
  ) {}

  /** Tokens of this call billed so far. */
  get billed(): number {
    return this.counted;
  }

  streaming(outputChars: number): number {
    const estimate = this.promptTokens + estimateTokens(outputChars);
    const delta = Math.max(0, estimate - this.counted);
    this.counted += delta;
    return delta;
  }

  settle(usage: { inputTokens: number; outputTokens: number }): number {
    const actual = usage.inputTokens + usage.outputTokens;
    const delta = actual - this.counted;
    this.counted = actual;
    return delta;
  }
}
