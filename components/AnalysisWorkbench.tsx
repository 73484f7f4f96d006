"use client";

import { useEffect, useRef, useState } from "react";
import { useAnalysis } from "@/hooks/useAnalysis";
import { currentIdentity, identityKey } from "@/hooks/analysis/storage";
import type { AnalysisType, JobInput, Params } from "@/lib/jobs/schema";
import { defaultParams, type KindView } from "@/lib/kinds/view";
import type { ListingSummary } from "@/lib/listings/schema";
import type { ConversationSummary } from "@/lib/conversations/schema";
import { fetchJson } from "@/lib/http/fetcher";
import { AnalysisControls } from "./AnalysisControls";
import { announcement } from "./announcement";
import { ConversationUpload } from "./ConversationUpload";
import { JobHistory } from "./JobHistory";
import { JobView } from "./JobView";
import { ListingPicker } from "./ListingPicker";

/** What the page can analyse; each kind names one (KindView.subject). */
type Subject = "listing" | "conversation";

/**
 * The analysis page: pick what to analyse (a listing, or an uploaded conversation) and an
 * analysis of that kind, start it, follow it, read the report.
 */
export function AnalysisWorkbench({
  initialListings,
  kinds,
}: {
  initialListings: ListingSummary[];
  kinds: readonly KindView[];
}) {
  const [listings, setListings] = useState(initialListings);
  const [listingId, setListingId] = useState<string | null>(initialListings[0]?.id ?? null);
  const [conversations, setConversations] = useState<ConversationSummary[]>([]);
  const [conversationId, setConversationId] = useState<string | null>(null);
  const [subject, setSubject] = useState<Subject>("listing");
  const [analysisType, setAnalysisType] = useState<AnalysisType>(kinds[0]?.kind ?? "");
  const offered = kinds.filter((k) => k.subject === subject);
  const offersConversations = kinds.some((k) => k.subject === "conversation");
  const [paramsByType, setParamsByType] = useState(
    () =>
      Object.fromEntries(kinds.map((k) => [k.kind, defaultParams(k)])) as Record<
        AnalysisType,
        Params
      >,
  );
  const [starting, setStarting] = useState(false);
  // Clicks that land before React re-renders (a triple click) see `starting` still false.
  const startingNow = useRef(false);
  const analysis = useAnalysis();
  const { job, attach } = analysis;

  // After a refresh (or in a new tab): show the analysis this page was following.
  useEffect(() => {
    const last = currentIdentity();
    if (!last) return;
    if (typeof last.input.listingId === "string") setListingId(last.input.listingId);
    const uploaded = last.input.conversationId;
    if (typeof uploaded === "string") {
      setSubject("conversation");
      setConversationId(uploaded);
      // Its title and counts, for the page; a conversation that expired stays untitled.
      void fetchJson<{ conversation: ConversationSummary }>(`/api/conversations/${uploaded}`).then(
        ({ conversation }) =>
          setConversations((all) =>
            all.some((c) => c.id === conversation.id) ? all : [conversation, ...all],
          ),
        () => {},
      );
    }
    setAnalysisType(last.analysisType);
    if (last.params)
      setParamsByType((all) => ({
        ...all,
        [last.analysisType]: { ...all[last.analysisType], ...last.params },
      }));
    void attach(last.input, last.analysisType, last.params);
  }, [attach]);

  /**
   * Start runs what is selected. When that is the analysis just canceled, it picks that job up
   * again with the steps it had finished (the hook's retry) rather than paying them again in
   * a new job: so a canceled analysis needs no "Start again" button of its own.
   */
  async function start() {
    const input: JobInput | null =
      subject === "listing"
        ? listingId
          ? { listingId }
          : null
        : conversationId
          ? { conversationId }
          : null;
    if (!input || startingNow.current) return;
    startingNow.current = true;
    setStarting(true);
    const selected = { input, analysisType, params: paramsByType[analysisType] };
    const resumesCanceled =
      job?.status === "canceled" && identityKey(job) === identityKey(selected);
    try {
      await (resumesCanceled
        ? analysis.retry()
        : analysis.start(input, analysisType, selected.params));
    } finally {
      startingNow.current = false;
      setStarting(false);
    }
  }

  return (
    <>
      {offersConversations ? (
        // biome-ignore lint/a11y/useSemanticElements: a segmented row of toggle buttons; a fieldset would bring a border and a legend
        <div className="segmented" role="group" aria-label="What to analyse">
          {(["listing", "conversation"] as const).map((s) => (
            <button
              key={s}
              type="button"
              aria-pressed={subject === s}
              disabled={analysis.isRunning}
              data-testid={`subject-${s}`}
              onClick={() => {
                setSubject(s);
                if (kinds.find((k) => k.kind === analysisType)?.subject !== s)
                  setAnalysisType(kinds.find((k) => k.subject === s)?.kind ?? "");
              }}
            >
              {s === "listing" ? "A business listing" : "A conversation"}
            </button>
          ))}
        </div>
      ) : null}
      {subject === "listing" ? (
        <ListingPicker
          listings={listings}
          selected={listingId}
          onSelect={setListingId}
          onAdded={(l) => {
            setListings((all) => [l, ...all]);
            setListingId(l.id);
          }}
        />
      ) : (
        <ConversationChoice
          conversations={conversations}
          selected={conversationId}
          onSelect={setConversationId}
          onUploaded={(c) => {
            setConversations((all) => [c, ...all.filter((x) => x.id !== c.id)]);
            setConversationId(c.id);
          }}
        />
      )}
      <AnalysisControls
        kinds={offered}
        analysisType={analysisType}
        params={paramsByType[analysisType]}
        running={analysis.isRunning}
        canceling={analysis.isCanceling}
        busy={starting}
        disabled={subject === "listing" ? !listingId : !conversationId}
        onType={setAnalysisType}
        onParams={(p) => setParamsByType((all) => ({ ...all, [analysisType]: p }))}
        onStart={() => void start()}
        onCancel={() => void analysis.cancel()}
      />
      {/* Shown beside an earlier job too when it is about a start that did not happen (rate limit). */}
      {analysis.error && (!job || analysis.error.status === 429) ? (
        <p className="error card" role="alert">
          {analysis.error.message}
        </p>
      ) : null}
      {/* Always in the page, so a screen reader hears each change: the milestones, not every percent. */}
      <p className="sr-only" role="status" data-testid="announcer">
        {job ? announcement(job) : ""}
      </p>
      {job ? (
        <JobView
          job={job}
          offline={analysis.isOffline}
          connectionError={analysis.error?.message ?? null}
          canceling={analysis.isCanceling}
          onRetry={() => void analysis.retry()}
        />
      ) : null}
      <JobHistory
        kinds={kinds}
        subjects={[...listings, ...conversations]}
        current={job}
        refreshKey={`${job?.id ?? ""}:${job?.status ?? ""}`}
        onOpen={(j) => analysis.open(j.id)}
      />
    </>
  );
}

type ChoiceProps = {
  conversations: ConversationSummary[];
  selected: string | null;
  onSelect: (id: string) => void;
  onUploaded: (conversation: ConversationSummary) => void;
};

/** Upload a conversation, and pick one of those uploaded in this page. */
function ConversationChoice({ conversations, selected, onSelect, onUploaded }: ChoiceProps) {
  return (
    <>
      <ConversationUpload onUploaded={onUploaded} />
      {conversations.length > 0 ? (
        <section className="card" aria-labelledby="conversations-heading">
          <h2 id="conversations-heading">1 · Choose a conversation</h2>
          <ul className="conversation-choices" data-testid="conversations">
            {conversations.map((c) => (
              <li key={c.id}>
                <label>
                  <input
                    type="radio"
                    name="conversation"
                    checked={c.id === selected}
                    onChange={() => onSelect(c.id)}
                  />{" "}
                  <strong>{c.title}</strong>{" "}
                  <span className="hint">
                    {c.speakers.length} speakers · {c.turns} turns
                  </span>
                </label>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </>
  );
}
