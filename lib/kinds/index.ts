import "server-only";
import { z } from "zod";
import { AppError } from "@/lib/errors";
import { kindRegistry, type JobKind } from "@/lib/jobs/kind";
import { businessAnalysis } from "@/lib/kinds/listing/business-analysis";
import { marketIntelligence } from "@/lib/kinds/listing/market-intelligence";
import { riskAssessment } from "@/lib/kinds/listing/risk-assessment";
import { conversationAnalysis } from "@/lib/kinds/conversation";

/**
 * Every kind of job this app runs. Adding a kind is its own module (lib/kinds/<kind>/) and one
 * line here; routes, the page and ops take the rest from its definition.
 */
export const kinds = kindRegistry([
  businessAnalysis,
  marketIntelligence,
  riskAssessment,
  conversationAnalysis,
]);

/** The name of a kind this app runs (what a start's `analysisType` must be). */
export const kindNameSchema = z.enum(kinds.all.map((k) => k.kind) as [string, ...string[]]);

/** The kind of a name the schema above accepted. */
export function kindNamed(name: string): JobKind {
  const kind = kinds.get(name);
  if (!kind) throw new AppError("bad_request:analysis", `Unknown analysis type "${name}".`);
  return kind;
}
