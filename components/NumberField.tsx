"use client";

import { useId, useState } from "react";

type Props = {
  label: string;
  value: number;
  min: number;
  max: number;
  disabled?: boolean;
  testId?: string;
  onChange: (value: number) => void;
};

/** A whole number within min…max, or null while the text is not one. */
export function parseWhole(text: string, min: number, max: number): number | null {
  if (!/^\s*\d+\s*$/.test(text)) return null;
  const n = Number(text);
  return n >= min && n <= max ? n : null;
}

/** What a field left on `text` settles to: the number, clamped into min…max; `fallback` when there is no number. */
export function settle(text: string, min: number, max: number, fallback: number): number {
  const n = Math.round(Number(text.trim()));
  if (text.trim() === "" || !Number.isFinite(n)) return fallback;
  return Math.min(max, Math.max(min, n));
}

/**
 * A number the person types freely: while they type, the field shows exactly what they typed
 * (an emptied field stays empty, "1" on the way to "10" is not rejected), and each keystroke
 * that makes a valid number passes it on at once. Leaving the field settles it: an empty field
 * goes back to the last valid number, one out of range is clamped into it. Start takes the
 * value passed on, and clicking Start leaves the field first.
 */
export function NumberField({ label, value, min, max, disabled = false, testId, onChange }: Props) {
  const [draft, setDraft] = useState<string | null>(null);
  const hintId = useId();
  const invalid = draft !== null && parseWhole(draft, min, max) === null;
  return (
    <label className="field">
      <span>
        {label}{" "}
        <span className="hint">
          {min}–{max}
        </span>
      </span>
      <input
        type="number"
        min={min}
        max={max}
        step={1}
        value={draft ?? String(value)}
        disabled={disabled}
        data-testid={testId}
        aria-invalid={invalid}
        aria-describedby={invalid ? hintId : undefined}
        onChange={(e) => {
          setDraft(e.target.value);
          const n = parseWhole(e.target.value, min, max);
          if (n !== null) onChange(n);
        }}
        onBlur={() => {
          if (draft === null) return;
          onChange(settle(draft, min, max, value));
          setDraft(null);
        }}
      />
      {invalid ? (
        <span id={hintId} className="error-hint">
          A whole number from {min} to {max}; leaving the field sets the nearest.
        </span>
      ) : null}
    </label>
  );
}
