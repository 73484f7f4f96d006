import { z } from "zod";
import { defineAnalysis } from "./definition";
import { listingAnalysis } from "./family";

const params = z.strictObject({
  horizonYears: z.number().int().min(1).max(10).default(3).meta({ title: "Horizon (years)" }),
});

const output = z.object({
  marketSummary: z.string(),
  demandOutlook: z.enum(["growing", "stable", "declining"]),
  competitors: z
    .array(z.object({ name: z.string(), threat: z.enum(["low", "medium", "high"]) }))
    .min(1)
    .max(5),
  trends: z.array(z.string()).min(1).max(6),
  opportunities: z.array(z.string()).min(1).max(6),
});

export const marketIntelligence = listingAnalysis(
  defineAnalysis({
    type: "market_intelligence",
    title: "Market intelligence",
    description: "Demand outlook, competitors, trends and opportunities.",
    params,
    output,
    chunkInstructions: (p) =>
      `You study the market around a business-for-sale listing over the next ${p.horizonYears} years. Note what this part of the listing says about customers, competitors, demand and trends.`,
    synthesisInstructions: (p) =>
      `From the notes, write market intelligence for the next ${p.horizonYears} years: a summary, the demand outlook, competitors with their threat level, trends and opportunities.`,
    timeoutMs: 5 * 60_000,
  }),
);
