import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";

/** CloudWatch namespace and name of the metric the infrastructure alarms on (Sum ≥ 1). */
export const METRICS_NAMESPACE = "msgevents";
export const OVERSIZED_BATCHES_METRIC = "OversizedBatches";

/**
 * Reports each batch refused with 413 as one `OversizedBatches` count in CloudWatch (embedded metric format on
 * stdout, dimension `service`), at once rather than at the end of the invocation, so no refusal goes unseen.
 */
export function oversizedBatchMetric(
  metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: "msgevents-ingest" }),
) {
  return (): void => {
    metrics.singleMetric().addMetric(OVERSIZED_BATCHES_METRIC, MetricUnit.Count, 1);
  };
}
