import type { NodePgQueryResultHKT } from "drizzle-orm/node-postgres";
import type { PgDatabase } from "drizzle-orm/pg-core";

/** drizzle over node-postgres, or a transaction of it: the store's functions run in either. */
export type AlertsDatabase = PgDatabase<NodePgQueryResultHKT>;
