"use client";

import { useId, useState, type FormEvent } from "react";
import {
  CONVERSATION_EXTENSIONS,
  CONVERSATION_MAX_BYTES,
  CONVERSATION_TITLE_MAX,
  type ConversationSummary,
} from "@/lib/conversations/schema";
import { ApiError, fetchJson } from "@/lib/http/fetcher";

type Props = { onUploaded: (conversation: ConversationSummary) => void };

const TYPES = ["text/plain", "text/markdown", "text/vtt", "application/json"];
const ACCEPT = [...CONVERSATION_EXTENSIONS, ...TYPES].join(",");
const MB = CONVERSATION_MAX_BYTES / 1024 / 1024;
const TOO_LARGE = `The conversation is larger than ${MB} MB, the most one upload may hold.`;
const OFFLINE = "Could not upload the conversation. Check your connection and try again.";

/**
 * Upload a transcript file (or paste one) to POST /api/conversations. The server reads it and
 * answers with who spoke and how many turns, or a sentence saying why it could not; that
 * sentence is shown as is. Sizes are checked here first, so a large file is not sent for nothing.
 */
export function ConversationUpload({ onUploaded }: Props) {
  const id = useId();
  const [title, setTitle] = useState("");
  const [text, setText] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [added, setAdded] = useState<ConversationSummary | null>(null);
  const [saving, setSaving] = useState(false);

  async function send(body: FormData | string): Promise<boolean> {
    setSaving(true);
    setError(null);
    setAdded(null);
    try {
      type Answer = { conversation: ConversationSummary };
      const answer = await fetchJson<Answer>("/api/conversations", { method: "POST", body });
      setAdded(answer.conversation);
      onUploaded(answer.conversation);
      return true;
    } catch (e) {
      setError(problem(e));
      return false;
    } finally {
      setSaving(false);
    }
  }

  async function onFile(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    if (!file) {
      setError("Choose a transcript file first.");
      return;
    }
    if (file.size > CONVERSATION_MAX_BYTES) {
      setError(TOO_LARGE);
      return;
    }
    const body = new FormData();
    body.set("file", file);
    if (title.trim()) body.set("title", title.trim());
    if (await send(body)) {
      form.reset();
      setFile(null);
      setTitle("");
    }
  }

  async function onPaste(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (new Blob([text]).size > CONVERSATION_MAX_BYTES) {
      setError(TOO_LARGE);
      return;
    }
    const body = JSON.stringify(title.trim() ? { title: title.trim(), text } : { text });
    if (await send(body)) {
      setText("");
      setTitle("");
    }
  }

  const hint = `${id}-hint`;
  return (
    <section className="card" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>Upload a conversation</h2>
      <div className="upload">
        <label htmlFor={`${id}-title`}>
          Title <span className="hint">(optional; a file is named after itself)</span>
        </label>
        <input
          id={`${id}-title`}
          value={title}
          maxLength={CONVERSATION_TITLE_MAX}
          onChange={(e) => setTitle(e.target.value)}
        />
        <form onSubmit={onFile} className="upload-file">
          <label htmlFor={`${id}-file`}>Transcript file</label>
          <input
            id={`${id}-file`}
            name="file"
            type="file"
            accept={ACCEPT}
            aria-describedby={hint}
            onChange={(e) => setFile(e.target.files?.[0] ?? null)}
            required
          />
          <p id={hint} className="hint">
            Plain text or Markdown with one “Name: what they said” per line, WebVTT or SubRip
            subtitles, or a JSON chat export (ChatGPT, Discord and the like); up to {MB} MB.
          </p>
          <div className="row">
            <button type="submit" className="primary" disabled={saving}>
              {saving ? "Uploading…" : "Upload"}
            </button>
          </div>
        </form>
        <details className="paste">
          <summary>Paste instead</summary>
          <form onSubmit={onPaste}>
            <label htmlFor={`${id}-text`}>Conversation text</label>
            <textarea
              id={`${id}-text`}
              value={text}
              rows={8}
              placeholder={"Alice: Thanks for calling.\nBob: Happy to."}
              onChange={(e) => setText(e.target.value)}
              required
            />
            <div className="row">
              <button type="submit" className="primary" disabled={saving}>
                {saving ? "Saving…" : "Add conversation"}
              </button>
            </div>
          </form>
        </details>
      </div>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      <p className="hint" role="status">
        {added ? addedNote(added) : null}
      </p>
    </section>
  );
}

const addedNote = (c: ConversationSummary) =>
  `Added “${c.title}”: ${c.turns} turns by ${c.speakers.join(", ")}.`;

/** The server's sentence when it gave one; else what the person can do about it. */
function problem(error: unknown): string {
  if (!(error instanceof ApiError)) return OFFLINE;
  // A proxy in front may refuse a large body before the app sees it, without our JSON.
  if (error.status === 413) return error.code.startsWith("http:") ? TOO_LARGE : error.message;
  return error.code.startsWith("http:") ? OFFLINE : error.message;
}
