import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { waitForStatus } from "../../helpers/jobs.ts";
import { Operator } from "../../helpers/operator.ts";
import { dumpKeys, leakedSecrets } from "../../helpers/redis-scan.ts";
import { useTestStack } from "../../helpers/stack.ts";
import { Visitor } from "../../helpers/visitor.ts";
import type { ErrorGroup, ErrorGroupSummary } from "../../../lib/ops/types.ts";

/**
 * The app runs with an OpenAI key the simulator does not accept, and the simulator's 401 echoes
 * that key in full (worse than OpenAI, which masks it). The key must not reach Redis or a log.
 */
const WRONG_KEY = "sk-proj-Zx9QwErTy1234567890abcdEFGHijklMNOP";
const stack = useTestStack({ env: { OPENAI_API_KEY: WRONG_KEY } });

const logged: string[] = [];
beforeAll(() => {
  for (const level of ["log", "warn", "error", "info"] as const) {
    vi.spyOn(console, level).mockImplementation(
      (...args: unknown[]) => void logged.push(args.map(String).join(" ")),
    );
  }
});
afterAll(() => vi.restoreAllMocks());

describe("secrets and personal data in failures", () => {
  it("a provider error that echoes the API key is grouped as AUTH/CRITICAL with the key redacted everywhere", async () => {
    const visitor = new Visitor(stack.app.url);
    const pasted = await visitor.post("/api/listings", {
      title: "Corner Deli",
      text: "Family deli for sale. Contact jane.doe@example.com or +44 20 7946 0958. ".repeat(8),
    });
    expect(pasted.status).toBe(201);
    const listingId = ((await pasted.json()) as { listing: { id: string } }).listing.id;
    const { body } = await visitor.start({ listingId, analysisType: "business_analysis" });
    const job = await waitForStatus(visitor, body.job.id, ["failed"]);
    expect(job.error).toMatchObject({ code: "openai_auth", category: "AUTH" });
    await stack.qstash.idle();

    const ops = new Operator(stack.app.url);
    const { groups } = await ops.get<{ groups: ErrorGroupSummary[] }>("/api/ops/errors");
    const auth = groups.find((g) => g.code === "openai_auth")!;
    expect(auth).toMatchObject({ category: "AUTH", severity: "CRITICAL", retryable: false });
    const detail = await ops.get<ErrorGroup>(`/api/ops/errors/${auth.fingerprint}`);
    expect(detail.samples[0].detail).toContain("[redacted:api-key]");
    expect(JSON.stringify(detail)).not.toContain(WRONG_KEY);

    // Nothing the app wrote holds the key or another secret of its environment…
    expect(await leakedSecrets(stack.prefix, process.env)).toEqual([]);
    const ops_keys = (await dumpKeys(stack.prefix)).filter((k) =>
      /:(errors|metrics|alerts):/.test(`:${k.key.slice(stack.prefix.length)}`),
    );
    expect(ops_keys.length).toBeGreaterThan(0);
    for (const { key, text } of ops_keys) {
      // …and ops data holds none of the listing's personal data.
      expect(text, key).not.toMatch(/jane\.doe@example\.com|7946 0958/);
    }
    // …nor did any log line.
    expect(logged.some((l) => l.includes("error_recorded"))).toBe(true);
    expect(logged.filter((l) => l.includes(WRONG_KEY))).toEqual([]);
  });
});
