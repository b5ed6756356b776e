// Runs one loadBatch in a process of its own, so a test can SIGKILL a loader mid-transaction.
// Usage: node --import tsx load-in-child.ts <databaseUrl> <storeDir> <objectKey>
import { Logger } from "@aws-lambda-powertools/logger";
import { PartitionManager } from "@msgevents/schema";
import { FileObjectStore } from "@msgevents/storage";
import pg from "pg";
import { loadBatch } from "../../src/index.ts";

const [databaseUrl, storeDir, objectKey] = process.argv.slice(2);
if (!databaseUrl || !storeDir || !objectKey)
  throw new Error("usage: load-in-child.ts <databaseUrl> <storeDir> <objectKey>");
const pool = new pg.Pool({ connectionString: databaseUrl, max: 1, application_name: "msgevents-loader-child" });
// The parent may stop the server or kill this process mid-load; an idle connection's error must not crash it first.
pool.on("error", () => {});
const result = await loadBatch(objectKey, {
  pool,
  store: new FileObjectStore(storeDir),
  partitions: new PartitionManager(pool),
  logger: new Logger({ serviceName: "msgevents-loader-child", logLevel: "SILENT" }),
});
process.stdout.write(JSON.stringify(result));
await pool.end();
