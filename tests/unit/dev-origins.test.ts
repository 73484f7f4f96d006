import type { NetworkInterfaceInfo } from "node:os";
import { describe, expect, it } from "vitest";
import { devOrigins } from "../../dev/dev-origins.ts";

const ip = (address: string, family: "IPv4" | "IPv6", internal = false) =>
  ({ address, family, internal }) as NetworkInterfaceInfo;
const interfaces = {
  lo: [ip("127.0.0.1", "IPv4", true), ip("::1", "IPv6", true)],
  eth0: [ip("192.168.1.23", "IPv4"), ip("fd00::2", "IPv6")],
};

describe("the origins npm run dev serves its dev resources to (next.config allowedDevOrigins)", () => {
  it("allows loopback and every address of the machine, IPv6 bracketed as Next sees an Origin's hostname", () => {
    const hosts = devOrigins({ env: {}, interfaces, hostname: "Devbox" });
    expect(hosts).toEqual(
      expect.arrayContaining([
        "localhost",
        "127.0.0.1",
        "[::1]",
        "192.168.1.23",
        "[fd00::2]",
        "devbox",
      ]),
    );
    // Each entry is what Next compares: the hostname of new URL(origin).
    for (const origin of [
      "http://127.0.0.1:3000",
      "http://[::1]:3000",
      "http://192.168.1.23:3000",
      "http://[fd00::2]:3000",
    ]) {
      expect(hosts).toContain(new URL(origin).hostname);
    }
  });

  it("allows the host of APP_BASE_URL and the extra hosts of DEV_ALLOWED_ORIGINS, a URL counting by its host", () => {
    const hosts = devOrigins({
      env: {
        APP_BASE_URL: "https://tabsafe-dev.example.net",
        DEV_ALLOWED_ORIGINS: "box.lan, *.trycloudflare.com http://Phone.local:3000",
      },
      interfaces: {},
    });
    expect(hosts).toEqual(
      expect.arrayContaining([
        "tabsafe-dev.example.net",
        "box.lan",
        "*.trycloudflare.com",
        "phone.local",
      ]),
    );
    expect(hosts).not.toContain("");
  });

  it("ignores an APP_BASE_URL that is not a URL and names no host twice", () => {
    const hosts = devOrigins({
      env: { APP_BASE_URL: "not a url", DEV_ALLOWED_ORIGINS: "127.0.0.1" },
      interfaces,
    });
    expect(new Set(hosts).size).toBe(hosts.length);
    expect(hosts).not.toContain("not a url");
  });
});
