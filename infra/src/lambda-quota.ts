// Reserved concurrency comes out of the account's Lambda concurrency quota, and Lambda refuses any reservation that
// would leave fewer than 100 executions unreserved. New accounts may start with a quota of 10: without this check
// `pulumi up` fails a quarter of an hour in, after the database exists, with a partial stack.

/** Service Quotas: AWS Lambda → Concurrent executions (per region). */
export const LAMBDA_CONCURRENCY_QUOTA = { serviceCode: "lambda", quotaCode: "L-B99A9384" } as const;
/** What Lambda keeps for functions without a reservation; a reservation that would cut into it is refused. */
export const UNRESERVED_MINIMUM = 100;
/** The maintenance function runs one instance at a time. */
export const MAINTENANCE_RESERVED_CONCURRENCY = 1;
/** The alert evaluator too: its connections are budgeted for one instance (ALERT_EVALUATOR_CONNECTIONS). */
export const ALERT_EVALUATOR_RESERVED_CONCURRENCY = 1;

export type Reservations = Record<"query" | "maintenance" | "alertEvaluator", number>;

/** The stack's reservations by function, or none when `lambdaReservedConcurrency` is off. */
export function reservationsOf(settings: {
  reservedConcurrency: boolean;
  query: { reservedConcurrency: number };
}): Reservations | undefined {
  if (!settings.reservedConcurrency) return undefined;
  return {
    query: settings.query.reservedConcurrency,
    maintenance: MAINTENANCE_RESERVED_CONCURRENCY,
    alertEvaluator: ALERT_EVALUATOR_RESERVED_CONCURRENCY,
  };
}

/** The quota the reservations need: their sum plus the unreserved minimum. */
export function requiredConcurrency(reservations: Record<string, number>): number {
  return Object.values(reservations).reduce((sum, n) => sum + n, 0) + UNRESERVED_MINIMUM;
}

/** Fails `pulumi preview` when the region's quota cannot hold the reservations, naming the quota and both fixes. */
export function assertLambdaConcurrency(a: {
  quota: number;
  reservations: Record<string, number>;
  region: string;
}): void {
  const needed = requiredConcurrency(a.reservations);
  if (a.quota >= needed) return;
  const reserved = Object.entries(a.reservations)
    .map(([fn, n]) => `${fn} ${n}`)
    .join(", ");
  throw new Error(
    `the account's Lambda concurrency quota in ${a.region} is ${a.quota}, but this stack reserves ${needed - UNRESERVED_MINIMUM} ` +
      `(${reserved}) and Lambda keeps ${UNRESERVED_MINIMUM} unreserved, so it needs at least ${needed} ` +
      `(Service Quotas: AWS Lambda → Concurrent executions, ${LAMBDA_CONCURRENCY_QUOTA.quotaCode}). Either request an increase ` +
      `(aws service-quotas request-service-quota-increase --region ${a.region} --service-code lambda --quota-code ` +
      `${LAMBDA_CONCURRENCY_QUOTA.quotaCode} --desired-value 1000) and deploy once it is granted, or set ` +
      "msgevents:lambdaReservedConcurrency false to deploy without reservations (the account's quota then caps the query " +
      "function; see infra/README.md, Connection arithmetic). Reservations of other functions in the account also count.",
  );
}
