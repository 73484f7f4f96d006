/**
 * What `npm run provision` does about the machine, decided without touching it: the probes and
 * apt-get live in provision.ts, so this part can be tested with any machine one can describe.
 */

/** A program the test suites need from the machine, and the Debian package that provides it. */
export type Requirement = { name: string; pkg: string; why: string };

/** The integration tests' real Redis, and the e2e tests' browser (playwright-core drives it, nothing is downloaded). */
export const REQUIREMENTS: readonly Requirement[] = [
  {
    name: "redis-server",
    pkg: "redis-server",
    why: "the Redis stand-in's real backend in the integration, chaos and e2e tests",
  },
  { name: "/usr/bin/chromium", pkg: "chromium", why: "the browser the e2e tests drive" },
];

export type Machine = {
  /** Requirements not found on this machine. */
  missing: readonly Requirement[];
  /** Running as root. */
  root: boolean;
  /** `sudo -n true` succeeds: sudo without a password prompt. */
  sudo: boolean;
  /** apt-get is on PATH. */
  apt: boolean;
};

export type Plan =
  | { kind: "ready" }
  /** Run `apt-get update` once, then install `packages`, each command prefixed by `prefix` ([] or sudo -n). */
  | { kind: "install"; packages: string[]; prefix: string[]; reason: string }
  /** Cannot install here: print `message` and fail, so nobody mistakes a missing program for a failing test. */
  | { kind: "stop"; message: string };

export function planProvision(machine: Machine): Plan {
  const { missing } = machine;
  if (missing.length === 0) return { kind: "ready" };
  const packages = missing.map((r) => r.pkg);
  const reason = missing.map((r) => `${r.name} (${r.why})`).join(" and ");
  if (machine.apt && (machine.root || machine.sudo)) {
    return {
      kind: "install",
      packages,
      prefix: machine.root ? [] : ["sudo", "-n"],
      reason: `missing ${reason}`,
    };
  }
  const how = machine.apt
    ? `Install with: sudo apt-get install -y ${packages.join(" ")}   (this user is not root and has no sudo without a password)`
    : `This machine has no apt-get: install ${missing.map((r) => (r.name.startsWith("/") ? `a Chromium at ${r.name}` : `${r.name} on PATH`)).join(" and ")} (Debian packages: ${packages.join(", ")}).`;
  return {
    kind: "stop",
    message: `provision: missing ${reason}.\n${how}\nThen run npm test again.`,
  };
}
