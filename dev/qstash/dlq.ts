/**
 * The dead letter queue: entries in arrival order, with QStash-style ids ("1725323658779-0",
 * unix ms then a sequence, like a Redis stream id) that also serve as paging cursors. A cursor
 * is the last id returned, so paging keeps working while a bulk delete removes what it paged.
 */
import { messageFacts, type Filter } from "./filters.ts";
import type { DlqEntry } from "./types.ts";

export type DlqPage = { entries: DlqEntry[]; cursor?: string };

export type DlqStore = {
  add(entry: DlqEntry): void;
  get(dlqId: string): DlqEntry | undefined;
  /** Removes the given ids; returns the entries that were there. */
  remove(dlqIds: string[]): DlqEntry[];
  /** Selects by `dlqIds`, or by filters with `count` (max 100) and `cursor` paging. */
  page(filter: Filter): DlqPage;
  size(): number;
  clear(): void;
};

/** Per-page maximum, as QStash's DLQ endpoints cap `count`. */
const MAX_COUNT = 100;
let sequence = 0;

export function newDlqId(now = Date.now()): string {
  return `${now}-${sequence++}`;
}

function order(id: string): [number, number] {
  const [ms, seq] = id.split("-").map(Number);
  return [ms || 0, seq || 0];
}

function after(id: string, cursor: string): boolean {
  const [a, b] = [order(id), order(cursor)];
  return a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
}

export function createDlq(): DlqStore {
  const entries = new Map<string, DlqEntry>();
  return {
    add(entry) {
      entries.set(entry.dlqId, entry);
    },
    get(dlqId) {
      return entries.get(dlqId);
    },
    remove(dlqIds) {
      const removed: DlqEntry[] = [];
      for (const id of dlqIds) {
        const entry = entries.get(id);
        if (entry && entries.delete(id)) removed.push(entry);
      }
      return removed;
    },
    page(filter) {
      const ids = filter.values("dlqIds");
      if (ids.length)
        return { entries: ids.map((id) => entries.get(id)).filter((e): e is DlqEntry => !!e) };
      const count = Math.min(MAX_COUNT, Math.max(1, filter.count || MAX_COUNT));
      const { cursor } = filter;
      const selected: DlqEntry[] = [];
      let more = false;
      for (const entry of entries.values()) {
        if (cursor && !after(entry.dlqId, cursor)) continue;
        const responseStatus = entry.response ? [String(entry.response.status)] : [];
        if (!filter.matches({ ...messageFacts(entry.message), responseStatus }, entry.dlqAt))
          continue;
        if (selected.length === count) {
          more = true;
          break;
        }
        selected.push(entry);
      }
      return { entries: selected, cursor: more ? selected[selected.length - 1].dlqId : undefined };
    },
    size() {
      return entries.size;
    },
    clear() {
      entries.clear();
    },
  };
}
