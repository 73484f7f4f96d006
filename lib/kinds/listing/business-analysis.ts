import { z } from "zod";
import { defineAnalysis } from "./definition";
import { listingAnalysis } from "./family";

const params = z.strictObject({
  perspective: z.enum(["buyer", "seller"]).default("buyer").meta({ title: "Perspective" }),
});

const output = z.object({
  summary: z
    .string()
    .describe("Two or three sentences on what the business is and how it performs"),
  strengths: z.array(z.string()).min(1).max(6),
  weaknesses: z.array(z.string()).min(1).max(6),
  valuation: z.object({
    askingPrice: z.enum(["fair", "high", "low", "unknown"]),
    rationale: z.string(),
  }),
  recommendation: z.enum(["pursue", "investigate", "pass"]),
  score: z.number().int().min(0).max(100).describe("Overall attractiveness, 0–100"),
});

export const businessAnalysis = listingAnalysis(
  defineAnalysis({
    type: "business_analysis",
    title: "Business analysis",
    description: "Strengths, weaknesses, valuation and a recommendation.",
    params,
    output,
    chunkInstructions: (p) =>
      `You analyse a business-for-sale listing for a ${p.perspective}. Note the facts in this part of the listing that bear on performance, strengths, weaknesses and price. Be concise.`,
    synthesisInstructions: (p) =>
      `From the notes on each part of the listing, write a business analysis for a ${p.perspective}: summary, strengths, weaknesses, an assessment of the asking price, a recommendation and a 0–100 score.`,
    timeoutMs: 5 * 60_000,
  }),
);
