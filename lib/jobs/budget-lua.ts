/**
 * Lua fragments of the token budget, spliced into the job scripts (lib/jobs/budget.ts keeps the
 * TypeScript side and names the inputs: budgetGate, budgetMeter). Billed tokens are counted in
 * `budget:day:{YYYY-MM-DD}` and `budget:hour:{YYYY-MM-DDTHH}` (UTC): field `total`, and one
 * field per visitor (its keyed hash). Each fragment reads the host script's locals by name.
 */
export const BUDGET_LUA = {
  /**
   * Returns early from a script that would start new work once the day's budget is spent: with
   * {code, 'total' | 'visitor', tokens spent}. Needs: budgetDayKey ('' = no budget), budgetTotal
   * and budgetPerVisitor (tokens, 0 = none), budgetVisitor (the visitor's field).
   */
  refuse: (code: number) => `-- needs: budgetDayKey, budgetTotal, budgetPerVisitor, budgetVisitor
if budgetDayKey ~= '' then
  local spent = redis.call('HMGET', budgetDayKey, 'total', budgetVisitor)
  local all, mine = tonumber(spent[1]) or 0, tonumber(spent[2]) or 0
  local total, perVisitor = tonumber(budgetTotal), tonumber(budgetPerVisitor)
  if total > 0 and all >= total then return {${code}, 'total', all} end
  if perVisitor > 0 and mine >= perVisitor then return {${code}, 'visitor', mine} end
end
`,
  /**
   * Adds billedTokens (may be negative: an estimate corrected) to the day and hour, total and
   * visitor. Needs: budgetDayKey and budgetHourKey ('' = no budget), billedTokens,
   * budgetVisitor, budgetDayTtl and budgetHourTtl (s).
   */
  bill: `-- needs: budgetDayKey, budgetHourKey, billedTokens, budgetVisitor
-- needs: budgetDayTtl, budgetHourTtl
if tonumber(billedTokens) ~= 0 and budgetDayKey ~= '' then
  for _, k in ipairs({budgetDayKey, budgetHourKey}) do
    redis.call('HINCRBY', k, 'total', billedTokens)
    redis.call('HINCRBY', k, budgetVisitor, billedTokens)
  end
  redis.call('EXPIRE', budgetDayKey, budgetDayTtl)
  redis.call('EXPIRE', budgetHourKey, budgetHourTtl)
end
`,
};
