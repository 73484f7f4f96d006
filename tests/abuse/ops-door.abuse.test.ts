import { describe, expect, it } from "vitest";
import { Operator } from "../helpers/operator.ts";
import { testRedis } from "../helpers/redis-scan.ts";
import { TEST_OPS_TOKEN, useTestStack } from "../helpers/stack.ts";
import { report } from "./report.ts";

/**
 * The operator's door against someone guessing OPS_TOKEN, from addresses told apart by the
 * header the platform sets (x-forwarded-for here; see lib/http/client-address.ts).
 */
const stack = useTestStack({
  env: { OPS_AUTH_LIMIT: "5/60", OPS_LOCKOUT: "12/900", CLIENT_ADDRESS_HEADER: "x-forwarded-for" },
});

const from = (address: string, extra: Record<string, string> = {}) => ({
  "x-forwarded-for": address,
  ...extra,
});

async function signIn(token: string, headers: Record<string, string>) {
  return fetch(`${stack.app.url}/api/ops/session`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ token }),
  });
}
const bearer = (token: string, headers: Record<string, string>) =>
  fetch(`${stack.app.url}/api/ops/alerts`, {
    headers: { authorization: `Bearer ${token}`, ...headers },
  });

describe("wrong operator tokens", () => {
  it("are answered 429 with Retry-After past the limit, by form and by Bearer alike, per address", async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await signIn(`guess-${i}-xxxxxxxxxxxx`, from("203.0.113.7"))).status);
    statuses.push((await bearer("guess-bearer-xxxxxxxxxx", from("203.0.113.7"))).status);
    const limited = await signIn("guess-6-xxxxxxxxxxxx", from("203.0.113.7"));
    expect([...statuses, limited.status]).toEqual([401, 401, 401, 401, 401, 429]);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(
      ((await limited.json()) as { error: { code: string; message: string } }).error,
    ).toMatchObject({
      code: "rate_limited:ops",
      message: expect.stringMatching(
        /Too many wrong operator tokens from your network \(5 in 60 s\)/,
      ),
    });
    // Another address is not affected, and the operator still gets in.
    expect((await signIn("guess-other-xxxxxxxxxx", from("198.51.100.1"))).status).toBe(401);
    expect((await signIn(TEST_OPS_TOKEN, from("198.51.100.1"))).status).toBe(204);
  });

  it("lock the address out after a burst, refuse even the right token meanwhile, and raise an alert", async () => {
    const attacker = from("203.0.113.99");
    let last = 0;
    for (let i = 0; i < 13; i++) last = (await signIn(`burst-${i}-xxxxxxxxxxxx`, attacker)).status;
    expect(last).toBe(429);
    const locked = await signIn(TEST_OPS_TOKEN, attacker);
    expect(locked.status).toBe(429);
    expect(((await locked.json()) as { error: { message: string } }).error.message).toMatch(
      /sign-in is locked for \d+ more minute/,
    );
    expect((await bearer(TEST_OPS_TOKEN, attacker)).status).toBe(429);
    const { alerts } = await new Operator(stack.app.url).get<{
      alerts: Array<{ rule: string; state: string }>;
    }>("/api/ops/alerts");
    expect(alerts.find((a) => a.rule === "ops_lockout")?.state).toBe("active");
    // The lockout is stored under a keyed hash of the address, never the address itself.
    const keys = await testRedis().keys(`${stack.prefix}ops:lockout:*`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toContain("203.0.113.99");
  });
});

describe("the ops session", () => {
  it("is a new random id per sign-in, checked on every request, and revoked by sign-out", async () => {
    const cookieOf = async (res: Response) => (res.headers.get("set-cookie") ?? "").split(";")[0];
    const first = await cookieOf(await signIn(TEST_OPS_TOKEN, from("192.0.2.10")));
    const second = await cookieOf(await signIn(TEST_OPS_TOKEN, from("192.0.2.10")));
    expect(first).toMatch(/^tabsafe_ops=[A-Za-z0-9_-]{43}$/);
    expect(second).not.toBe(first);
    const get = (cookie: string) =>
      fetch(`${stack.app.url}/api/ops/alerts`, { headers: { cookie } });
    expect((await get(first)).status).toBe(200);
    const out = await fetch(`${stack.app.url}/api/ops/session`, {
      method: "DELETE",
      headers: { cookie: first },
    });
    expect(out.status).toBe(200);
    expect((await get(first)).status).toBe(401); // revoked on the server, whatever the browser keeps
    expect((await get(second)).status).toBe(200); // other sessions live on
    // Redis holds only a hash of the id, with its TTL (12 h).
    const stored = await testRedis().keys(`${stack.prefix}ops:session:*`);
    expect(stored.some((k) => k.includes(second.split("=")[1]))).toBe(false);
    for (const k of stored) expect(await testRedis().ttl(k)).toBeLessThanOrEqual(12 * 3600);
  });
});

it("guesses per second one client gets answered, and how many are checked against the token", async () => {
  const started = Date.now();
  let answered = 0;
  let checked = 0;
  while (Date.now() - started < 3_000) {
    const res = await signIn(`rate-${answered}-xxxxxxxxxxxx`, from("203.0.113.200"));
    answered++;
    if (res.status === 401) checked++;
  }
  const seconds = (Date.now() - started) / 1000;
  report("operator door", [
    "wrong-token requests answered per second (one address)",
    (answered / seconds).toFixed(0),
    "—",
  ]);
  report("operator door", [
    "… of them compared with the token (the rest refused: 429)",
    `${checked} in ${seconds.toFixed(1)} s`,
    "≤ OPS_AUTH_LIMIT (5 per 60 s)",
  ]);
  expect(checked).toBeLessThanOrEqual(5);
});
