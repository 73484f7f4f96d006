import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { chunkText } from "@/lib/kinds/chunk";
import { canonicalParams, identityHash } from "@/lib/jobs/identity";
import { planSteps, stepLabel } from "@/lib/kinds/listing/steps";
import { fromHash, isJobId, JOB_ID_PATTERN, jobIdSchema } from "@/lib/jobs/schema";

describe("chunkText", () => {
  it("keeps short text whole and splits long text on paragraph boundaries, losing nothing", () => {
    expect(chunkText("short text")).toEqual(["short text"]);
    const paragraphs = Array.from({ length: 12 }, (_, i) =>
      `Paragraph ${i}. ${"word ".repeat(60)}`.trim(),
    );
    const chunks = chunkText(paragraphs.join("\n\n"), 1_000);
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.every((c) => c.length <= 1_000)).toBe(true);
    expect(chunks.join(" ").replace(/\s+/g, " ")).toBe(paragraphs.join(" ").replace(/\s+/g, " "));
  });

  it("splits text without any break at the size limit", () => {
    expect(chunkText("x".repeat(2_500), 1_000).map((c) => c.length)).toEqual([1_000, 1_000, 500]);
  });
});

describe("identity", () => {
  it("is the same for params in any order, and differs by owner and by value", () => {
    expect(canonicalParams({ b: 1, a: "x" })).toBe('{"a":"x","b":1}');
    const input = { listingId: "lst_a" };
    expect(identityHash("o1", input, { a: 1, b: 2 })).toBe(
      identityHash("o1", input, { b: 2, a: 1 }),
    );
    expect(identityHash("o1", input, { a: 1 })).not.toBe(identityHash("o2", input, { a: 1 }));
    expect(identityHash("o1", input, { a: 1 })).not.toBe(identityHash("o1", input, { a: 2 }));
    expect(identityHash("o1", input, { a: 1 })).not.toBe(
      identityHash("o1", { listingId: "lst_b" }, { a: 1 }),
    );
    expect(identityHash("o1", input, {})).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe("steps", () => {
  it("plans prepare, one analyze per chunk, synthesize, validate, save", () => {
    expect(planSteps(2)).toEqual([
      "prepare",
      "analyze:0",
      "analyze:1",
      "synthesize",
      "validate",
      "save",
    ]);
    expect(stepLabel("analyze:2", 8)).toBe("analyzing chunk 3 of 8");
  });
});

describe("job hash", () => {
  it("reads back every field from the readable strings stored in Redis", () => {
    const job = fromHash("abc", {
      owner: "v_1",
      listingId: "lst_x",
      analysisType: "risk_assessment",
      params: '{"riskTolerance":"low"}',
      status: "running",
      progress: "40",
      step: '{"name":"analyze:0","index":2,"total":5,"label":"analyzing chunk 1 of 1"}',
      partialOutput: "so far",
      attempt: "2",
      createdAt: "1000",
      updatedAt: "2000",
      startedAt: "1500",
      cancelRequested: "0",
      etaMs: "",
      usageIn: "10",
      usageOut: "4",
      version: "7",
    });
    expect(job).toMatchObject({
      id: "abc",
      progress: 40,
      step: { index: 2, total: 5 },
      attempt: 2,
      startedAt: 1500,
      finishedAt: null,
      etaMs: null,
      cancelRequested: false,
      usage: { inputTokens: 10, outputTokens: 4 },
      result: null,
      error: null,
    });
  });
});

describe("job ids", () => {
  it("are 8 to 32 URL- and key-safe characters, by one schema", () => {
    for (const id of ["abcdefgh", "V1StGXR8_Z5jdHi6B-myT", "a".repeat(32)]) {
      expect(isJobId(id), id).toBe(true);
    }
    const bad = ["abcdefg", "a".repeat(33), "abcd efgh", "job:abcdefgh", "abcdéfgh", 12345678];
    for (const id of bad) {
      expect(isJobId(id), String(id)).toBe(false);
    }
    expect(jobIdSchema.safeParse("../../x").error?.issues[0].message).toBe("not a job id");
  });

  it("are checked by no pattern of their own elsewhere (routes, messages, DLQ, /ops)", () => {
    const root = fileURLToPath(new URL("../..", import.meta.url));
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const path = join(dir, e.name);
        return e.isDirectory() ? files(path) : /\.tsx?$/.test(e.name) ? [path] : [];
      });
    const pattern = JOB_ID_PATTERN.source.slice(1, -1);
    const writers = ["app", "lib", "hooks", "components", "dev", "tests"]
      .flatMap((dir) => files(join(root, dir)))
      .filter((f) => readFileSync(f, "utf8").includes(pattern))
      .map((f) => relative(root, f));
    expect(writers).toEqual(["lib/jobs/schema.ts"]);
  });
});
