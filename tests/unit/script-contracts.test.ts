import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import * as batchScripts from "@/lib/jobs/batch-scripts";
import * as pollScripts from "@/lib/jobs/poll-scripts";
import * as jobScripts from "@/lib/jobs/scripts";
import * as workerScripts from "@/lib/jobs/worker-scripts";
import * as listingScripts from "@/lib/listings/scripts";
import * as opsScripts from "@/lib/ops/scripts";
import * as telemetryScripts from "@/lib/telemetry/scripts";
import type { DefinedScript } from "@/lib/redis/script";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const MODULES = {
  "lib/jobs/batch-scripts.ts": batchScripts,
  "lib/jobs/poll-scripts.ts": pollScripts,
  "lib/jobs/scripts.ts": jobScripts,
  "lib/jobs/worker-scripts.ts": workerScripts,
  "lib/listings/scripts.ts": listingScripts,
  "lib/ops/scripts.ts": opsScripts,
  "lib/telemetry/scripts.ts": telemetryScripts,
};
type Defined = DefinedScript<readonly string[], readonly string[], Record<number, string>>;
const scripts = Object.values(MODULES).flatMap((m) => Object.values(m) as Defined[]);

const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? sources(path) : e.name.endsWith(".ts") ? [path] : [];
  });

/** `local x = KEYS[i]`, `local x = tonumber(ARGV[i])`, `local xAt = n`; maybe a comment after. */
const BINDING = /^local (\w+) = (?:(?:tonumber\()?(KEYS|ARGV)\[(\d+)\]\)?|(\d+))(?: --.*)?$/;

/** The contract comment, the binding lines that follow it, and the rest of the script. */
function parts(lua: string) {
  const end = lua.indexOf("]]");
  const lines = lua
    .slice(end + 2)
    .split("\n")
    .slice(1);
  const header = [];
  while (lines.length && BINDING.test(lines[0])) header.push(BINDING.exec(lines.shift()!)!);
  return { contract: lua.slice(0, end + 2), header, body: lines };
}

