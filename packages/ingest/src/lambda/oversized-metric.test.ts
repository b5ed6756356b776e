import { afterEach, expect, it, vi } from "vitest";
import { oversizedBatchMetric } from "./oversized-metric.ts";

afterEach(() => {
  vi.restoreAllMocks();
});

it("emits one OversizedBatches count per refused batch in CloudWatch's embedded metric format", () => {
  const lines: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    lines.push(String(chunk));
    return true;
  });
  const record = oversizedBatchMetric();
  record();
  record();
  vi.restoreAllMocks();
  const metrics = lines.map((line) => JSON.parse(line));
  expect(metrics).toHaveLength(2);
  for (const metric of metrics) {
    expect(metric).toMatchObject({
      _aws: {
        CloudWatchMetrics: [
          { Namespace: "msgevents", Dimensions: [["service"]], Metrics: [{ Name: "OversizedBatches", Unit: "Count" }] },
        ],
      },
      service: "msgevents-ingest",
      OversizedBatches: 1,
    });
  }
});
