import { json, route } from "@/lib/http/respond";
import { checkStack } from "@/lib/stack/check";

/** GET /api/stack/check → 200 when Redis, a signed QStash round trip and OpenAI all work; else 503. */
export const GET = route(async () => {
  const result = await checkStack();
  return json(result, result.ok ? 200 : 503, { "cache-control": "no-store" });
});
