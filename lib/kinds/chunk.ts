/** Target size of one analysis chunk, in characters (~225 tokens): small enough that a long listing shows progress chunk by chunk. */
export const CHUNK_CHARS = 900;

/**
 * Splits listing text into chunks of at most `size` characters, preferring paragraph, then
 * sentence, then word boundaries. Deterministic, so a redelivered job re-derives the same chunks
 * instead of storing them twice.
 */
export function chunkText(text: string, size = CHUNK_CHARS): string[] {
  const chunks: string[] = [];
  let rest = text.trim();
  while (rest.length > size) {
    const window = rest.slice(0, size);
    const cut =
      lastBreak(window, "\n\n") ?? lastBreak(window, ". ") ?? lastBreak(window, " ") ?? size;
    chunks.push(rest.slice(0, cut).trim());
    rest = rest.slice(cut).trim();
  }
  if (rest) chunks.push(rest);
  return chunks;
}

/** Index just after the last `sep` in the second half of `window`, or null. */
function lastBreak(window: string, sep: string): number | null {
  const at = window.lastIndexOf(sep);
  return at >= window.length / 2 ? at + sep.length : null;
}
