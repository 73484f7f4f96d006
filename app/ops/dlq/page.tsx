import { DlqTable } from "@/components/ops/DlqTable";

/** /ops/dlq — QStash's dead-letter queue. */
export default function OpsDlqPage() {
  return <DlqTable />;
}
