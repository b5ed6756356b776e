#!/usr/bin/env node
// The CLI is TypeScript run through tsx, like every package of this workspace (source-only, no build step).
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
