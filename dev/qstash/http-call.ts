/**
 * One HTTP request to a destination, with the controls a delivery needs: a timeout
 * (Upstash-Timeout), an abort signal (stop()), and a deliberate mid-request cut (the cutoff
 * fault). It uses node:http directly, one connection per attempt, so cutting really closes the
 * socket the destination is reading from and nothing is pooled between attempts.
 */
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { canonicalMap } from "./headers.ts";
import type { HeaderMap } from "./types.ts";

/** Response bodies are kept (for the DLQ and callbacks) up to this size. */
const MAX_BODY_BYTES = 1024 * 1024;

export type HttpCall = {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: Buffer;
  timeoutMs: number;
  /** Cut the connection this long after starting, whatever the destination does. */
  cutoffAfterMs?: number;
  signal: AbortSignal;
};

export type HttpResult =
  | { ok: true; status: number; header: HeaderMap; body: Buffer }
  | { ok: false; reason: "timeout" | "cutoff" | "network" | "aborted"; error: string };

export function httpCall(call: HttpCall): Promise<HttpResult> {
  return new Promise((resolve) => {
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = (result: HttpResult) => {
      if (settled) return;
      settled = true;
      timers.forEach(clearTimeout);
      call.signal.removeEventListener("abort", onAbort);
      resolve(result);
    };
    const send = call.url.startsWith("https:") ? httpsRequest : httpRequest;
    const headers = { ...call.headers, "Content-Length": String(call.body.length) };
    const req = send(call.url, { method: call.method, headers, agent: false });
    const fail = (reason: "timeout" | "cutoff" | "aborted", error: string) => {
      finish({ ok: false, reason, error });
      req.destroy();
    };
    const onAbort = () => fail("aborted", "delivery aborted: the stand-in stopped");
    call.signal.addEventListener("abort", onAbort);
    if (call.signal.aborted) return onAbort();
    timers.push(
      setTimeout(
        () => fail("timeout", `no response within ${call.timeoutMs} ms (Upstash-Timeout)`),
        call.timeoutMs,
      ),
    );
    if (call.cutoffAfterMs !== undefined) {
      // Even a response that already arrived is lost: the connection dropped before QStash could count it.
      timers.push(
        setTimeout(
          () => fail("cutoff", `connection cut after ${call.cutoffAfterMs} ms (fault injection)`),
          call.cutoffAfterMs,
        ),
      );
    }
    req.on("error", (error) => finish({ ok: false, reason: "network", error: error.message }));
    req.on("response", (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        if (size < MAX_BODY_BYTES) chunks.push(chunk.subarray(0, MAX_BODY_BYTES - size));
        size += chunk.length;
      });
      res.on("error", (error) => finish({ ok: false, reason: "network", error: error.message }));
      res.on("end", () => {
        if (call.cutoffAfterMs !== undefined) return; // the cut decides this attempt
        finish({
          ok: true,
          status: res.statusCode ?? 0,
          header: canonicalMap(res.headersDistinct),
          body: Buffer.concat(chunks),
        });
      });
    });
    req.end(call.body);
  });
}
