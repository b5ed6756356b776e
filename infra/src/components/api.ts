import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** Exactly the local stack's routes (CONTRACTS.md), each to the function that serves it. */
export const ROUTES = [
  { method: "POST", path: "/webhooks/sparkpost", target: "ingest" },
  { method: "POST", path: "/oauth/token", target: "ingest" },
  { method: "GET", path: "/api/v1/events/message", target: "query" },
  { method: "GET", path: "/api/v1/message-events", target: "query" },
  { method: "GET", path: "/api/v1/rejections", target: "query" },
  { method: "GET", path: "/api/v1/batches", target: "query" },
  { method: "GET", path: "/health", target: "query" },
  // The Metrics API: the summary, and its time series, group-bys and bounce routes below it.
  { method: "GET", path: "/api/v1/metrics/deliverability", target: "query" },
  { method: "GET", path: "/api/v1/metrics/deliverability/{proxy+}", target: "query" },
  // SparkPost's Data Privacy API on msgevents' data, and the audit of its requests (packages/erasure).
  { method: "POST", path: "/api/v1/data-privacy/rtbf-request", target: "query" },
  { method: "GET", path: "/api/v1/data-privacy/rtbf-requests", target: "query" },
  { method: "GET", path: "/api/v1/data-privacy/rtbf-requests/{proxy+}", target: "query" },
  // The Alerts API (packages/alerts): list and create, then one alert (get, update, delete) and its incidents.
  { method: "GET", path: "/api/v1/alerts", target: "query" },
  { method: "POST", path: "/api/v1/alerts", target: "query" },
  { method: "GET", path: "/api/v1/alerts/{proxy+}", target: "query" },
  { method: "PUT", path: "/api/v1/alerts/{proxy+}", target: "query" },
  { method: "DELETE", path: "/api/v1/alerts/{proxy+}", target: "query" },
  // The web app (apps/web): its page and its hashed files, served by the query function from the files beside it.
  { method: "GET", path: "/", target: "query" },
  { method: "GET", path: "/assets/{proxy+}", target: "query" },
] as const;

export type RouteTarget = (typeof ROUTES)[number]["target"];

/**
 * A route's resource-name part, e.g. `get-api-v1-events-message`, `get` for `GET /`, `get-assets-proxy`: letters,
 * digits and dashes only, as a Lambda permission's statement id (named after it) must be.
 */
export function routeSlug(route: { method: string; path: string }): string {
  return `${route.method.toLowerCase()}${route.path}`.replace(/[^a-z0-9]+/gi, "-").replace(/-+$/, "");
}

/** The execute-api ARN suffix a route's invoke permission allows: `{proxy+}` stands for any rest of the path. */
export function routeArnPath(route: { method: string; path: string }): string {
  return `${route.method}${route.path.replace("{proxy+}", "*")}`;
}

/**
 * One JSON object per request. `status` and `latencyMs` are unquoted numbers, so metric filters compare them as
 * numbers; `error` uses the pre-quoted `messageString` variable, so a message with quotes stays valid JSON. API Gateway
 * has no quoted form of the integration's error message, so it is not logged (a quote in it would break the line for
 * every metric filter): the integration's own failure is in the function's log group, and `integrationStatus` says
 * which side failed.
 */
export const ACCESS_LOG_FORMAT = `{${[
  '"requestId":"$context.requestId"',
  '"requestTime":"$context.requestTime"',
  '"ip":"$context.identity.sourceIp"',
  '"routeKey":"$context.routeKey"',
  '"status":$context.status',
  '"responseLength":"$context.responseLength"',
  '"latencyMs":$context.responseLatency',
  '"integrationStatus":"$context.integrationStatus"',
  '"error":$context.error.messageString',
].join(",")}}`;

export interface ApiArgs {
  /** The `live` alias of each target: routes never reach a version whose migration has not run. */
  targets: Record<RouteTarget, aws.lambda.Alias>;
  throttleRatePerSecond: number;
  throttleBurst: number;
  logRetentionDays: number;
  /** An ACM certificate in the stack's region for the domain; the DNS record pointing at it is the user's. */
  customDomain?: { domainName: string; certificateArn: string };
}

