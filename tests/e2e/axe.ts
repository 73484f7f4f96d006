import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";

/** axe-core's browser bundle, injected into the page under test (nothing is downloaded). */
const AXE_SCRIPT = fileURLToPath(
  new URL("../../node_modules/axe-core/axe.min.js", import.meta.url),
);

/** One axe-core violation as a test failure reads it: rule, impact, what it means, where. */
export type Violation = { id: string; impact: string; help: string; nodes: string[] };

/**
 * Runs axe-core over the whole page as it stands and returns its serious and critical
 * violations (the ones that lock a person out or make a task very hard; moderate and minor
 * ones are advice). The script is injected once per document, so a test can audit one page in
 * several states without reloading it.
 */
export async function seriousViolations(page: Page): Promise<Violation[]> {
  const injected = await page.evaluate(() => "axe" in window);
  if (!injected) await page.addScriptTag({ path: AXE_SCRIPT });
  return page.evaluate(async () => {
    type AxeResult = {
      violations: Array<{
        id: string;
        impact: string | null;
        help: string;
        nodes: Array<{ target: unknown[] }>;
      }>;
    };
    const axe = (
      window as unknown as { axe: { run(context: Document, options: object): Promise<AxeResult> } }
    ).axe;
    const { violations } = await axe.run(document, { resultTypes: ["violations"] });
    return violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => ({
        id: v.id,
        impact: v.impact ?? "",
        help: v.help,
        nodes: v.nodes.map((n) => n.target.join(" ")),
      }));
  });
}
