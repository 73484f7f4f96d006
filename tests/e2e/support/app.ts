// Kept for tests/bench/browser.bench.test.ts; the e2e harness is ../harness.ts.
export { startE2EApp, type E2EApp } from "../harness.ts";
