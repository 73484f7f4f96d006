import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { discoverApiRoutes, routeExists } from "./harness.ts";
import { EXPECTED_SOON, fuzzGroups } from "./targets/index.ts";

/**
 * The fuzz suite covers the app as it is: a route added under app/api without a fuzz target
 * fails here, so it cannot ship without its bad input being tried.
 */
const MIN_INPUTS_PER_ROUTE = 1000;
const targets = Object.values(fuzzGroups).flat();

describe("fuzz coverage", () => {
  it("every route under app/api has fuzz targets with at least 1000 inputs in all", () => {
    const inputs = new Map<string, number>();
    for (const t of targets) inputs.set(t.route, (inputs.get(t.route) ?? 0) + (t.numRuns ?? 1000));
    const short = discoverApiRoutes()
      .filter((route) => (inputs.get(route) ?? 0) < MIN_INPUTS_PER_ROUTE)
      .map(
        (route) =>
          `app/api/${route}/route.ts: ${inputs.get(route) ?? 0} inputs (add a target in tests/fuzz/targets/)`,
      );
    expect(short).toEqual([]);
  });

  it("every target names a route that exists, or one announced in EXPECTED_SOON", () => {
    const dead = targets
      .filter((t) => !routeExists(t.route) && !EXPECTED_SOON.includes(t.route))
      .map((t) => `${t.route}: ${t.title}`);
    expect(dead).toEqual([]);
  });

  it("every group of targets runs in its own file, with its own test stack", () => {
    const missing = Object.keys(fuzzGroups).filter((group) => {
      const file = join(import.meta.dirname, `${group}.fuzz.test.ts`);
      return !existsSync(file) || !readFileSync(file, "utf8").includes(`fuzzGroups.${group}`);
    });
    expect(missing).toEqual([]);
  });
});
