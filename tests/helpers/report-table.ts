import { appendFileSync, existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type Row = [figure: string, measured: string, target: string];

/**
 * One printed table for a whole vitest project (the bench, the abuse suite's cost report): every
 * file appends its figures as it goes, and the project's global setup prints them together at
 * the end (figure, measured, target), grouped by section.
 */
export function reportTable(name: string) {
  const file = join(tmpdir(), `tabsafe-${name}-report.jsonl`);
  return {
    report(section: string, row: Row): void {
      appendFileSync(file, `${JSON.stringify({ section, row })}\n`);
    },
    /** vitest globalSetup: start from an empty report, print it at the end. */
    setup(): () => void {
      rmSync(file, { force: true });
      return () => {
        if (!existsSync(file)) return;
        const entries = readFileSync(file, "utf8")
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l) as { section: string; row: Row });
        const width = Math.max(...entries.map((e) => e.row[0].length), 6);
        const lines = [`\n${"figure".padEnd(width)}  ${"measured".padEnd(18)}  target`];
        let section = "";
        for (const { section: s, row } of entries) {
          if (s !== section) lines.push(`— ${(section = s)}`);
          lines.push(`${row[0].padEnd(width)}  ${row[1].padEnd(18)}  ${row[2]}`);
        }
        console.log(lines.join("\n"));
      };
    },
  };
}
