import type { AnalysisType, Params } from "@/lib/jobs/schema";

/** What the analysis form shows for each type: a label, a blurb, and its params as form fields. */
export type ParamField =
  | { name: string; label: string; kind: "select"; options: Array<{ value: string; label: string }>; default: string }
  | { name: string; label: string; kind: "number"; min: number; max: number; default: number };

export const analysisTypeInfo: Record<AnalysisType, { label: string; blurb: string; params: ParamField[] }> = {
  business_analysis: {
    label: "Business analysis",
    blurb: "Strengths, weaknesses, valuation and a recommendation.",
    params: [{ name: "perspective", label: "Perspective", kind: "select", default: "buyer", options: [{ value: "buyer", label: "Buyer" }, { value: "seller", label: "Seller" }] }],
  },
  market_intelligence: {
    label: "Market intelligence",
    blurb: "Demand outlook, competitors, trends and opportunities.",
    params: [{ name: "horizonYears", label: "Horizon (years)", kind: "number", min: 1, max: 10, default: 3 }],
  },
  risk_assessment: {
    label: "Risk assessment",
    blurb: "Risks by severity, deal-breakers and a due-diligence list.",
    params: [{ name: "riskTolerance", label: "Risk tolerance", kind: "select", default: "medium", options: [{ value: "low", label: "Low" }, { value: "medium", label: "Medium" }, { value: "high", label: "High" }] }],
  },
};

/** The params the server fills in by default, so the same analysis has one identity. */
export function defaultParams(type: AnalysisType): Params {
  return Object.fromEntries(analysisTypeInfo[type].params.map((f) => [f.name, f.default]));
}
