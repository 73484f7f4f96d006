"use client";

import { useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { ApiError, fetchJson } from "@/lib/http/fetcher";
import { LISTING_TEXT_MAX, LISTING_TITLE_MAX, type ListingSummary } from "@/lib/listings/schema";

type Props = {
  listings: ListingSummary[];
  selected: string | null;
  onSelect: (id: string) => void;
  onAdded: (listing: ListingSummary) => void;
};

/** Pick a sample listing or paste your own. */
export function ListingPicker({ listings, selected, onSelect, onAdded }: Props) {
  const [title, setTitle] = useState("");
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  async function onPaste(event: FormEvent) {
    event.preventDefault();
    setSaving(true);
    setError(null);
    try {
      const { listing } = await fetchJson<{ listing: ListingSummary }>("/api/listings", {
        method: "POST",
        body: JSON.stringify({ title, text }),
      });
      onAdded(listing);
      setTitle("");
      setText("");
    } catch (e) {
      setError(
        e instanceof ApiError
          ? e.message
          : "Could not save the listing. Check your connection and try again.",
      );
    } finally {
      setSaving(false);
    }
  }

  return (
    <section className="card" aria-labelledby="listings-heading">
      <h2 id="listings-heading">1 · Choose a listing</h2>
      <ListingOptions listings={listings} selected={selected} onSelect={onSelect} />
      <details className="paste">
        <summary>Paste your own listing</summary>
        <form onSubmit={onPaste}>
          <label htmlFor="paste-title">Title</label>
          <input
            id="paste-title"
            value={title}
            maxLength={LISTING_TITLE_MAX}
            onChange={(e) => setTitle(e.target.value)}
            required
          />
          <label htmlFor="paste-text">Listing text</label>
          <textarea
            id="paste-text"
            value={text}
            rows={8}
            maxLength={LISTING_TEXT_MAX}
            onChange={(e) => setText(e.target.value)}
            required
          />
          <div className="row">
            <button type="submit" className="primary" disabled={saving}>
              {saving ? "Saving…" : "Add listing"}
            </button>
            <span className="hint">
              {text.length.toLocaleString("en")} / {LISTING_TEXT_MAX.toLocaleString("en")}
            </span>
          </div>
          {error ? (
            <p className="error" role="alert">
              {error}
            </p>
          ) : null}
        </form>
      </details>
    </section>
  );
}

/** Keys that move through the listings, and where to: the grid reads as one list, in order. */
const MOVES: Record<string, (i: number, last: number) => number> = {
  ArrowDown: (i, last) => Math.min(last, i + 1),
  ArrowRight: (i, last) => Math.min(last, i + 1),
  ArrowUp: (i) => Math.max(0, i - 1),
  ArrowLeft: (i) => Math.max(0, i - 1),
  Home: () => 0,
  End: (_, last) => last,
};

/**
 * The listings as a single-select listbox (WAI-ARIA APG): one Tab stop, the selected option;
 * arrows, Home and End move through the options and select as they go (choosing a listing
 * only changes what Start will analyse). Options hold text, never a control of their own, so
 * a screen reader hears one option per listing rather than a button inside an option. An
 * option's name is all its text (title, size, excerpt), as seen: naming it by the title alone
 * would hide the rest from voice control (axe's label-content-name-mismatch).
 */
function ListingOptions({ listings, selected, onSelect }: Omit<Props, "onAdded">) {
  const list = useRef<HTMLUListElement>(null);
  const current = Math.max(
    0,
    listings.findIndex((l) => l.id === selected),
  );

  function onKeyDown(event: KeyboardEvent<HTMLUListElement>) {
    const move = MOVES[event.key];
    if (!move || listings.length === 0) return;
    event.preventDefault();
    const next = move(current, listings.length - 1);
    onSelect(listings[next].id);
    list.current?.querySelectorAll<HTMLElement>('[role="option"]')[next]?.focus();
  }

  return (
    <ul
      className="listing-grid"
      // biome-ignore lint/a11y/noNoninteractiveElementToInteractiveRole: the APG listbox pattern described above
      role="listbox"
      aria-label="Business listings"
      ref={list}
      onKeyDown={onKeyDown}
    >
      {listings.map((l, i) => (
        // biome-ignore lint/a11y/useKeyWithClickEvents: the listbox's onKeyDown moves and selects
        <li
          key={l.id}
          // biome-ignore lint/a11y/noNoninteractiveElementToInteractiveRole: an option of the listbox above
          role="option"
          aria-selected={selected === l.id}
          tabIndex={i === current ? 0 : -1}
          className={selected === l.id ? "listing selected" : "listing"}
          onClick={() => onSelect(l.id)}
        >
          <span className="listing-title">{l.title}</span>
          <span className="listing-meta">
            {l.source === "pasted" ? "your text · " : ""}
            {l.chars.toLocaleString("en")} characters
          </span>
          <span className="listing-excerpt">{l.excerpt}</span>
        </li>
      ))}
    </ul>
  );
}
