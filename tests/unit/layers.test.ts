import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * Layers point down (README.md, "Folders"): a folder of lib/ imports only from its own layer or
 * below, and no two folders import each other, even through others. The files at lib's root
 * are nodes of their own (lib/env.ts is "env"). A type-only import counts: it ties the two
 * folders as much as a value does. From the ground up:
 */
const LAYERS: Record<string, number> = {
  // The environment, parsed once, and the one error model.
  env: 0,
  errors: 0,
  // Clients and keys of the store; who owns a request.
  redis: 1,
  auth: 1,
  // The AI provider: client, stream, circuit.
  openai: 2,
  // What the app records about itself: logs, failures and their codes, error groups, metrics.
  telemetry: 3,
  // Requests and responses; an unexpected error is handed to telemetry.
  http: 4,
  // QStash's side of a delivery; rate limits.
  qstash: 5,
  limits: 5,
  // What a job reads: listings and conversations; the stack check.
  listings: 6,
  conversations: 6,
  stack: 6,
  // The job engine and the kinds of job it runs.
  jobs: 7,
  kinds: 7,
  // The operator's side: dashboards, alerts, health, DLQ, operator auth.
  ops: 8,
};

/** Folders outside lib/ that sit above all of it (routes, pages, UI): lib never imports them. */
const ABOVE_LIB = ["app", "components", "hooks"];

const root = resolve(import.meta.dirname, "..", "..");
const libDir = join(root, "lib");

type Import = { file: string; specifier: string };
type Edge = Import & { from: string; to: string };

/** Every module specifier of a source text: import/export … from, import("…"), import "…". */
function specifiers(source: string): string[] {
  const patterns = [
    /\b(?:import|export)\s[^;'"]*?\bfrom\s*["']([^"']+)["']/g,
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
    /\bimport\s*["']([^"']+)["']/g,
  ];
  return patterns.flatMap((p) => [...source.matchAll(p)].map((m) => m[1]));
}

/** The node a path under lib/ belongs to: its top folder, or the root file's name. */
function nodeOf(pathInLib: string): string {
  const [first, ...rest] = pathInLib.split("/");
  return rest.length ? first : first.replace(/\.(ts|tsx)$/, "");
}

/** Where a specifier of `file` points: a lib node, a folder above lib, or null (a package). */
function target(file: string, specifier: string): string | null {
  let path: string;
  if (specifier.startsWith("@/")) path = specifier.slice(2);
  else if (specifier.startsWith("."))
    path = relative(root, resolve(dirname(join(root, file)), specifier));
  else return null;
  const [top, ...rest] = path.split("/");
  if (top === "lib") return rest.length ? nodeOf(rest.join("/")) : null;
  return ABOVE_LIB.includes(top) ? top : null;
}

function libFiles(): string[] {
  return (readdirSync(libDir, { recursive: true }) as string[])
    .filter((f) => /\.(ts|tsx)$/.test(f))
    .map((f) => join("lib", f).split("\\").join("/"));
}

function edges(): Edge[] {
  return libFiles().flatMap((file) => {
    const from = nodeOf(file.slice("lib/".length));
    return specifiers(readFileSync(join(root, file), "utf8")).flatMap((specifier) => {
      const to = target(file, specifier);
      return to && to !== from ? [{ file, specifier, from, to }] : [];
    });
  });
}

/** The first loop of folders found, as [a, b, …, a] with one import for each step, or null. */
function findCycle(all: Edge[]): { path: string[]; via: Import[] } | null {
  const out = new Map<string, Edge[]>();
  for (const e of all) out.set(e.from, [...(out.get(e.from) ?? []), e]);
  const done = new Set<string>();
  const stack: Edge[] = [];
  const onStack = new Set<string>();
  const visit = (node: string): { path: string[]; via: Import[] } | null => {
    onStack.add(node);
    const seen = new Set<string>();
    for (const e of out.get(node) ?? []) {
      if (seen.has(e.to) || done.has(e.to)) continue;
      seen.add(e.to);
      stack.push(e);
      if (onStack.has(e.to)) {
        const loop = stack.slice(stack.findIndex((s) => s.from === e.to));
        return { path: [...loop.map((s) => s.from), e.to], via: loop };
      }
      const found = visit(e.to);
      if (found) return found;
      stack.pop();
    }
    onStack.delete(node);
    done.add(node);
    return null;
  };
  for (const node of out.keys()) {
    const found = done.has(node) ? null : visit(node);
    if (found) return found;
  }
  return null;
}

const where = (i: Import) => `${i.file} imports "${i.specifier}"`;

describe("lib's layers", () => {
  it("the scanner reads every kind of import, and finds a known one in the tree", () => {
    const source = [
      'import "server-only";',
      'import { a, type B } from "@/lib/redis/client";',
      "import type {\n  C,\n} from '../qstash/answer';",
      'export { d } from "./sibling";',
      'export * from "@/lib/env";',
      'const e = await import("@/lib/ops/alerts");',
    ].join("\n");
    expect(specifiers(source).sort()).toEqual(
      [
        "server-only",
        "@/lib/redis/client",
        "../qstash/answer",
        "./sibling",
        "@/lib/env",
        "@/lib/ops/alerts",
      ].sort(),
    );
    expect(target("lib/jobs/runner.ts", "../qstash/answer")).toBe("qstash");
    expect(target("lib/jobs/runner.ts", "./store")).toBe("jobs");
    expect(target("lib/jobs/runner.ts", "@/lib/env")).toBe("env");
    expect(target("lib/jobs/runner.ts", "zod")).toBeNull();
    const all = edges();
    expect(all).toContainEqual(
      expect.objectContaining({ file: "lib/jobs/runner.ts", specifier: "@/lib/env", to: "env" }),
    );
    expect(all.length).toBeGreaterThan(100);
  });

  it("every folder of lib is on the layer map", () => {
    const nodes = new Set(libFiles().map((f) => nodeOf(f.slice("lib/".length))));
    const unknown = [...nodes]
      .filter((n) => !(n in LAYERS))
      .map((n) => `add lib/${n} to the layer map`);
    expect(unknown, "tests/unit/layers.test.ts LAYERS").toEqual([]);
  });

  it("no folder imports one above it, nor app/, components/ or hooks/", () => {
    const upward = edges()
      .filter(
        (e) => ABOVE_LIB.includes(e.to) || (LAYERS[e.to] ?? -1) > (LAYERS[e.from] ?? Infinity),
      )
      .map(
        (e) =>
          `lib/${e.from} (layer ${LAYERS[e.from]}) → ${e.to in LAYERS ? `lib/${e.to} (layer ${LAYERS[e.to]})` : `${e.to}/`}: ${where(e)}`,
      );
    expect(upward).toEqual([]);
  });

  it("no two folders import each other, even through others", () => {
    const cycle = findCycle(edges());
    const told = cycle ? `${cycle.path.join(" → ")}\n${cycle.via.map(where).join("\n")}` : null;
    expect(told, "a cycle between lib's folders").toBeNull();
  });
});
