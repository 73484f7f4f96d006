import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { chunkText } from "@/lib/kinds/listing/chunk";
import { canonicalParams, identityHash } from "@/lib/jobs/identity";
import * as scripts from "@/lib/jobs/scripts";
import { planSteps, stepLabel } from "@/lib/kinds/listing/steps";
import { fromHash } from "@/lib/jobs/schema";

describe("chunkText", () => {
  it("keeps short text whole and splits long text on paragraph boundaries, losing nothing", () => {
    expect(chunkText("short text")).toEqual(["short text"]);
    const paragraphs = Array.from({ length: 12 }, (_, i) => `Paragraph ${i}. ${"word ".repeat(60)}`.trim());
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
    expect(identityHash("o1", input, { a: 1, b: 2 })).toBe(identityHash("o1", input, { b: 2, a: 1 }));
    expect(identityHash("o1", input, { a: 1 })).not.toBe(identityHash("o2", input, { a: 1 }));
    expect(identityHash("o1", input, { a: 1 })).not.toBe(identityHash("o1", input, { a: 2 }));
    expect(identityHash("o1", input, { a: 1 })).not.toBe(identityHash("o1", { listingId: "lst_b" }, { a: 1 }));
    expect(identityHash("o1", input, {})).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe("steps", () => {
  it("plans prepare, one analyze per chunk, synthesize, validate, save", () => {
    expect(planSteps(2)).toEqual(["prepare", "analyze:0", "analyze:1", "synthesize", "validate", "save"]);
    expect(stepLabel("analyze:2", 8)).toBe("analyzing chunk 3 of 8");
  });
});

describe("job hash", () => {
  it("reads back every field from the readable strings stored in Redis", () => {
    const job = fromHash("abc", {
      owner: "v_1", listingId: "lst_x", analysisType: "risk_assessment", params: '{"riskTolerance":"low"}', status: "running",
      progress: "40", step: '{"name":"analyze:0","index":2,"total":5,"label":"analyzing chunk 1 of 1"}', partialOutput: "so far",
      attempt: "2", createdAt: "1000", updatedAt: "2000", startedAt: "1500", cancelRequested: "0", etaMs: "", usageIn: "10", usageOut: "4", version: "7",
    });
    expect(job).toMatchObject({ id: "abc", progress: 40, step: { index: 2, total: 5 }, attempt: 2, startedAt: 1500, finishedAt: null, etaMs: null, cancelRequested: false, usage: { inputTokens: 10, outputTokens: 4 }, result: null, error: null });
  });
});

describe("Lua scripts", () => {
  // Pinned so a change to a script is a deliberate, reviewed change: EVALSHA caches by this hash.
  const pinned: Record<string, string> = {};
  it("each opens with its contract and has a pinned SHA-1", () => {
    const entries = Object.entries(scripts);
    expect(entries.length).toBe(10);
    for (const [name, source] of entries) {
      expect(source).toContain(`--[[ ${name}:`);
      expect(source).toMatch(/KEYS\[1\]/);
      expect(source).toMatch(/Returns/);
      pinned[name] = createHash("sha1").update(source).digest("hex");
    }
    expect(pinned).toMatchInlineSnapshot(`
      {
        "CHECKPOINT_STEP": "1fc32d8063741f96e1cd438e24db64dfa44afbac",
        "CREATE_JOB": "8967719bbfad8e55fda3b2385d2007bb123aeedf",
        "FIND_JOB": "48b69c4d2b0a32dd4b77898d420f2eb0716fb7d6",
        "FINISH_JOB": "09837befef84e0dc50185ebfd9d225638586e9fe",
        "LEASE_JOB": "92550b6ef4dbea07f88fc7687969819dec49782d",
        "LIST_OWNER_JOBS": "a7ce2c7b9b22e7d879c7c41e5abc52b1b016fdda",
        "RELEASE_LEASE": "1c2dc34769bb5fcddead7aa58df274c0b4e4e439",
        "REQUEST_CANCEL": "530928e1feabd4e9c97732b3adf3c53416efbc24",
        "RETRY_JOB": "3aa1354da8123b3875217fdc29a66f256247c770",
        "REVIVE_JOB": "d660e87a61a2c166056c819961b0f6b12d7a5280",
      }
    `);
  });
});
