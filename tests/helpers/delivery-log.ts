import { vi } from "vitest";

/** One consume delivery as the app logged it (lib/jobs/delivery.ts runDelivery). */
export type DeliveryLine = {
  jobId: string;
  attempt?: number;
  durationMs: number;
  outcome: string;
  note?: string;
};

/**
 * Collects the app's `delivery` log lines (the stack must run with LOG_LEVEL=info) and keeps the
 * other info lines off the console. The app runs in this process, so its console is this one.
 */
export function captureDeliveries(): {
  of(jobId: string): DeliveryLine[];
  stop(): void;
} {
  const lines: DeliveryLine[] = [];
  const spies = (["log", "warn"] as const).map((level) => {
    const original = console[level].bind(console);
    return vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      const text = typeof args[0] === "string" ? args[0] : "";
      if (text.startsWith("{")) {
        try {
          const line = JSON.parse(text) as { event?: string; level?: string };
          if (line.event === "delivery") lines.push(line as unknown as DeliveryLine);
          if (line.event === "delivery" || line.level === "info") return;
        } catch {
          // Not a log line of the app's: printed as it came.
        }
      }
      original(...args);
    });
  });
  return {
    of: (jobId) => lines.filter((l) => l.jobId === jobId),
    stop: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}
