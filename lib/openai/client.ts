import "server-only";
import OpenAI from "openai";
import { env } from "@/lib/env";

let client: OpenAI | undefined;

/**
 * The one OpenAI client. OPENAI_BASE_URL points it at the local simulator in development and
 * tests; empty means the real API. SDK retries are off: QStash redelivery is our retry, and a
 * retry inside a step would spend the function's time budget twice.
 */
export function openai(): OpenAI {
  const e = env();
  client ??= new OpenAI({
    apiKey: e.OPENAI_API_KEY,
    baseURL: e.OPENAI_BASE_URL || undefined,
    maxRetries: 0,
  });
  return client;
}
