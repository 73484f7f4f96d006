/**
 * `npm run provision`, the first thing `npm test` does: makes sure redis-server and Debian's
 * Chromium at /usr/bin/chromium are on this machine. Missing ones are installed with apt-get
 * when this user may (root, or sudo without a password), quietly and with one line saying what
 * and why; otherwise it stops and names exactly what to install. Nothing to do: no output.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { planProvision, REQUIREMENTS, type Requirement } from "./provision-plan.ts";

const executable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};
/** As a shell finds a command: the first executable `name` in a PATH directory. */
const onPath = (name: string) =>
  (process.env.PATH ?? "").split(delimiter).some((dir) => dir && executable(join(dir, name)));
const present = (r: Requirement) => (r.name.startsWith("/") ? executable(r.name) : onPath(r.name));
const missingNow = () => REQUIREMENTS.filter((r) => !present(r));

const missing = missingNow();
const root = process.getuid?.() === 0;
// sudo is only asked when it could matter; -n fails at once instead of prompting for a password.
const sudo =
  missing.length > 0 &&
  !root &&
  spawnSync("sudo", ["-n", "true"], { stdio: "ignore" }).status === 0;
const plan = planProvision({ missing, root, sudo, apt: onPath("apt-get") });

if (plan.kind === "stop") {
  console.error(plan.message);
  process.exit(1);
}
if (plan.kind === "install") {
  console.log(`provision: installing ${plan.packages.join(" ")} with apt-get: ${plan.reason}`);
  // sudo resets the environment, so the non-interactive frontend goes through `env`.
  const apt = plan.prefix.length
    ? [...plan.prefix, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]
    : ["apt-get"];
  const run = (args: string[]) => {
    const result = spawnSync(apt[0], [...apt.slice(1), ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
    if (result.status === 0) return;
    const output =
      `${result.stdout ?? ""}${result.stderr ?? ""}${result.error ? String(result.error) : ""}`.trim();
    console.error(
      `provision: \`${apt.join(" ")} ${args.join(" ")}\` failed (exit ${result.status ?? result.signal}):\n${output.split("\n").slice(-20).join("\n")}`,
    );
    console.error(`Install by hand: sudo apt-get install -y ${plan.packages.join(" ")}`);
    process.exit(1);
  };
  run(["update", "-qq"]);
  run(["install", "-y", "-qq", "--no-install-recommends", ...plan.packages]);
  const still = missingNow();
  if (still.length) {
    console.error(
      `provision: apt-get installed ${plan.packages.join(" ")}, yet ${still.map((r) => r.name).join(" and ")} still cannot be found`,
    );
    process.exit(1);
  }
}
