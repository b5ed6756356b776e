import { testConfig } from "../../vitest.shared.ts";

// The browser tests start a whole local stack as a separate process, as apps/local's end-to-end tests do. A page
// waits on that stack's answers, which take a while on a loaded CI machine: polls of the page wait up to 30 s.
export default testConfig("stack", { test: { expect: { poll: { timeout: 30_000, interval: 100 } } } });
