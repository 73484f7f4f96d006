import { DEFAULT_WINDOW, WINDOWS } from "@/components/ops/filters";
import { Overview } from "@/components/ops/Overview";
import { one, oneOf, type SearchParams } from "./params";

/** /ops?window=15|60|360|1440 — the overview (signed-in check in layout.tsx). */
export default async function OpsOverviewPage({ searchParams }: { searchParams: SearchParams }) {
  const minutes = Number(one(await searchParams, "window")) || DEFAULT_WINDOW;
  const allowed = WINDOWS.map((w) => w.minutes as number);
  return <Overview initialWindow={oneOf(minutes, allowed, DEFAULT_WINDOW)} />;
}
