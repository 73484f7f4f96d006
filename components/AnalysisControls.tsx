"use client";

import { useEffect, useRef } from "react";
import type { AnalysisType, Params } from "@/lib/jobs/schema";
import type { KindView } from "@/lib/kinds/view";
import { NumberField } from "./NumberField";

type Props = {
  /** The kinds offered here (their labels and params forms). */
  kinds: readonly KindView[];
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
export function AnalysisControls({
  kinds,
  analysisType,
  params,
  running,
  canceling = false,
  busy,
  disabled,
  onType,
  onParams,
  onStart,
  onCancel,
}: Props) {
  const info = kinds.find((k) => k.kind === analysisType) ?? kinds[0];
  const { start, cancel } = useFocusFollowsAction(running);
  // Not `disabled` while starting: a disabled button drops the keyboard focus to the page body.
  const unavailable = disabled || busy;
  return (
    <section className="card" aria-labelledby="analysis-heading">
      <h2 id="analysis-heading">2 · Choose an analysis</h2>
      <div className="controls">
        <label className="field">
          <span>Analysis type</span>
          <select
            data-testid="analysis-type"
            value={analysisType}
            disabled={running}
            onChange={(e) => onType(e.target.value as AnalysisType)}
          >
            {kinds.map((k) => (
              <option key={k.kind} value={k.kind}>
                {k.label}
              </option>
            ))}
          </select>
        </label>
        {info.params.map((field) =>
          field.kind === "select" ? (
            <label className="field" key={field.name}>
              <span>{field.label}</span>
              <select
                value={String(params[field.name] ?? field.default)}
                disabled={running}
                onChange={(e) => onParams({ ...params, [field.name]: e.target.value })}
              >
                {field.options.map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
              </select>
            </label>
          ) : (
            <NumberField
              key={field.name}
              label={field.label}
              value={Number(params[field.name] ?? field.default)}
              min={field.min}
              max={field.max}
              disabled={running}
              onChange={(n) => onParams({ ...params, [field.name]: n })}
            />
          ),
        )}
        <div className="action">
          {running ? (
            <button
              type="button"
              data-testid="cancel"
              className="danger"
              onClick={onCancel}
              aria-disabled={canceling}
              data-canceling={canceling || undefined}
              {...cancel}
            >
              {canceling ? "Canceling…" : "Cancel"}
            </button>
          ) : (
            <button
              type="button"
              data-testid="start"
              className="primary"
              onClick={() => !unavailable && onStart()}
              aria-disabled={unavailable}
              {...start}
            >
              {busy ? "Starting…" : "Start analysis"}
            </button>
          )}
        </div>
      </div>
      <p className="hint">
        {info.blurb} You can close or switch tabs: the analysis keeps running and this page picks it
        up again.
      </p>
    </section>
  );
}

/**
 * Start and Cancel take each other's place. A person on one of them (keyboard or screen
 * reader) lands on the other when it appears, instead of on the page body, where the next Tab
 * starts over at the top (18 Tabs back to Cancel). Focus is "on the action" from the moment
 * either button gets it until it goes to another element; the button's own removal (blur
 * with no element taking over) does not count as leaving. `preventScroll`: a mouse user who
 * has scrolled down to the report is not pulled back up when the job ends.
 */
function useFocusFollowsAction(running: boolean) {
  const onAction = useRef(false);
  const start = useRef<HTMLButtonElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const lost = document.activeElement === null || document.activeElement === document.body;
    if (onAction.current && lost)
      (running ? cancel : start).current?.focus({ preventScroll: true });
  }, [running]);
  const handlers = {
    onFocus: () => void (onAction.current = true),
    onBlur: (e: { relatedTarget: EventTarget | null }) =>
      void (e.relatedTarget !== null && (onAction.current = false)),
  };
  return { start: { ref: start, ...handlers }, cancel: { ref: cancel, ...handlers } };
}