describe("Lua scripts and their declarations", () => {
  it("are every script in lib: a file that reads KEYS or defines a script is listed here", () => {
    const files = sources(join(ROOT, "lib"))
      .filter((f) => /KEYS\[\d|defineScript\(\{/.test(readFileSync(f, "utf8")))
      .map((f) => relative(ROOT, f))
      .sort();
    expect(files).toEqual(Object.keys(MODULES).sort());
    expect(scripts.length).toBe(23);
  });

  it("each opens with its contract, then binds its inputs in the declared order", () => {
    for (const s of scripts) {
      const { contract, header } = parts(s.lua);
      expect(contract, s.name).toMatch(new RegExp(`^--\\[\\[ ${s.name}: [\\s\\S]*Returns`));
      const of = (list: "KEYS" | "ARGV") => header.filter((m) => m[2] === list);
      const keyLocals = of("KEYS").map((m) => m[1]);
      const argLocals = of("ARGV").map((m) => m[1]);
      expect(keyLocals, `${s.name} KEYS`).toEqual(s.keys.map((k) => `${k}Key`));
      expect(
        of("KEYS").map((m) => Number(m[3])),
        s.name,
      ).toEqual(s.keys.map((_, i) => i + 1));
      expect(argLocals, `${s.name} ARGV`).toEqual([...s.args]);
      expect(
        of("ARGV").map((m) => Number(m[3])),
        s.name,
      ).toEqual(s.args.map((_, i) => i + 1));
      const tails = header.filter((m) => m[4] !== undefined).map((m) => [m[1], Number(m[4])]);
      const declared = [
        ...(s.keyRest ? [[`${s.keyRest}At`, s.keys.length + 1]] : []),
        ...(s.rest ? [[`${s.rest}At`, s.args.length + 1]] : []),
      ];
      expect(tails, `${s.name} variadic tails`).toEqual(declared);
    }
  });

  it("use only the named inputs past their header (no KEYS[3] or ARGV[11] in a body)", () => {
    for (const s of scripts) {
      const numbered = parts(s.lua).body.filter((line) => /\b(KEYS|ARGV)\[\d+\]/.test(line));
      expect(numbered, s.name).toEqual([]);
    }
  });

  it("define every local a spliced fragment needs before the fragment", () => {
    for (const s of scripts) {
      const lines = s.lua.split("\n");
      lines.forEach((line, i) => {
        const needs = /^-- needs: (.+)$/.exec(line)?.[1].split(/,\s*/) ?? [];
        const before = lines.slice(0, i).join("\n");
        for (const name of needs) {
          expect(before, `${s.name} needs ${name}`).toMatch(new RegExp(`^local ${name} =`, "m"));
        }
      });
    }
  });

  it("declare every code they return, and return every code they declare", () => {
    for (const s of scripts.filter((x) => x.codes)) {
      const code = s.lua
        .split("\n")
        .map((l) => l.replace(/--.*$/, ""))
        .join("\n");
      const returned = new Set([...code.matchAll(/\breturn \{?(-?\d+)\b/g)].map((m) => m[1]));
      expect([...returned].sort(), s.name).toEqual(Object.keys(s.codes!).sort());
    }
  });

  // Pinned so a change to a script is a deliberate, reviewed change: EVALSHA caches by this hash.
  it("have pinned SHA-1s", () => {
    const sha1 = (lua: string) => createHash("sha1").update(lua).digest("hex");
    const pinned = Object.fromEntries(scripts.map((s) => [s.name, sha1(s.lua)]));
    expect(pinned).toMatchInlineSnapshot(`
      {
        "ADD_METRICS": "8ffa303e524a669728d44b4c4c2626fc2b08ca2a",
        "CHECKPOINT_STEP": "064df6ac25c64f00c509b2beb65e6b15ae18cfe4",
        "CREATE_BATCH": "41421609dd4420dc3aa93427de1a922cd0f66fd5",
        "CREATE_JOB": "f3a118c2076729de6ad2333f471638054f8a3bb6",
        "CREATE_LISTING": "6b1c9669174360eb660f6f14875fc7f10f2baee5",
        "FIND_JOB": "d5b90565adfa978e254972f132f83c822ee17ab2",
        "FINISH_JOB": "3e4603f9494a90121aaea27ae36acb2cb32e43c4",
        "FINISH_TICK": "cb732be0f1d0b04c231faf4c8232581b4bc43e25",
        "LEASE_JOB": "a1f2d6848ef240c9fe44474cfd6f9a52515dfba7",
        "LIST_OWNER_JOBS": "90feeefb754b807133c2d082a62b0f91f2db2384",
        "POLL_JOB": "5b26d21a0a92972c469854281944690e5e9bb993",
        "READ_ALERT_HISTORY": "968a8c365bdee9ee64e323afe4845b38cc3f159e",
        "READ_BATCH": "a61327ec30a3057df2259147c2162ee69b3e6df0",
        "READ_HASHES": "eb64b53ccfbaef7f271f8cc41060f1dc63f844a7",
        "READ_VISITORS": "bb549460ca5a53bbaec287162ac96dc49fe1a25d",
        "RECORD_ALERT_DELIVERY": "d29a52bf0c3375a6a501f31c7a84b07fbe350a4d",
        "RECORD_ERROR": "a7bd66eeb846e402e71cc4d3ad711473e7c69800",
        "RELEASE_LEASE": "e44b03e41cdff8d2d24d674f125fb8547f1948b1",
        "REQUEST_CANCEL": "e0a95f44fd9601bf514c938f9abc2f4969d9fe06",
        "RESOLVE_ERROR": "739a126aff798066ad391f869a38c5b4209fd683",
        "RETRY_JOB": "77470ad8de1b73a08bd0d06002426d538a2e82eb",
        "REVIVE_JOB": "a7a23c53d1045c4b5988c34de5387bcbb3390056",
        "SET_ALERT": "9e6aad5b1cf58215470a5e4a777b4ad0d290af29",
      }
    `);
  });
});
