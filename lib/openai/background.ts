import "server-only";
import OpenAI from "openai";
import { env } from "@/lib/env";

/**
 * Whether model calls run as OpenAI background responses (stored at the provider, generated
 * whether or not the caller stays, streamed again from a sequence number). OPENAI_BACKGROUND:
 * "on" always asks for it, "off" never, "auto" (the default) asks until the provider refuses once
 * — Azure-style deployments, proxies and local servers often do not know the parameter — and
 * then uses plain streams for the rest of this process. Health reports what was learned.
 */
export type BackgroundCapability = {
  mode: "auto" | "on" | "off";
  /** What this process learned from the provider: not asked yet, took a background call, refused one. */
  provider: "untried" | "supported" | "refused";
  /** When the provider refused background mode, ms epoch; null while it did not. */
  refusedAt: number | null;
  /** The provider's own words when it refused. */
  reason: string | null;
};

let learned: Omit<BackgroundCapability, "mode"> = {
  provider: "untried",
  refusedAt: null,
  reason: null,
};

export function backgroundCapability(): BackgroundCapability {
  return { mode: env().OPENAI_BACKGROUND, ...learned };
}

/** Should the next call ask for background mode? */
export function wantBackground(): boolean {
  const mode = env().OPENAI_BACKGROUND;
  return mode === "on" || (mode === "auto" && learned.provider !== "refused");
}

/** The provider took a background call. */
export function noteBackgroundSupported(): void {
  if (learned.provider === "untried") learned = { ...learned, provider: "supported" };
}

/**
 * A refusal of the `background` parameter itself (a 400 or 422 naming it), as opposed to a bad
 * request for other reasons. In "auto" mode it is remembered, and the caller retries plainly.
 * Returns whether the caller may fall back.
 */
export function noteBackgroundRefused(error: unknown): boolean {
  if (!isBackgroundRefusal(error)) return false;
  if (learned.provider !== "refused")
    learned = {
      provider: "refused",
      refusedAt: Date.now(),
      reason: (error as Error).message.slice(0, 300),
    };
  return env().OPENAI_BACKGROUND === "auto";
}

function isBackgroundRefusal(error: unknown): boolean {
  if (!(error instanceof OpenAI.APIError) || (error.status !== 400 && error.status !== 422))
    return false;
  return error.param === "background" || /\bbackground\b/i.test(error.message);
}

/** Forgets what was learned (tests, and a process whose configuration changed). */
export function resetBackgroundCapability(): void {
  learned = { provider: "untried", refusedAt: null, reason: null };
}
