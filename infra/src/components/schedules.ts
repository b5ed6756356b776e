import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface SchedulesArgs {
  /** The maintenance function's `live` alias. */
  maintenance: aws.lambda.Alias;
  /** Defaults to hourly: partitions stay a week ahead and expired days go within the hour. */
  scheduleExpression?: string;
}

/** An EventBridge rule that runs partition maintenance (days ahead, retention) on a schedule. */
export class Schedules extends pulumi.ComponentResource {
  readonly ruleName: pulumi.Output<string>;

  constructor(name: string, args: SchedulesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("msgevents:aws:Schedules", name, {}, opts);
    const parent = { parent: this };
    const rule = new aws.cloudwatch.EventRule(
      `${name}-maintenance`,
      {
        description: "msgevents partition maintenance",
        scheduleExpression: args.scheduleExpression ?? "rate(1 hour)",
      },
      parent,
    );
    const permission = new aws.lambda.Permission(
      `${name}-maintenance`,
      {
        action: "lambda:InvokeFunction",
        function: args.maintenance.functionName,
        qualifier: args.maintenance.name,
        principal: "events.amazonaws.com",
        sourceArn: rule.arn,
      },
      parent,
    );
    new aws.cloudwatch.EventTarget(
      `${name}-maintenance`,
      {
        rule: rule.name,
        arn: args.maintenance.arn,
        retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
      },
      { parent: this, dependsOn: [permission] },
    );
    this.ruleName = rule.name;
    this.registerOutputs({ ruleName: this.ruleName });
  }
}
