"use client";

import { analysisTypes, type AnalysisType, type Params } from "@/lib/jobs/schema";
import { analysisTypeInfo } from "./analysis-types";

type Props = {
  analysisType: AnalysisType;
  params: Params;
  running: boolean;
  /** A cancel was asked and the job has not stopped yet. */
  canceling?: boolean;
  busy: boolean;
  disabled: boolean;
  onType: (type: AnalysisType) => void;
  onParams: (params: Params) => void;
  onStart: () => void;
  onCancel: () => void;
};

/** Analysis type, its params, and Start — which becomes Cancel while the job runs. */
export function AnalysisControls({ analysisType, params, running, canceling = false, busy, disabled, onType, onParams, onStart, onCancel }: Props) {
  const info = analysisTypeInfo[analysisType];
  return (
    <section className="card" aria-labelledby="analysis-heading">
      <h2 id="analysis-heading">2 · Choose an analysis</h2>
      <div className="controls">
        <label className="field">
          <span>Analysis type</span>
          <select data-testid="analysis-type" value={analysisType} disabled={running} onChange={(e) => onType(e.target.value as AnalysisType)}>
            {analysisTypes.map((t) => (
              <option key={t} value={t}>
                {analysisTypeInfo[t].label}
              </option>
            ))}
          </select>
        </label>
        {info.params.map((field) => (
          <label className="field" key={field.name}>
            <span>{field.label}</span>
            {field.kind === "select" ? (
              <select value={String(params[field.name] ?? field.default)} disabled={running} onChange={(e) => onParams({ ...params, [field.name]: e.target.value })}>
                {field.options.map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
              </select>
            ) : (
              <input
                type="number"
                min={field.min}
                max={field.max}
                value={Number(params[field.name] ?? field.default)}
                disabled={running}
                onChange={(e) => onParams({ ...params, [field.name]: Math.min(field.max, Math.max(field.min, Number(e.target.value) || field.min)) })}
              />
            )}
          </label>
        ))}
        <div className="action">
          {running ? (
            <button type="button" data-testid="cancel" className="danger" onClick={onCancel} aria-disabled={canceling} data-canceling={canceling || undefined}>
              {canceling ? "Canceling…" : "Cancel"}
            </button>
          ) : (
            <button type="button" data-testid="start" className="primary" onClick={onStart} disabled={disabled || busy}>
              {busy ? "Starting…" : "Start analysis"}
            </button>
          )}
        </div>
      </div>
      <p className="hint">{info.blurb} You can close or switch tabs: the analysis keeps running and this page picks it up again.</p>
    </section>
  );
}
