import { randomBytes } from "node:crypto";
import { Client, Receiver } from "@upstash/qstash";
import { afterAll, afterEach, beforeAll, vi } from "vitest";
import { startQStash, type QStashDev, type QStashDevOptions } from "../../dev/qstash/index.ts";
import { eventually } from "./eventually.ts";
import { startDestination, type Destination, type Received } from "./qstash-destination.ts";

/**
 * What the QStash stand-in's own suites share: a stand-in at QStash's real timing, a recording
 * destination, the official SDK Client and Receiver pointed at them, and small waiting helpers.
 * Each test file gets its own stand-in, so files never see each other's messages or logs.
 */
export type QStashSuite = {
  qstash: QStashDev;
  dest: Destination;
  client: Client;
  receiver: Receiver;
  token: string;
  keys: { current: string; next: string };
  /** Starts another stand-in with this suite's token and keys (stopped by the caller). */
  start(extra?: Partial<QStashDevOptions>): Promise<QStashDev>;
  clientOf(dev: QStashDev): Client;
  /** Waits until `p` got at least `n` requests; returns all it got. */
  delivered(p: string, n?: number): Promise<Received[]>;
};

const secret = () => randomBytes(12).toString("hex");
let pathSeq = 0;

/** A fresh destination path per test, so recordings never mix. */
export const path = (name: string) => `/t${pathSeq++}/${name}`;
export const b64 = (text: string) => Buffer.from(text).toString("base64");
export const signature = (r: Received) => String(r.headers["upstash-signature"]);
export const claims = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString()) as Record<string, unknown>;
/** `eventually` for probes that say "not yet" with false. */
export const when = async <T>(probe: () => T | false | Promise<T | false>): Promise<T> =>
  (await eventually(probe)) as T;
/** The SDK logs every 4xx to console.error; tests that expect one keep the output clean. */
export const quietSdk = () => vi.spyOn(console, "error").mockImplementation(() => {});

/** Registers the stand-in, destination and client for the calling file; the object fills in beforeAll. */
export function useQStashSuite(extra: Partial<QStashDevOptions> = {}): QStashSuite {
  const token = secret();
  const keys = { current: `sig_${secret()}`, next: `sig_${secret()}` };
  const suite = {
    token,
    keys,
    receiver: new Receiver({ currentSigningKey: keys.current, nextSigningKey: keys.next }),
  } as QStashSuite;
  suite.start = (more = {}) =>
    startQStash({
      port: 0,
      token,
      currentSigningKey: keys.current,
      nextSigningKey: keys.next,
      ...extra,
      ...more,
    });
  suite.clientOf = (dev) => new Client({ baseUrl: dev.url, token, enableTelemetry: false });
  suite.delivered = (p, n = 1) =>
    when(() => suite.dest.received(p).length >= n && suite.dest.received(p));
  beforeAll(async () => {
    suite.dest = await startDestination();
    suite.qstash = await suite.start();
    suite.client = suite.clientOf(suite.qstash);
  });
  afterEach(() => {
    suite.qstash.setFaults({});
    vi.restoreAllMocks();
  });
  afterAll(async () => {
    await suite.qstash?.stop();
    await suite.dest?.stop();
  });
  return suite;
}
