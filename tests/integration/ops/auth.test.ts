import { describe, expect, it } from "vitest";
import { Operator } from "../../helpers/operator.ts";
import { keysWithTtl } from "../../helpers/redis-scan.ts";
import { TEST_OPS_TOKEN, useTestStack } from "../../helpers/stack.ts";

const stack = useTestStack();

/**
 * Every /api/ops route but the sign-in itself, with a method and body that would otherwise work.
 * The alert delivery callback is QStash's, not the operator's: it answers 401 to anything QStash
 * did not sign (an operator's credentials included), with the signature's code.
 */
const ROUTES: Array<[string, string, unknown?, string?]> = [
  ["GET", "/api/ops/overview"],
  ["GET", "/api/ops/visitors"],
  ["GET", "/api/ops/health"],
  ["GET", "/api/ops/alerts"],
  ["GET", "/api/ops/errors"],
  ["GET", "/api/ops/errors/0123456789abcdef"],
  ["POST", "/api/ops/errors/0123456789abcdef/resolve", {}],
  ["GET", "/api/ops/jobs"],
  ["GET", "/api/ops/jobs/abcdefgh12345678"],
  ["GET", "/api/ops/dlq"],
  ["POST", "/api/ops/dlq/replay", { dlqIds: ["x"] }],
  ["POST", "/api/ops/dlq/delete", { dlqIds: ["x"] }],
  ["GET", "/api/ops/flow"],
  ["POST", "/api/ops/flow/pause", { key: "openai-gpt-5-mini" }],
  ["POST", "/api/ops/flow/resume", { key: "openai-gpt-5-mini" }],
  [
    "POST",
    "/api/ops/alerts/delivery?transition=alert.dlq_not_empty.fired.1",
    { status: 200, retried: 0, maxRetries: 3 },
    "unauthorized:signature",
  ],
];

async function call(method: string, path: string, body: unknown, headers: Record<string, string>) {
  const res = await fetch(`${stack.app.url}${path}`, {
    method,
    headers: { ...(body ? { "content-type": "application/json" } : {}), ...headers },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return {
    status: res.status,
    body: (await res.json()) as { error?: { code: string; message: string } },
  };
}

describe("ops auth", () => {
  it.each([
    ["no credentials", {}],
    ["a wrong bearer token", { authorization: "Bearer not-the-ops-token-at-all" }],
    [
      "the token with one character changed",
      { authorization: `Bearer ${TEST_OPS_TOKEN.slice(0, -1)}x` },
    ],
    ["a forged ops cookie", { cookie: "tabsafe_ops=forged-value" }],
    ["the raw token as the cookie", { cookie: `tabsafe_ops=${TEST_OPS_TOKEN}` }],
  ])("answers 401 to every /api/ops route with %s, and writes nothing", async (_label, headers) => {
    const before = (await keysWithTtl(stack.prefix)).map((k) => k.key).sort();
    for (const [method, path, body, code = "unauthorized:ops"] of ROUTES) {
      const res = await call(method, path, body, headers);
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.body.error?.code, `${method} ${path}`).toBe(code);
    }
    expect((await keysWithTtl(stack.prefix)).map((k) => k.key).sort()).toEqual(before);
  });

  it("signs in with the token for an httpOnly cookie that opens the routes, and signs out", async () => {
    const wrong = await call("POST", "/api/ops/session", { token: "wrong-token-wrong-token" }, {});
    expect(wrong.status).toBe(401);
    const res = await fetch(`${stack.app.url}/api/ops/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: TEST_OPS_TOKEN }),
    });
    expect(res.status).toBe(204);
    const setCookie = res.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/^tabsafe_ops=[A-Za-z0-9_-]+; Path=\/; HttpOnly; SameSite=Strict/);
    expect(setCookie).not.toContain(TEST_OPS_TOKEN);
    const cookie = setCookie.split(";")[0];
    expect((await call("GET", "/api/ops/errors", undefined, { cookie })).status).toBe(200);
    const out = await fetch(`${stack.app.url}/api/ops/session`, {
      method: "DELETE",
      headers: { cookie },
    });
    expect(out.headers.get("set-cookie")).toMatch(/^tabsafe_ops=; .*Max-Age=0/);
  });

  it("rejects malformed ops requests with a clear 400 once signed in", async () => {
    const ops = new Operator(stack.app.url);
    for (const path of [
      "/api/ops/overview?window=7",
      "/api/ops/errors?severity=URGENT",
      "/api/ops/errors/not-a-fingerprint",
      "/api/ops/jobs?limit=0",
      "/api/ops/jobs/../../etc",
    ]) {
      const res = await ops.request(path);
      expect([400, 404], path).toContain(res.status);
      expect(((await res.json()) as { error: { code: string } }).error.code).toMatch(
        /^(bad_request|not_found)/,
      );
    }
    const empty = await ops.request("/api/ops/dlq/replay", {
      method: "POST",
      body: JSON.stringify({ dlqIds: [] }),
    });
    expect(empty.status).toBe(400);
  });
});
