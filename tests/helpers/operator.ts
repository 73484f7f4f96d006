import { TEST_OPS_TOKEN } from "./stack.ts";

/** An operator calling /api/ops/* with the bearer token (as an uptime check or script would). */
export class Operator {
  constructor(
    private readonly baseUrl: string,
    private readonly token = TEST_OPS_TOKEN,
  ) {}

  request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set("authorization", `Bearer ${this.token}`);
    if (init.body) headers.set("content-type", "application/json");
    return fetch(`${this.baseUrl}${path}`, { ...init, headers });
  }

  async get<T>(path: string): Promise<T> {
    const res = await this.request(path);
    if (!res.ok) throw new Error(`GET ${path} → ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  }

  async post<T>(path: string, body: unknown = {}): Promise<T> {
    const res = await this.request(path, { method: "POST", body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`POST ${path} → ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  }
}
