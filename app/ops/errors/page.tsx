import { ErrorGroups } from "@/components/ops/ErrorGroups";
import { errorStatuses, type ErrorFilters } from "@/components/ops/filters";
import { errorCategories } from "@/lib/jobs/schema";
import { severities } from "@/lib/ops/types";
import { one, oneOf, type SearchParams } from "../params";

/** /ops/errors?category=&severity=&status=open|resolved|all */
export default async function OpsErrorsPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const initial: ErrorFilters = {
    category: oneOf(one(params, "category"), ["", ...errorCategories], ""),
    severity: oneOf(one(params, "severity"), ["", ...severities], ""),
    status: oneOf(one(params, "status") as ErrorFilters["status"], errorStatuses, "open"),
  };
  return <ErrorGroups initial={initial} />;
}
