"use client";

import { useState, type FormEvent } from "react";
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
      const { listing } = await fetchJson<{ listing: ListingSummary }>("/api/listings", { method: "POST", body: JSON.stringify({ title, text }) });
      onAdded(listing);
      setTitle("");
      setText("");
    } catch (e) {
      setError(e instanceof ApiError ? e.message : "Could not save the listing. Check your connection and try again.");
    } finally {
      setSaving(false);
    }
  }

  return (
    <section className="card" aria-labelledby="listings-heading">
      <h2 id="listings-heading">1 · Choose a listing</h2>
      <ul className="listing-grid" role="listbox" aria-label="Business listings">
        {listings.map((l) => (
          <li key={l.id} role="option" aria-selected={selected === l.id}>
            <button type="button" className={selected === l.id ? "listing selected" : "listing"} onClick={() => onSelect(l.id)}>
              <span className="listing-title">{l.title}</span>
              <span className="listing-meta">
                {l.source === "pasted" ? "your text · " : ""}
                {l.chars.toLocaleString("en")} characters
              </span>
              <span className="listing-excerpt">{l.excerpt}</span>
            </button>
          </li>
        ))}
      </ul>
      <details className="paste">
        <summary>Paste your own listing</summary>
        <form onSubmit={onPaste}>
          <label htmlFor="paste-title">Title</label>
          <input id="paste-title" value={title} maxLength={LISTING_TITLE_MAX} onChange={(e) => setTitle(e.target.value)} required />
          <label htmlFor="paste-text">Listing text</label>
          <textarea id="paste-text" value={text} rows={8} maxLength={LISTING_TEXT_MAX} onChange={(e) => setText(e.target.value)} required />
          <div className="row">
            <button type="submit" className="primary" disabled={saving}>
              {saving ? "Saving…" : "Add listing"}
            </button>
            <span className="hint">
              {text.length.toLocaleString("en")} / {LISTING_TEXT_MAX.toLocaleString("en")}
            </span>
          </div>
          {error ? <p className="error" role="alert">{error}</p> : null}
        </form>
      </details>
    </section>
  );
}
