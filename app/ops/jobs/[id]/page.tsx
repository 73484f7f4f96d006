import { JobDetail } from "@/components/ops/JobDetail";
import { segment } from "../../params";

/** /ops/jobs/[id] — one job, any visitor's. */
export default async function OpsJobPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <JobDetail id={segment(id)} />;
}
