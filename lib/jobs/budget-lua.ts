/**
 * Lua fragments of the token budget, spliced into the job scripts (lib/jobs/budget.ts keeps the
 * TypeScript side). Billed tokens are counted in `budget:day:{YYYY-MM-DD}` and
 * `budget:hour:{YYYY-MM-DDTHH}` (UTC): field `total`, and one field per visitor (its keyed hash).
 */
export const BUDGET_LUA = {
  /**
   * Returns early from a script that would start new work once the day's budget is spent: with
   * {code, 'total' | 'visitor', tokens spent}. Needs: the day key ('' = no budget), the total
   * and per-visitor budgets (0 = none), the visitor's field.
   */
  refuse: (code: number, dayKey: string, total: string, perVisitor: string, visitor: string) => `if ${dayKey} ~= '' then
  local spent = redis.call('HMGET', ${dayKey}, 'total', ${visitor})
  local all, mine = tonumber(spent[1]) or 0, tonumber(spent[2]) or 0
  if tonumber(${total}) > 0 and all >= tonumber(${total}) then return {${code}, 'total', all} end
  if tonumber(${perVisitor}) > 0 and mine >= tonumber(${perVisitor}) then return {${code}, 'visitor', mine} end
end
`,
  /** Adds `n` billed tokens (may be negative: an estimate corrected) to the day and hour, total and visitor. */
  bill: (dayKey: string, hourKey: string, n: string, visitor: string, dayTtl: string, hourTtl: string) => `if tonumber(${n}) ~= 0 and ${dayKey} ~= '' then
  for _, k in ipairs({${dayKey}, ${hourKey}}) do
    redis.call('HINCRBY', k, 'total', ${n})
    redis.call('HINCRBY', k, ${visitor}, ${n})
  end
  redis.call('EXPIRE', ${dayKey}, ${dayTtl})
  redis.call('EXPIRE', ${hourKey}, ${hourTtl})
end
`,
};
