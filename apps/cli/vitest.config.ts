import { testConfig } from "../../vitest.shared.ts";

// Each end-to-end file starts whole local stacks (each with its own PostgreSQL) as separate processes.
export default testConfig("stack");
