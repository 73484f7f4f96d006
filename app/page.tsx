import { connection } from "next/server";
import { AnalysisWorkbench } from "@/components/AnalysisWorkbench";
import { BatchPanel } from "@/components/BatchPanel";
import { SimulatorBadge } from "@/components/SimulatorBadge";
import { StackCheckPanel } from "@/components/StackCheckPanel";
import { usesOpenAISimulator } from "@/lib/env";
import { kinds } from "@/lib/kinds";
import { describeKind } from "@/lib/kinds/describe";
import { listCatalog } from "@/lib/listings/store";

export default async function Home() {
  const views = kinds.all.map(describeKind);
  const listingKinds = views.filter((k) => k.subject === "listing");
  // Rendered per request: the badge depends on the running environment, not the build's.
  await connection();
  return (
    <main className="page">
      <header className="masthead">
        <div>
          <h1>tabsafe</h1>
          <p className="tagline">
            Long AI analyses of business listings and conversations that keep running when you leave
            the tab.
          </p>
        </div>
        {usesOpenAISimulator() ? <SimulatorBadge /> : null}
      </header>
      <AnalysisWorkbench initialListings={listCatalog()} kinds={views} />
      <BatchPanel listings={listCatalog()} kinds={listingKinds} />
      <StackCheckPanel />
    </main>
  );
}
