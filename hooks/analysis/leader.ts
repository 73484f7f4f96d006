/**
 * One poller per job across tabs. Tabs showing the same job elect a leader through a lease in
 * localStorage (renewed by every poll it makes); the leader polls and broadcasts each answer on
 * a BroadcastChannel, the others only listen. A hidden or closing leader lets go at once, and an
 * abandoned lease expires after LEASE_MS, so another visible tab takes over.
 */
import { MAX_POLL_MS } from "./schedule";

export type StatusMessage<T> =
  | { type: "status"; data: T }
  | { type: "released" }
  | { type: "hello" };

/**
 * Longer than the slowest poll interval (MAX_POLL_MS), so a healthy leader never loses it: a
 * lease shorter than the wait between two of its polls lets a follower take over and poll too.
 */
export const LEASE_MS = MAX_POLL_MS + 3_000;
const thisTab = Math.random().toString(36).slice(2);

type Lease = { tab: string; until: number };

export class SharedPoller<T> {
  private readonly key: string;
  private readonly channel: BroadcastChannel | null;

  /** `tab` identifies this tab (tests pass their own to play several tabs in one page). */
  constructor(
    jobId: string,
    onMessage: (message: StatusMessage<T>) => void,
    private readonly tab: string = thisTab,
  ) {
    this.key = `tabsafe:poller:${jobId}`;
    this.channel =
      typeof BroadcastChannel === "undefined" ? null : new BroadcastChannel(`tabsafe:job:${jobId}`);
    if (this.channel)
      this.channel.onmessage = (e: MessageEvent<StatusMessage<T>>) => onMessage(e.data);
  }

  /** The live lease, or null (none, expired, unreadable, or no storage). */
  private lease(now: number): Lease | null {
    try {
      const lease = JSON.parse(localStorage.getItem(this.key) ?? "null") as Lease | null;
      return lease && lease.until > now ? lease : null;
    } catch {
      return null;
    }
  }

  /** True while another tab holds a live lease (this tab should listen, not poll). */
  followsAnother(now = Date.now()): boolean {
    const lease = this.lease(now);
    return lease !== null && lease.tab !== this.tab;
  }

  /** True while this tab holds the lease. */
  leads(now = Date.now()): boolean {
    return this.lease(now)?.tab === this.tab;
  }

  /** A tab that just joined asks the leader for its latest answer instead of polling for it. */
  hello(): void {
    this.channel?.postMessage({ type: "hello" } satisfies StatusMessage<T>);
  }

  /** True if this tab may poll now (it holds or just took the lease). */
  tryLead(now = Date.now()): boolean {
    if (this.followsAnother(now)) return false;
    try {
      localStorage.setItem(
        this.key,
        JSON.stringify({ tab: this.tab, until: now + LEASE_MS } satisfies Lease),
      );
      return true;
    } catch {
      return true; // no storage: every tab polls for itself
    }
  }

  publish(data: T): void {
    this.channel?.postMessage({ type: "status", data } satisfies StatusMessage<T>);
  }

  /** Gives up the lead (tab hidden or closing), so a visible tab takes over on its next tick. */
  release(): void {
    if (!this.leads()) return;
    try {
      localStorage.removeItem(this.key);
      this.channel?.postMessage({ type: "released" } satisfies StatusMessage<T>);
    } catch {
      // nothing to release
    }
  }

  close(): void {
    this.release();
    this.channel?.close();
  }
}
