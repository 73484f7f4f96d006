"use client";

import { useEffect, useRef, useState } from "react";
import { useAnalysis } from "@/hooks/useAnalysis";
import { currentIdentity, identityKey } from "@/hooks/analysis/storage";
import type { AnalysisType, Params } from "@/lib/jobs/schema";
import { defaultParams, type KindView } from "@/lib/kinds/view";
import type { ListingSummary } from "@/lib/listings/schema";
import { AnalysisControls } from "./AnalysisControls";
import { announcement } from "./announcement";
import { JobHistory } from "./JobHistory";
import { JobView } from "./JobView";
import { ListingPicker } from "./ListingPicker";

/** The analysis page: pick a listing and an analysis, start it, follow it, read the report. */
export function AnalysisWorkbench({ initialListings, kinds }: { initialListings: ListingSummary[]; kinds: readonly KindView[] }) {
  const [listings, setListings] = useState(initialListings);
  const [listingId, setListingId] = useState<string | null>(initialListings[0]?.id ?? null);
  const [analysisType, setAnalysisType] = useState<AnalysisType>(kinds[0]?.kind ?? "");
  const [paramsByType, setParamsByType] = useState(() => Object.fromEntries(kinds.map((k) => [k.kind, defaultParams(k)])) as Record<AnalysisType, Params>);
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
    setAnalysisType(last.analysisType);
    if (last.params) setParamsByType((all) => ({ ...all, [last.analysisType]: { ...all[last.analysisType], ...last.params } }));
    void attach(last.input, last.analysisType, last.params);
  }, [attach]);

  /**
   * Start runs what is selected. When that is the analysis just canceled, it picks that job up
   * again with the steps it had finished (the hook's retry) rather than paying them again in
   * a new job: so a canceled analysis needs no "Start again" button of its own.
   */
  async function start() {
    if (!listingId || startingNow.current) return;
    startingNow.current = true;
    setStarting(true);
    const selected = { input: { listingId }, analysisType, params: paramsByType[analysisType] };
    const resumesCanceled = job?.status === "canceled" && identityKey(job) === identityKey(selected);
    try {
      await (resumesCanceled ? analysis.retry() : analysis.start(listingId, analysisType, selected.params));
    } finally {
      startingNow.current = false;
      setStarting(false);
    }
  }

  return (
    <>
      <ListingPicker
        listings={listings}
        selected={listingId}
        onSelect={setListingId}
        onAdded={(l) => {
          setListings((all) => [l, ...all]);
          setListingId(l.id);
        }}
      />
      <AnalysisControls
        kinds={kinds}
        analysisType={analysisType}
        params={paramsByType[analysisType]}
        running={analysis.isRunning}
        canceling={analysis.isCanceling}
        busy={starting}
        disabled={!listingId}
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
      {job ? <JobView job={job} offline={analysis.isOffline} connectionError={analysis.error?.message ?? null} canceling={analysis.isCanceling} onRetry={() => void analysis.retry()} /> : null}
      <JobHistory kinds={kinds} subjects={listings} current={job} refreshKey={`${job?.id ?? ""}:${job?.status ?? ""}`} onOpen={(j) => analysis.open(j.id)} />
    </>
  );
}
