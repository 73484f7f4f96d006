/**
 * A browser-like client of the app: keeps its session cookie across requests. `headers` go on
 * every request (an address in x-forwarded-for, as a platform in front would set it); `fresh`:
 * it throws its cookie away before each request, as someone dodging per-visitor limits would.
 */
export class Visitor {
  private cookie = "";
  constructor(
    private readonly baseUrl: string,
    private readonly opts: { headers?: Record<string, string>; fresh?: boolean } = {},
  ) {}

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    for (const [k, v] of Object.entries(this.opts.headers ?? {})) headers.set(k, v);
    if (this.opts.fresh) this.cookie = "";
    if (this.cookie) headers.set("cookie", this.cookie);
    if (typeof init.body === "string" && !headers.has("content-type"))
      headers.set("content-type", "application/json");
    const res = await fetch(`${this.baseUrl}${path}`, { ...init, headers });
    const set = res.headers.getSetCookie().find((c) => c.startsWith("tabsafe_session="));
    if (set) this.cookie = set.split(";")[0];
    return res;
  }

  post(path: string, body: unknown): Promise<Response> {
    return this.request(path, { method: "POST", body: JSON.stringify(body) });
  }

  /** A start of any kind (`input`), or of a listing analysis by `listingId`. */
  async start(body: {
    listingId?: string;
    input?: Record<string, unknown>;
    analysisType: string;
    params?: Record<string, unknown>;
  }) {
    const res = await this.post("/api/analysis/start", body);
    return {
      res,
      body: (await res.json()) as {
        job: JobView;
        deduplicated: boolean;
        nextPollMs: number;
        error?: { code: string };
      },
    };
  }

  async status(jobId: string): Promise<{ res: Response; job: JobView | null }> {
    const res = await this.request(`/api/analysis/status?jobId=${jobId}`);
    const body = res.status === 200 ? ((await res.json()) as { job: JobView }) : null;
    return { res, job: body?.job ?? null };
  }
}

export type JobView = {
  id: string;
  status: string;
  progress: number;
  step: { name: string; index: number; total: number; label: string } | null;
  partialOutput: string;
  result: unknown;
  error: { code: string; category: string; message: string; retryable: boolean } | null;
  attempt: number;
  usage: { inputTokens: number; outputTokens: number };
  /** Tokens billed for it: cut-off and cancelled calls too. */
  billed: number;
  cancelRequested: boolean;
  cachedFrom: string | null;
  retries: number;
  revives: number;
  createdAt: number;
  subject: string;
  input: Record<string, unknown>;
  analysisType: string;
};
