import { appendFileSync, existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * One table for the whole `npm run bench`: every bench file appends its figures here as it
 * goes, and the bench project's global teardown prints them together (figure, measured, target).
 */
const FILE = join(tmpdir(), "tabsafe-bench-report.jsonl");

export type Row = [figure: string, measured: string, target: string];

export function report(section: string, row: Row): void {
  appendFileSync(FILE, `${JSON.stringify({ section, row })}\n`);
}

/** vitest globalSetup: start from an empty report, print it at the end. */
export default function setup(): () => void {
  rmSync(FILE, { force: true });
  return () => {
    if (!existsSync(FILE)) return;
    const entries = readFileSync(FILE, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { section: string; row: Row });
    const width = Math.max(...entries.map((e) => e.row[0].length), 6);
    const lines = [`\n${"figure".padEnd(width)}  ${"measured".padEnd(18)}  target`];
    let section = "";
    for (const { section: s, row } of entries) {
      if (s !== section) lines.push(`— ${(section = s)}`);
      lines.push(`${row[0].padEnd(width)}  ${row[1].padEnd(18)}  ${row[2]}`);
    }
    console.log(lines.join("\n"));
  };
}
