import { env } from "@/lib/env";

/**
 * Estimated cost per model, in US dollars per 1M tokens (input, output): OpenAI's list prices
 * for standard processing. An estimate for the dashboard, not a bill; OPENAI_PRICE_PER_MTOK
 * ("input,output") overrides it for the configured model (other models, discounts).
 */
const LIST_PRICES: Record<string, [number, number]> = {
  "gpt-5": [1.25, 10],
  "gpt-5-mini": [0.25, 2],
  "gpt-5-nano": [0.05, 0.4],
  "gpt-4.1": [2, 8],
  "gpt-4.1-mini": [0.4, 1.6],
  "gpt-4.1-nano": [0.1, 0.4],
  "gpt-4o": [2.5, 10],
  "gpt-4o-mini": [0.15, 0.6],
};

/** [input, output] USD per 1M tokens for `model`, or [0, 0] when unknown (the dashboard says so). */
export function pricePerMTok(model: string): [number, number] {
  const override = env().OPENAI_PRICE_PER_MTOK;
  if (override && model === env().OPENAI_MODEL) return override;
  // Dated snapshots ("gpt-5-mini-2025-08-07") cost what their family costs.
  const family = Object.keys(LIST_PRICES)
    .filter((m) => model === m || model.startsWith(`${m}-2`))
    .sort((a, b) => b.length - a.length)[0];
  return family ? LIST_PRICES[family] : [0, 0];
}
