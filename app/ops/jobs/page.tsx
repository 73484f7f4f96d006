import { JobsTable } from "@/components/ops/JobsTable";
import { jobStatuses } from "@/lib/jobs/schema";
import { one, oneOf, type SearchParams } from "../params";

/** /ops/jobs?q=&status=&listing= */
export default async function OpsJobsPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  return (
    <JobsTable
      initial={{
        q: one(params, "q"),
        status: oneOf(one(params, "status"), ["", ...jobStatuses], ""),
        listing: one(params, "listing"),
      }}
    />
  );
}
