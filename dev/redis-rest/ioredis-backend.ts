import { Redis } from "ioredis";
import { errorText, EXECABORT, type Backend, type CommandResult } from "./backend.ts";
import { BLOCKING } from "./commands.ts";
import { withTypeAsEval } from "./scan-withtype.ts";
import { upstashUnknownCommand } from "./unavailable.ts";

type Settled = Array<[Error | null, unknown]>;

const SAME_OBJECT = "ERR source and destination objects are the same";

/**
 * A real Redis (a private redis-server or REDIS_URL) through ioredis. Commands go out with
 * callBuffer, so replies keep their raw bytes for base64. ioredis turns an HGETALL reply into an
 * object, keyed by the exact name "hgetall", so that one is sent as "HGETALL" and stays Redis's
 * flat array; every other name goes out as the client wrote it, so errors quote it as Redis
 * would. SCAN … WITHTYPE, an Upstash extension, runs as a script (scan-withtype.ts), and COPY of
 * a key onto itself answers 0, as Upstash does, where Redis 7.0 errs. A command
 * this Redis does not know is refused in Upstash's words (unavailable.ts), naming the server's
 * version; one it knows runs, so a newer Redis serves HEXPIRE and the like itself. Resolves once
 * the server answers, so a wrong REDIS_URL fails at start.
 */
export async function connectIoredisBackend(url: string): Promise<Backend> {
  const client = new Redis(url, {
    maxRetriesPerRequest: 2,
    connectTimeout: 5_000,
    lazyConnect: true,
  });
  let lastError: unknown = null;
  client.on("error", (e) => (lastError = e)); // it reconnects by itself; failures surface per command
  let engine = "this Redis";
  try {
    await client.connect();
    await client.ping();
    // Only for error messages; a Redis whose ACL refuses INFO still serves.
    const version = /redis_version:([^\r\n]+)/.exec(
      await client.info("server").catch(() => ""),
    )?.[1];
    if (version) engine = `Redis ${version}`;
  } catch (e) {
    client.disconnect();
    throw new Error(`cannot reach Redis at ${url}: ${errorText(lastError ?? e)}`);
  }

  /** The command as sent: HGETALL's name in capitals, Upstash's SCAN … WITHTYPE as a script. */
  const outgoing = (command: string[]): [string, ...string[]] => {
    const [name, ...args] = withTypeAsEval(command);
    return [name.toLowerCase() === "hgetall" ? "HGETALL" : name, ...args];
  };
  const failed = (e: unknown) => upstashUnknownCommand(errorText(e), engine);
  /** Upstash answers COPY of a key onto itself with 0 (nothing copied); Redis 7.0 with an error. */
  const answer = (command: string[], e: unknown): CommandResult =>
    command[0].toLowerCase() === "copy" && errorText(e) === SAME_OBJECT
      ? { result: 0 }
      : { error: failed(e) };
  const settle = (entries: Settled, commands: string[][]): CommandResult[] =>
    entries.map(([err, result], i) => (err ? answer(commands[i], err) : { result }));

  /** A blocking command would stall every request queued behind it, so it gets its own connection. */
  async function onOwnConnection<T>(
    blocking: boolean,
    run: (conn: Redis) => Promise<T>,
  ): Promise<T> {
    if (!blocking) return run(client);
    const conn = client.duplicate();
    try {
      return await run(conn);
    } finally {
      conn.disconnect();
    }
  }
  const blocks = (commands: string[][]) => commands.some((c) => BLOCKING.has(c[0].toLowerCase()));

  return {
    async exec(command) {
      try {
        return {
          result: await onOwnConnection(blocks([command]), (conn) =>
            conn.callBuffer(...outgoing(command)),
          ),
        };
      } catch (e) {
        return answer(command, e);
      }
    },
    async pipeline(commands) {
      try {
        return await onOwnConnection(blocks(commands), async (conn) => {
          const p = conn.pipeline();
          for (const c of commands) p.callBuffer(...outgoing(c));
          return settle(((await p.exec()) ?? []) as Settled, commands);
        });
      } catch (e) {
        return commands.map(() => ({ error: errorText(e) })); // the connection failed, not a command
      }
    },
    async multi(commands) {
      // Inside MULTI blocking commands do not block, so the shared connection is fine here.
      const m = client.multi();
      for (const c of commands) m.callBuffer(...outgoing(c));
      try {
        return settle(((await m.exec()) ?? []) as Settled, commands);
      } catch (e) {
        // ioredis rejects EXEC's EXECABORT and keeps the queueing errors that caused it.
        const cause = (e as { previousErrors?: Error[] }).previousErrors?.[0]?.message;
        const message = errorText(e);
        return {
          error: failed(
            message.startsWith("EXECABORT") && cause ? `${EXECABORT} (${cause})` : message,
          ),
        };
      }
    },
    async close() {
      await client.quit().catch(() => client.disconnect());
    },
  };
}