/** An HTTP API (payload 2.0) with the local stack's routes, stage throttling and JSON access logs. */
export class Api extends pulumi.ComponentResource {
  readonly baseUrl: pulumi.Output<string>;
  readonly apiId: pulumi.Output<string>;
  /** `$default`: the Stage dimension of API Gateway's own metrics. */
  readonly stageName: pulumi.Output<string>;
  readonly accessLogGroupName: pulumi.Output<string>;
  /** Where the custom domain's DNS record must point; null without a custom domain (a stack output needs a value). */
  readonly customDomainTarget: pulumi.Output<string> | null;

  constructor(name: string, args: ApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("msgevents:aws:Api", name, {}, opts);
    const parent = { parent: this };

    // With a custom domain, the default execute-api URL is turned off so clients have one address to use.
    const api = new aws.apigatewayv2.Api(
      `${name}-http`,
      { protocolType: "HTTP", disableExecuteApiEndpoint: args.customDomain !== undefined },
      parent,
    );
    const integrations = Object.fromEntries(
      (Object.entries(args.targets) as [RouteTarget, aws.lambda.Alias][]).map(([target, alias]) => [
        target,
        new aws.apigatewayv2.Integration(
          `${name}-${target}`,
          {
            apiId: api.id,
            integrationType: "AWS_PROXY",
            integrationUri: alias.invokeArn,
            payloadFormatVersion: "2.0",
            timeoutMilliseconds: 30_000,
          },
          parent,
        ),
      ]),
    ) as Record<RouteTarget, aws.apigatewayv2.Integration>;

    for (const route of ROUTES) {
      const slug = routeSlug(route);
      new aws.apigatewayv2.Route(
        `${name}-${slug}`,
        {
          apiId: api.id,
          routeKey: `${route.method} ${route.path}`,
          target: pulumi.interpolate`integrations/${integrations[route.target].id}`,
        },
        parent,
      );
      const alias = args.targets[route.target];
      new aws.lambda.Permission(
        `${name}-${slug}`,
        {
          action: "lambda:InvokeFunction",
          function: alias.functionName,
          qualifier: alias.name,
          principal: "apigateway.amazonaws.com",
          sourceArn: pulumi.interpolate`${api.executionArn}/*/${routeArnPath(route)}`,
        },
        parent,
      );
    }

    const accessLogs = new aws.cloudwatch.LogGroup(
      `${name}-access-logs`,
      { retentionInDays: args.logRetentionDays },
      parent,
    );
    const stage = new aws.apigatewayv2.Stage(
      `${name}-default`,
      {
        apiId: api.id,
        name: "$default",
        autoDeploy: true,
        defaultRouteSettings: {
          throttlingRateLimit: args.throttleRatePerSecond,
          throttlingBurstLimit: args.throttleBurst,
        },
        accessLogSettings: { destinationArn: accessLogs.arn, format: ACCESS_LOG_FORMAT },
      },
      parent,
    );

    if (args.customDomain) {
      const domain = new aws.apigatewayv2.DomainName(
        `${name}-domain`,
        {
          domainName: args.customDomain.domainName,
          domainNameConfiguration: {
            certificateArn: args.customDomain.certificateArn,
            endpointType: "REGIONAL",
            securityPolicy: "TLS_1_2",
          },
        },
        parent,
      );
      new aws.apigatewayv2.ApiMapping(
        `${name}-domain`,
        { apiId: api.id, domainName: domain.id, stage: stage.id },
        parent,
      );
      this.baseUrl = pulumi.output(`https://${args.customDomain.domainName}`);
      this.customDomainTarget = domain.domainNameConfiguration.targetDomainName;
    } else {
      this.baseUrl = api.apiEndpoint;
      this.customDomainTarget = null;
    }

    this.apiId = api.id;
    this.stageName = stage.name;
    this.accessLogGroupName = accessLogs.name;
    this.registerOutputs({ baseUrl: this.baseUrl });
  }
}
