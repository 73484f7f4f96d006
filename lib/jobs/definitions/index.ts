import type { AnalysisType } from "@/lib/jobs/schema";
import { businessAnalysis } from "./business-analysis";
import { marketIntelligence } from "./market-intelligence";
import { riskAssessment } from "./risk-assessment";
import type { AnalysisDefinition } from "./types";

export type { AnalysisDefinition } from "./types";

export const definitions: Record<AnalysisType, AnalysisDefinition> = {
  business_analysis: businessAnalysis,
  market_intelligence: marketIntelligence,
  risk_assessment: riskAssessment,
};

/** How long a job of this type may run (from its first start) before it is failed, in ms. */
export function jobTimeoutMs(type: AnalysisType, override: number): number {
  return override || definitions[type].timeoutMs;
}
