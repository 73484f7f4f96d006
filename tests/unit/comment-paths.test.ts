import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
const SKIP = new Set(["node_modules", ".next", ".git", "test-results", "playwright-report"]);

const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return SKIP.has(e.name) || e.name.startsWith(".") ? [] : sources(path);
    return /\.(ts|tsx|mjs|js|css)$/.test(e.name) ? [path] : [];
  });

/**
 * The comments of a source file: block and line comments, and the comments of the Lua scripts
 * kept in template strings (`--[[ … ]]`, `-- …`). A `//` counts only at the start of a line or
 * after a space, so URLs are not taken for comments.
 */
function comments(text: string): Array<{ line: number; text: string }> {
  const found: Array<{ at: number; text: string }> = [];
  const patterns = [
    /\/\*[\s\S]*?\*\//g, // /* … */
    /(?<=^|\s)\/\/[^\n]*/gm, // // …
    /--\[\[[\s\S]*?\]\]/g, // --[[ … ]] (Lua)
    /(?<=^|\s)-- [^\n]*/gm, // -- … (Lua)
  ];
  for (const pattern of patterns) {
    for (const m of text.matchAll(pattern)) found.push({ at: m.index, text: m[0] });
  }
  return found.map((c) => ({ line: text.slice(0, c.at).split("\n").length, text: c.text }));
}

/**
 * A file path in prose: `lib/jobs/store.ts`, `@/lib/env.ts`, `../helpers/stack.ts`,
 * `README.md`. Not a suffix (`.fuzz.test.ts`), a pattern (`{name}.ts`, `*.ts`) nor a product
 * (`Next.js`: a bare name ending in .js is not taken for a file).
 */
const SEGMENT = String.raw`[\w@[\]-][\w.@[\]-]*`;
const EXTENSION = String.raw`\.(?:tsx?|mjs|js|json|md|css|lua|ya?ml|sh)`;
const PREFIX = String.raw`(?:@\/|\.\.?\/)?`;
const PATH = new RegExp(
  String.raw`(?<![\w@./{}*<>$-])(${PREFIX}${SEGMENT}(?:\/${SEGMENT})*${EXTENSION})(?![\w/{}*<>-])`,
  "g",
);

/** Where a named file may be: beside the file or in a folder above it, or in node_modules. */
function exists(path: string, from: string): boolean {
  if (!path.includes("/") && path.endsWith(".js")) return true;
  if (path.startsWith("@/")) return existsSync(join(ROOT, path.slice(2)));
  if (path.startsWith("./") || path.startsWith("../")) return existsSync(join(dirname(from), path));
  const folders = [];
  for (let dir = dirname(from); dir.startsWith(`${ROOT}/`); dir = dirname(dir)) folders.push(dir);
  return [...folders, ROOT, join(ROOT, "node_modules")].some((dir) => existsSync(join(dir, path)));
}

describe("comments", () => {
  it("name only files that exist in the repository (or an installed package)", () => {
    const files = sources(ROOT);
    expect(files.length).toBeGreaterThan(100);
    const missing = files.flatMap((file) =>
      comments(readFileSync(file, "utf8")).flatMap((c) =>
        [...c.text.matchAll(PATH)]
          .filter((m) => !exists(m[1], file))
          .map((m) => `${relative(ROOT, file)}:${c.line}: ${m[1]}`),
      ),
    );
    expect(missing).toEqual([]);
  });
});
