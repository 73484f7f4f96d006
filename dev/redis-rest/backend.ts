import { refusedError } from "./commands.ts";

export type RedisBackendKind = "redis-url" | "redis-server" | "memory";

/**
 * One command's outcome as the REST API reports it. Results are still raw here: Buffers or
 * strings for bulk and status replies, numbers for integers, null for nil, nested arrays, and
 * Error objects for error replies nested inside an array (Lua can return those).
 */
export type CommandResult = { result: unknown } | { error: string };

/** What the HTTP layer needs from a Redis: single commands, pipelines and transactions. */
export type Backend = {
  exec(command: string[]): Promise<CommandResult>;
  /** In order, not atomic; each command fails on its own. */
  pipeline(commands: string[][]): Promise<CommandResult[]>;
  /** Atomic. A transaction Redis discards as a whole (EXECABORT) answers one error. */
  multi(commands: string[][]): Promise<CommandResult[] | { error: string }>;
  close(): Promise<void>;
};

export const EXECABORT = "EXECABORT Transaction discarded because of previous errors.";

export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Wraps a backend with what is refused everywhere (commands that would change the shared
 * connection's state): an error for a single command or inside a pipeline, EXECABORT for a
 * transaction, as Redis does for a command it rejects while queueing.
 */
export function withPolicy(inner: Backend): Backend {
  return {
    async exec(command) {
      const refused = refusedError(command[0]);
      return refused ? { error: refused } : inner.exec(command);
    },
    async pipeline(commands) {
      const refused = commands.map((c) => refusedError(c[0]));
      const allowed = commands.filter((_, i) => refused[i] === null);
      const results = allowed.length > 0 ? await inner.pipeline(allowed) : [];
      let next = 0;
      return refused.map((error) => (error === null ? results[next++] : { error }));
    },
    async multi(commands) {
      const refused = commands.map((c) => refusedError(c[0])).find((e) => e !== null);
      return refused ? { error: `${EXECABORT} (${refused})` } : inner.multi(commands);
    },
    close: () => inner.close(),
  };
}
