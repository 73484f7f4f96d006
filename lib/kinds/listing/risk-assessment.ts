import { z } from "zod";
import { defineAnalysis } from "./definition";
import { listingAnalysis } from "./family";

const params = z.strictObject({
  riskTolerance: z
    .enum(["low", "medium", "high"])
    .default("medium")
    .meta({ title: "Risk tolerance" }),
});

const output = z.object({
  overallRisk: z.enum(["low", "medium", "high", "critical"]),
  risks: z
    .array(
      z.object({
        area: z.string(),
        description: z.string(),
        severity: z.enum(["low", "medium", "high", "critical"]),
        mitigation: z.string(),
      }),
    )
    .min(1)
    .max(8),
  dealBreakers: z.array(z.string()).max(5),
  dueDiligence: z.array(z.string()).min(1).max(8),
});

export const riskAssessment = listingAnalysis(
  defineAnalysis({
    type: "risk_assessment",
    title: "Risk assessment",
    description: "Risks by area and severity, deal-breakers and a due-diligence list.",
    params,
    output,
    chunkInstructions: (p) =>
      `You assess the risks of buying a business from its listing, for a buyer with ${p.riskTolerance} risk tolerance. Note every risk this part of the listing reveals or hints at.`,
    synthesisInstructions: (p) =>
      `From the notes, write a risk assessment for a buyer with ${p.riskTolerance} risk tolerance: overall risk, each risk with area, severity and mitigation, deal-breakers and a due-diligence checklist.`,
    timeoutMs: 5 * 60_000,
  }),
);
