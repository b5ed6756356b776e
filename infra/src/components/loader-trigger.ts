import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface LoaderTriggerArgs {
  queueArn: pulumi.Input<string>;
  /** The loader's `live` alias: the queue never feeds a version whose migration has not run. */
  loader: aws.lambda.Alias;
  /** Messages per invocation (S3 notifications, one batch each). */
  batchSize: number;
  /** Concurrent loader invocations at most: part of the connection budget (infra/README.md). */
  maxConcurrency: number;
  /** Created after the bucket notification and the migration, so batches never meet an old schema. */
  dependsOn: pulumi.Resource[];
}

/** The SQS event source mapping that feeds batch notifications to the loader, reporting partial batch failures. */
export class LoaderTrigger extends pulumi.ComponentResource {
  readonly mapping: aws.lambda.EventSourceMapping;

  constructor(name: string, args: LoaderTriggerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("msgevents:aws:LoaderTrigger", name, {}, opts);
    this.mapping = new aws.lambda.EventSourceMapping(
      `${name}-sqs`,
      {
        eventSourceArn: args.queueArn,
        functionName: args.loader.arn,
        batchSize: args.batchSize,
        functionResponseTypes: ["ReportBatchItemFailures"],
        scalingConfig: { maximumConcurrency: args.maxConcurrency },
      },
      { parent: this, dependsOn: args.dependsOn },
    );
    this.registerOutputs({ uuid: this.mapping.uuid });
  }
}
