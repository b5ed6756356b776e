// Connection arithmetic: the functions that hold database connections can never together exceed what the instance
// accepts. RDS for PostgreSQL's default is max_connections = LEAST(DBInstanceClassMemory / 9531392, 5000), where
// DBInstanceClassMemory is the memory left to PostgreSQL after the OS and RDS's own processes, somewhat below the
// class's nominal memory. We budget against a conservative share of the nominal memory instead of guessing RDS's
// exact reservation.

export const MAX_CONNECTIONS_MEMORY_DIVISOR = 9_531_392;
/** Share of the class's nominal memory assumed to count as DBInstanceClassMemory (RDS shows 90%+; we assume less). */
export const USABLE_MEMORY_SHARE = 0.7;
/** superuser_reserved_connections (3) + rds.rds_superuser_reserved_connections (2): never open to our login roles. */
export const RESERVED_CONNECTIONS = 5;
/** Left for an operator's psql session, RDS monitoring and a manual replay or backfill. */
export const OPERATOR_HEADROOM = 5;
/** The maintenance function runs one instance at a time (reserved concurrency 1) and uses one pool of this size. */
export const MAINTENANCE_CONNECTIONS = 2;
/** The migrator is invoked once per deploy; its pool is at most this size. */
export const MIGRATOR_CONNECTIONS = 2;
/**
 * The alert evaluator runs one cycle at a time (every 5 minutes, reserved concurrency 1 unless
 * msgevents:lambdaReservedConcurrency is off) with a pool of this size, opened for the cycle and closed after it.
 */
export const ALERT_EVALUATOR_CONNECTIONS = 2;
/**
 * The longest idle timeout of the functions' pools (loader 60 s, query 30 s, maintenance 10 s): a running pool closes
 * its own idle connections sooner, so a session idle longer belongs to a frozen or superseded Lambda environment.
 */
export const LONGEST_POOL_IDLE_MS = 60_000;
/**
 * PostgreSQL's idle_session_timeout (the parameter group): closes those sessions. A deploy publishes new versions
 * whose environments open their own pools while the previous ones sit frozen with theirs; for at most this long the
 * two overlap.
 */
export const IDLE_SESSION_TIMEOUT_MS = 5 * LONGEST_POOL_IDLE_MS;

/** Nominal memory in GiB of the instance classes this program knows how to budget for. */
export const INSTANCE_CLASS_MEMORY_GIB: Readonly<Record<string, number>> = {
  "db.t4g.micro": 1,
  "db.t4g.small": 2,
  "db.t4g.medium": 4,
  "db.t4g.large": 8,
  "db.t4g.xlarge": 16,
  "db.t4g.2xlarge": 32,
  "db.m7g.large": 8,
  "db.m7g.xlarge": 16,
  "db.m7g.2xlarge": 32,
  "db.m8g.large": 8,
  "db.m8g.xlarge": 16,
  "db.r7g.large": 16,
  "db.r7g.xlarge": 32,
  "db.r8g.large": 16,
  "db.r8g.xlarge": 32,
};

export interface ConnectionDemand {
  instanceClass: string;
  loaderMaxConcurrency: number;
  loaderPoolMax: number;
  /** The most query instances at once: its reserved concurrency, or the account's quota when nothing is reserved. */
  queryReservedConcurrency: number;
  queryPoolMax: number;
  /** What caps the query function; unreserved, only the account's Lambda concurrency quota does. */
  queryCappedBy?: "reservation" | "account quota";
}

export interface ConnectionBudget {
  /** max_connections assumed for the class (from USABLE_MEMORY_SHARE of its memory). */
  maxConnections: number;
  /** What our login roles may use: maxConnections − reserved − operator headroom. */
  available: number;
  /** Worst case: every function at its concurrency cap, every pool full. */
  demand: { loader: number; query: number; maintenance: number; migrator: number; alerts: number; total: number };
  /**
   * Worst case for up to IDLE_SESSION_TIMEOUT_MS after a deploy: the previous versions' environments still hold full
   * pools while the new ones fill theirs and the migrator runs. Transient: past `available`, new connections are
   * refused for that window (loads retry through SQS, searches answer 503), nothing is lost.
   */
  duringDeploy: number;
}

/** max_connections RDS sets by default for the class, counting only USABLE_MEMORY_SHARE of its nominal memory. */
export function assumedMaxConnections(instanceClass: string): number {
  const gib = INSTANCE_CLASS_MEMORY_GIB[instanceClass];
  if (gib === undefined) {
    throw new Error(
      `no memory figure for ${instanceClass}: add it to INSTANCE_CLASS_MEMORY_GIB in infra/src/connections.ts so the connection budget can be checked.`,
    );
  }
  return Math.min(Math.floor((gib * 1024 ** 3 * USABLE_MEMORY_SHARE) / MAX_CONNECTIONS_MEMORY_DIVISOR), 5000);
}

export function connectionBudget(demand: ConnectionDemand): ConnectionBudget {
  const maxConnections = assumedMaxConnections(demand.instanceClass);
  const loader = demand.loaderMaxConcurrency * demand.loaderPoolMax;
  const query = demand.queryReservedConcurrency * demand.queryPoolMax;
  const total = loader + query + MAINTENANCE_CONNECTIONS + MIGRATOR_CONNECTIONS + ALERT_EVALUATOR_CONNECTIONS;
  return {
    maxConnections,
    available: maxConnections - RESERVED_CONNECTIONS - OPERATOR_HEADROOM,
    demand: {
      loader,
      query,
      maintenance: MAINTENANCE_CONNECTIONS,
      migrator: MIGRATOR_CONNECTIONS,
      alerts: ALERT_EVALUATOR_CONNECTIONS,
      total,
    },
    // The evaluator's pool lives only while a cycle runs: no frozen environment of a previous version holds one.
    duringDeploy: 2 * (loader + query + MAINTENANCE_CONNECTIONS) + MIGRATOR_CONNECTIONS + ALERT_EVALUATOR_CONNECTIONS,
  };
}

/** Fails `pulumi up` before anything is deployed when the configured concurrency could exhaust the database. */
export function assertConnectionBudget(demand: ConnectionDemand): ConnectionBudget {
  const budget = connectionBudget(demand);
  if (budget.demand.total > budget.available) {
    const d = budget.demand;
    const fix =
      demand.queryCappedBy === "account quota"
        ? "set msgevents:lambdaReservedConcurrency true (so msgevents:queryReservedConcurrency caps the query function instead of the account's Lambda quota), or choose a larger msgevents:dbInstanceClass."
        : "lower msgevents:loaderMaxConcurrency, msgevents:queryReservedConcurrency or the pool sizes, or choose a larger msgevents:dbInstanceClass.";
    throw new Error(
      `the functions could open ${d.total} database connections (loader ${demand.loaderMaxConcurrency}×${demand.loaderPoolMax}, ` +
        `query ${demand.queryReservedConcurrency}×${demand.queryPoolMax}, maintenance ${d.maintenance}, migrator ${d.migrator}, ` +
        `alert evaluator ${d.alerts}) ` +
        `but ${demand.instanceClass} leaves ${budget.available} for them: ${fix}`,
    );
  }
  return budget;
}
