/**
 * The app logs one JSON line per warning or error (lib/telemetry/log.ts), and under chaos every
 * injected fault is one: hundreds of lines that bury the figures. This keeps them while a run
 * lasts — counted for the figures, and the lines of jobs named in a finding printed with it.
 */
export type AppLogLine = {
  level: "warn" | "error";
  event: string;
  jobId: string | null;
  text: string;
};

export function captureAppLogs(): {
  lines: AppLogLine[];
  about(jobIds: Iterable<string>, max?: number): string[];
  restore(): void;
} {
  const lines: AppLogLine[] = [];
  const original = { warn: console.warn, error: console.error };
  const keep =
    (level: AppLogLine["level"]) =>
    (...args: unknown[]) => {
      const text = args.map(String).join(" ");
      try {
        const parsed = JSON.parse(text) as { event?: string; jobId?: string };
        lines.push({ level, event: parsed.event ?? "?", jobId: parsed.jobId ?? null, text });
      } catch {
        // The QStash SDK's own retry notices (publishing while the stand-in is down) are expected too.
        if (text.startsWith("[Upstash QStash]"))
          lines.push({ level, event: "sdk_retry", jobId: null, text });
        else original[level](...args); // anything else is news: show it
      }
    };
  console.warn = keep("warn");
  console.error = keep("error");
  return {
    lines,
    about(jobIds, max = 100) {
      const ids = new Set(jobIds);
      return lines
        .filter((l) => l.jobId && ids.has(l.jobId))
        .slice(0, max)
        .map((l) => l.text);
    },
    restore() {
      console.warn = original.warn;
      console.error = original.error;
    },
  };
}
