// Kept for tests/bench/browser.bench.test.ts (vitest.config's bench project); the e2e harness is ../global-setup.ts.
export { default } from "../global-setup.ts";
