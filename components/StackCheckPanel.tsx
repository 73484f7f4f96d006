"use client";

import { useState } from "react";

import type { ServiceCheck as Check, StackCheck } from "@/lib/stack/check";

/** Runs GET /api/stack/check: Redis, a signed QStash round trip and OpenAI, each timed. */
export function StackCheckPanel() {
  const [result, setResult] = useState<StackCheck | null>(null);
  const [running, setRunning] = useState(false);

  async function run() {
    setRunning(true);
    try {
      // A failing stack answers 503 with the same body; read it either way.
      const res = await fetch("/api/stack/check", { cache: "no-store" });
      setResult((await res.json()) as StackCheck);
    } catch {
      setResult(null);
    } finally {
      setRunning(false);
    }
  }

  const rows: Array<[string, Check | undefined, string?]> = [
    ["Redis (Upstash REST)", result?.redis],
    ["QStash signed delivery", result?.qstash, result?.qstash.messageId],
    ["OpenAI", result?.openai, result?.openai.simulator ? "simulator" : undefined],
  ];
  return (
    <section className="card" aria-labelledby="stack-heading">
      <div className="row spread">
        <h2 id="stack-heading">Stack check</h2>
        <button type="button" onClick={run} disabled={running}>
          {running ? "Checking…" : "Run check"}
        </button>
      </div>
      <table className="checks" aria-live="polite">
        <tbody>
          {rows.map(([name, check, note]) => (
            <tr key={name}>
              <th scope="row">{name}</th>
              <td>
                {check ? (
                  <span className={check.ok ? "chip ok" : "chip bad"}>
                    {check.ok ? "ok" : "failed"}
                  </span>
                ) : (
                  <span className="chip">—</span>
                )}
              </td>
              <td className="hint">
                {check
                  ? `${check.ms} ms${note ? ` · ${note}` : ""}${check.detail ? ` · ${check.detail}` : ""}`
                  : ""}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
