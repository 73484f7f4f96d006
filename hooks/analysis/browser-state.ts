"use client";

import { useEffect, useRef, useSyncExternalStore } from "react";
import type { JobStatus } from "@/lib/jobs/schema";

const subscribeOnline = (cb: () => void) => {
  window.addEventListener("online", cb);
  window.addEventListener("offline", cb);
  return () => {
    window.removeEventListener("online", cb);
    window.removeEventListener("offline", cb);
  };
};

/** navigator.onLine as state; true on the server (SSR renders the online UI). */
export function useOnline(): boolean {
  return useSyncExternalStore(
    subscribeOnline,
    () => navigator.onLine,
    () => true,
  );
}

const subscribeVisibility = (cb: () => void) => {
  document.addEventListener("visibilitychange", cb);
  return () => document.removeEventListener("visibilitychange", cb);
};

/** document.visibilityState === "visible" as state; true on the server. */
export function useVisible(): boolean {
  return useSyncExternalStore(
    subscribeVisibility,
    () => document.visibilityState === "visible",
    () => true,
  );
}

const TITLES: Partial<Record<JobStatus, string>> = {
  succeeded: "✓ Analysis ready",
  failed: "✗ Analysis failed",
};

/**
 * When a job ends while the tab is hidden, the tab's title says so (and a notification is shown
 * if the person allowed them) until the tab is seen again.
 */
export function useCompletionTitle(status: JobStatus | undefined, visible: boolean): void {
  const previous = useRef(status);
  const original = useRef<string | null>(null);
  useEffect(() => {
    const was = previous.current;
    previous.current = status;
    const ended = status && TITLES[status] && was && (was === "queued" || was === "running");
    if (!ended || visible) return;
    original.current ??= document.title.replace(/^[✓✗] .* — /, "");
    document.title = `${TITLES[status!]} — ${original.current}`;
    if (typeof Notification !== "undefined" && Notification.permission === "granted") {
      new Notification(TITLES[status!]!, {
        body: "Your tabsafe analysis has finished.",
        tag: "tabsafe-analysis",
      });
    }
  }, [status, visible]);
  useEffect(() => {
    if (visible && original.current !== null) {
      document.title = original.current;
      original.current = null;
    }
  }, [visible]);
}
