/**
 * The shapes memory-checks.ts and memory-fixes.ts share: ioredis-mock's keyspace as they read it,
 * and what a check decides about a command before the engine runs it.
 */
import type { CommandResult } from "./backend.ts";

export type MockKeyspace = {
  data: { has(key: string): boolean; get(key: string): unknown; keys(): string[] };
  /** Absolute expiry times in ms since the epoch. */
  expires: {
    has(key: string): boolean;
    get(key: string): number;
    set(key: string, at: number): void;
  };
};

/**
 * Run the command as is (null); answer without running it; or run it — or the command `name`
 * instead — with other arguments, then `afterCall` synchronously (still inside the same turn)
 * and `mapResult` on its result.
 */
export type Precheck =
  | null
  | CommandResult
  | {
      name?: string;
      args: string[];
      afterCall?: () => void;
      mapResult?: (result: unknown) => unknown;
    };
