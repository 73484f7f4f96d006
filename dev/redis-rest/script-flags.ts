import { createHash } from "node:crypto";
import type { Backend, CommandResult } from "./backend.ts";

/**
 * Upstash accepts a script flag open-source Redis does not: `#!lua flags=allow-key-locking`
 * (@upstash/ratelimit's scripts open with it). redis-server 7 rejects the unknown flag and the
 * in-process engine does not read shebangs at all, so scripts are rewritten on their way in:
 * the flag is dropped, and a shebang left with no flags is dropped too (plain EVAL semantics).
 * EVALSHA and SCRIPT EXISTS keep working with the SHA-1 of the text the client sent: the
 * wrapper remembers which stored script each client SHA stands for.
 */
const UPSTASH_ONLY_FLAGS = new Set(["allow-key-locking"]);
const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");

export function rewriteScript(source: string): string {
  const match = /^#!lua([^\n]*)\n/.exec(source);
  if (!match) return source;
  const flagsMatch = /\bflags=([^\s]*)/.exec(match[1]);
  const flags = (flagsMatch?.[1] ?? "").split(",").filter((f) => f && !UPSTASH_ONLY_FLAGS.has(f));
  if (flags.length === (flagsMatch?.[1] ?? "").split(",").filter(Boolean).length) return source;
  const body = source.slice(match[0].length);
  return flags.length ? `#!lua flags=${flags.join(",")}\n${body}` : `\n${body}`;
}

export function withUpstashScriptFlags(backend: Backend): Backend {
  const aliases = new Map<string, string>(); // the client's SHA-1 → the stored script's SHA-1
  const translate = (command: string[]): string[] => {
    const name = command[0].toLowerCase();
    if ((name === "eval" || name === "eval_ro") && command[1] !== undefined) {
      const rewritten = rewriteScript(command[1]);
      if (rewritten === command[1]) return command;
      aliases.set(sha1(command[1]), sha1(rewritten));
      return [command[0], rewritten, ...command.slice(2)];
    }
    if ((name === "evalsha" || name === "evalsha_ro") && command[1] !== undefined) {
      return [command[0], aliases.get(command[1].toLowerCase()) ?? command[1], ...command.slice(2)];
    }
    if (name === "script" && command[1]?.toLowerCase() === "load" && command[2] !== undefined) {
      const rewritten = rewriteScript(command[2]);
      if (rewritten !== command[2]) aliases.set(sha1(command[2]), sha1(rewritten));
      return [command[0], command[1], rewritten];
    }
    if (name === "script" && command[1]?.toLowerCase() === "exists") {
      return [
        ...command.slice(0, 2),
        ...command.slice(2).map((sha) => aliases.get(sha.toLowerCase()) ?? sha),
      ];
    }
    return command;
  };
  /** SCRIPT LOAD answers the SHA-1 of what the client sent, as Upstash would. */
  const answer = (original: string[], result: CommandResult): CommandResult => {
    if (
      original[0].toLowerCase() === "script" &&
      original[1]?.toLowerCase() === "load" &&
      !("error" in result) &&
      original[2] !== undefined
    ) {
      return { result: sha1(original[2]) };
    }
    return result;
  };
  return {
    async exec(command) {
      return answer(command, await backend.exec(translate(command)));
    },
    async pipeline(commands) {
      const results = await backend.pipeline(commands.map(translate));
      return results.map((r, i) => answer(commands[i], r));
    },
    async multi(commands) {
      const results = await backend.multi(commands.map(translate));
      return Array.isArray(results) ? results.map((r, i) => answer(commands[i], r)) : results;
    },
    close: () => backend.close(),
  };
}
