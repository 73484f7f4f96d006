// Kept for tests/bench/browser.bench.test.ts; the browser helpers are ../browser.ts.
export { CHROMIUM, CHROMIUM_FLAGS, jobState, launchBrowser, tmpProfile } from "../browser.ts";
