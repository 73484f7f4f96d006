"use client";

import { useState } from "react";
import type { AnalysisType } from "@/lib/jobs/schema";
import { ConversationReport } from "./ConversationReport";

type Any = Record<string, unknown>;
const list = (v: unknown) => (Array.isArray(v) ? v : []);
const text = (v: unknown) => String(v ?? "");

/** The finished analysis as a readable report per type, with the raw JSON a click away. */
export function ResultReport({ type, result }: { type: AnalysisType; result: unknown }) {
  const [raw, setRaw] = useState(false);
  const [copied, setCopied] = useState(false);
  const json = JSON.stringify(result, null, 2);
  const r = (result ?? {}) as Any;
  return (
    <div className="report" data-testid="result">
      <div className="row spread">
        <h3>Report</h3>
        <div className="row">
          <button type="button" onClick={() => setRaw((v) => !v)} aria-pressed={raw}>
            {raw ? "Show report" : "Raw JSON"}
          </button>
          <button
            type="button"
            onClick={() =>
              void navigator.clipboard?.writeText(json).then(
                () => setCopied(true),
                () => setCopied(false),
              )
            }
          >
            {copied ? "Copied" : "Copy JSON"}
          </button>
        </div>
      </div>
      {raw ? (
        <pre className="raw">{json}</pre>
      ) : type === "conversation_analysis" ? (
        <ConversationReport result={result} />
      ) : type === "business_analysis" ? (
        <Business r={r} />
      ) : type === "market_intelligence" ? (
        <Market r={r} />
      ) : (
        <Risk r={r} />
      )}
    </div>
  );
}

function Business({ r }: { r: Any }) {
  const valuation = (r.valuation ?? {}) as Any;
  return (
    <>
      <p className="lead">{text(r.summary)}</p>
      <div className="facts">
        <Fact
          label="Recommendation"
          value={text(r.recommendation)}
          tone={
            r.recommendation === "pursue" ? "ok" : r.recommendation === "pass" ? "bad" : undefined
          }
        />
        <Fact label="Score" value={`${text(r.score)} / 100`} />
        <Fact label="Asking price" value={text(valuation.askingPrice)} />
      </div>
      <p className="hint">{text(valuation.rationale)}</p>
      <Columns
        a={["Strengths", list(r.strengths).map(text)]}
        b={["Weaknesses", list(r.weaknesses).map(text)]}
      />
    </>
  );
}

function Market({ r }: { r: Any }) {
  return (
    <>
      <p className="lead">{text(r.marketSummary)}</p>
      <div className="facts">
        <Fact
          label="Demand outlook"
          value={text(r.demandOutlook)}
          tone={
            r.demandOutlook === "growing"
              ? "ok"
              : r.demandOutlook === "declining"
                ? "bad"
                : undefined
          }
        />
      </div>
      <h4>Competitors</h4>
      <ul className="bullets">
        {list(r.competitors).map((c, i) => (
          <li key={i}>
            {text((c as Any).name)}{" "}
            <span className={`chip ${(c as Any).threat === "high" ? "bad" : ""}`}>
              {text((c as Any).threat)} threat
            </span>
          </li>
        ))}
      </ul>
      <Columns
        a={["Trends", list(r.trends).map(text)]}
        b={["Opportunities", list(r.opportunities).map(text)]}
      />
    </>
  );
}

function Risk({ r }: { r: Any }) {
  return (
    <>
      <div className="facts">
        <Fact
          label="Overall risk"
          value={text(r.overallRisk)}
          tone={
            r.overallRisk === "low"
              ? "ok"
              : r.overallRisk === "high" || r.overallRisk === "critical"
                ? "bad"
                : undefined
          }
        />
      </div>
      <table className="risks">
        <thead>
          <tr>
            <th scope="col">Area</th>
            <th scope="col">Severity</th>
            <th scope="col">Risk and mitigation</th>
          </tr>
        </thead>
        <tbody>
          {list(r.risks).map((x, i) => (
            <tr key={i}>
              <td>{text((x as Any).area)}</td>
              <td>
                <span
                  className={`chip ${["high", "critical"].includes(text((x as Any).severity)) ? "bad" : ""}`}
                >
                  {text((x as Any).severity)}
                </span>
              </td>
              <td>
                {text((x as Any).description)}
                <br />
                <span className="hint">Mitigation: {text((x as Any).mitigation)}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Columns
        a={["Deal-breakers", list(r.dealBreakers).map(text)]}
        b={["Due diligence", list(r.dueDiligence).map(text)]}
      />
    </>
  );
}

function Fact({ label, value, tone }: { label: string; value: string; tone?: "ok" | "bad" }) {
  return (
    <div className="fact">
      <span className="hint">{label}</span>
      <span className={`chip ${tone ?? ""}`}>{value}</span>
    </div>
  );
}

function Columns({ a, b }: { a: [string, string[]]; b: [string, string[]] }) {
  return (
    <div className="columns">
      {[a, b].map(([title, items]) => (
        <div key={title}>
          <h4>{title}</h4>
          {items.length ? (
            <ul className="bullets">
              {items.map((item, i) => (
                <li key={i}>{item}</li>
              ))}
            </ul>
          ) : (
            <p className="hint">None noted.</p>
          )}
        </div>
      ))}
    </div>
  );
}
