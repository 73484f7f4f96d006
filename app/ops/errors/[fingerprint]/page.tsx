import { ErrorGroupDetail } from "@/components/ops/ErrorGroupDetail";
import { segment } from "../../params";

/** /ops/errors/[fingerprint] — one error group. */
export default async function OpsErrorGroupPage({
  params,
}: {
  params: Promise<{ fingerprint: string }>;
}) {
  const { fingerprint } = await params;
  return <ErrorGroupDetail fingerprint={segment(fingerprint)} />;
}
