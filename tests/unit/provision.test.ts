import { describe, expect, it } from "vitest";
import { planProvision, REQUIREMENTS, type Machine, type Plan } from "../../dev/provision-plan.ts";

const [redis, chromium] = REQUIREMENTS;
const machine = (m: Partial<Machine>): Machine => ({
  missing: [],
  root: false,
  sudo: false,
  apt: true,
  ...m,
});
const stopMessage = (plan: Plan) =>
  plan.kind === "stop" ? plan.message : `not a stop: ${plan.kind}`;

describe("npm test provisioning the machine (dev/provision-plan.ts)", () => {
  it("does nothing when redis-server and /usr/bin/chromium are both there, whoever runs it", () => {
    expect(planProvision(machine({}))).toEqual({ kind: "ready" });
    expect(planProvision(machine({ apt: false }))).toEqual({ kind: "ready" });
  });

  it("installs everything missing in one apt-get run as root, without sudo", () => {
    const plan = planProvision(machine({ missing: [redis, chromium], root: true }));
    expect(plan).toMatchObject({
      kind: "install",
      packages: ["redis-server", "chromium"],
      prefix: [],
    });
    // The one line it prints says why each package is installed.
    expect(plan.kind === "install" && plan.reason).toMatch(
      /redis-server \(.*\) and \/usr\/bin\/chromium \(.*e2e.*\)/,
    );
  });

  it("installs only what is missing, through sudo -n when this user may use sudo without a password", () => {
    expect(planProvision(machine({ missing: [chromium], sudo: true }))).toMatchObject({
      kind: "install",
      packages: ["chromium"],
      prefix: ["sudo", "-n"],
    });
    expect(planProvision(machine({ missing: [redis], sudo: true }))).toMatchObject({
      kind: "install",
      packages: ["redis-server"],
      prefix: ["sudo", "-n"],
    });
  });

  it("stops with the exact apt-get command when it may not install (no root, sudo wants a password)", () => {
    const plan = planProvision(machine({ missing: [redis, chromium] }));
    expect(plan.kind).toBe("stop");
    expect(stopMessage(plan)).toContain("sudo apt-get install -y redis-server chromium");
    expect(stopMessage(plan)).toMatch(/missing redis-server .* and \/usr\/bin\/chromium/);
  });

  it("stops and names the programs, not apt packages only, on a machine without apt-get (root or not)", () => {
    for (const root of [true, false]) {
      const message = stopMessage(
        planProvision(machine({ missing: [redis, chromium], apt: false, root, sudo: root })),
      );
      expect(message).toContain("no apt-get");
      expect(message).toContain("redis-server on PATH");
      expect(message).toContain("a Chromium at /usr/bin/chromium");
    }
    expect(
      stopMessage(planProvision(machine({ missing: [chromium], apt: false, root: true }))),
    ).not.toContain("redis-server");
  });
});
