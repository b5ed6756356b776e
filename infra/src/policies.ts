// Every IAM document the program writes, as plain functions of the ARNs it grants on, so a wildcard cannot creep in
// unnoticed: test/iam.test.ts walks each document the program produces.

export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: string | Record<string, string | string[]>;
  Action: string[];
  Resource?: string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

const document = (...statements: PolicyStatement[]): PolicyDocument => ({
  Version: "2012-10-17",
  Statement: statements,
});

/**
 * What Lambda needs in the execution role to attach a function to the VPC (AWS's AWSLambdaVPCAccessExecutionRole).
 * The Describe calls support no resource-level permissions, and Lambda makes the others for the function's own
 * ENIs, so these actions are granted on "*": the one documented exception in test/iam.test.ts.
 */
export const VPC_NETWORK_INTERFACE_ACTIONS = [
  "ec2:CreateNetworkInterface",
  "ec2:DescribeNetworkInterfaces",
  "ec2:DescribeSubnets",
  "ec2:DeleteNetworkInterface",
  "ec2:AssignPrivateIpAddresses",
  "ec2:UnassignPrivateIpAddresses",
];

/** Lambda may assume the role; only principals of this account can pass it to a function (iam:PassRole). */
export function lambdaTrustPolicy(): PolicyDocument {
  return document({ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: ["sts:AssumeRole"] });
}

/** The `rds-db:connect` resource for one database user: IAM authentication as that user and no other. */
export function databaseUserArn(args: { region: string; accountId: string; dbiResourceId: string; user: string }) {
  return `arn:aws:rds-db:${args.region}:${args.accountId}:dbuser:${args.dbiResourceId}/${args.user}`;
}

const writeLogs = (logGroupArn: string): PolicyStatement => ({
  Sid: "WriteOwnLogs",
  Effect: "Allow",
  Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
  Resource: [`${logGroupArn}:*`],
});

const attachToVpc = (): PolicyStatement => ({
  Sid: "AttachToVpc",
  Effect: "Allow",
  Action: VPC_NETWORK_INTERFACE_ACTIONS,
  Resource: ["*"],
});

const readSecret = (secretArn: string): PolicyStatement => ({
  Sid: "ReadOwnSecret",
  Effect: "Allow",
  Action: ["secretsmanager:GetSecretValue"],
  Resource: [secretArn],
});

const connectAs = (databaseUser: string): PolicyStatement => ({
  Sid: "ConnectAsOwnDatabaseUser",
  Effect: "Allow",
  Action: ["rds-db:connect"],
  Resource: [databaseUser],
});

/** ListBucket only under the batch prefix: HeadObject on a missing key answers 404 (not 403) with it. */
const listBatches = (bucketArn: string, prefix: string): PolicyStatement => ({
  Sid: "ListBatches",
  Effect: "Allow",
  Action: ["s3:ListBucket"],
  Resource: [bucketArn],
  Condition: { StringLike: { "s3:prefix": `${prefix}*` } },
});

export function ingestPolicy(a: {
  logGroupArn: string;
  bucketArn: string;
  batchPrefix: string;
  webhookSecretArn: string;
}) {
  return document(
    writeLogs(a.logGroupArn),
    {
      Sid: "StoreBatches",
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:GetObject"],
      Resource: [`${a.bucketArn}/${a.batchPrefix}*`],
    },
    listBatches(a.bucketArn, a.batchPrefix),
    readSecret(a.webhookSecretArn),
  );
}

export function loaderPolicy(a: {
  logGroupArn: string;
  bucketArn: string;
  batchPrefix: string;
  queueArn: string;
  databaseUser: string;
}) {
  return document(
    writeLogs(a.logGroupArn),
    attachToVpc(),
    { Sid: "ReadBatches", Effect: "Allow", Action: ["s3:GetObject"], Resource: [`${a.bucketArn}/${a.batchPrefix}*`] },
    listBatches(a.bucketArn, a.batchPrefix),
    {
      Sid: "ConsumeNotifications",
      Effect: "Allow",
      Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
      Resource: [a.queueArn],
    },
    connectAs(a.databaseUser),
  );
}

export function queryPolicy(a: { logGroupArn: string; apiSecretArn: string; databaseUser: string }) {
  return document(writeLogs(a.logGroupArn), attachToVpc(), readSecret(a.apiSecretArn), connectAs(a.databaseUser));
}

export function maintenancePolicy(a: { logGroupArn: string; databaseUser: string }) {
  return document(writeLogs(a.logGroupArn), attachToVpc(), connectAs(a.databaseUser));
}

/** The migrator logs in as the RDS master user with the RDS-managed secret; it needs no IAM database user. */
export function migratorPolicy(a: { logGroupArn: string; masterSecretArn: string }) {
  return document(writeLogs(a.logGroupArn), attachToVpc(), readSecret(a.masterSecretArn));
}

/** Refuses every request to the bucket that does not arrive over TLS. */
export function tlsOnlyBucketPolicy(bucketArn: string): PolicyDocument {
  return document({
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: ["s3:*"],
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  });
}

/** Admits S3 notifications from this bucket in this account, and nothing else, to the queue. */
export function bucketNotificationQueuePolicy(a: { queueArn: string; bucketArn: string; accountId: string }) {
  return document(
    {
      Sid: "AcceptNotificationsFromBatchBucket",
      Effect: "Allow",
      Principal: { Service: "s3.amazonaws.com" },
      Action: ["sqs:SendMessage"],
      Resource: [a.queueArn],
      Condition: { ArnEquals: { "aws:SourceArn": a.bucketArn }, StringEquals: { "aws:SourceAccount": a.accountId } },
    },
    {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: ["sqs:*"],
      Resource: [a.queueArn],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
  );
}

/**
 * The alert evaluator (in the VPC): its database user, and the outbox bucket as the only way out: it writes
 * deliveries under `outbox/`, lists, reads and deletes the sender's receipts under `receipts/`.
 */
export function alertEvaluatorPolicy(a: {
  logGroupArn: string;
  databaseUser: string;
  bucketArn: string;
  outboxPrefix: string;
  receiptsPrefix: string;
}) {
  return document(
    writeLogs(a.logGroupArn),
    attachToVpc(),
    connectAs(a.databaseUser),
    {
      Sid: "HandOverDeliveries",
      Effect: "Allow",
      Action: ["s3:PutObject"],
      Resource: [`${a.bucketArn}/${a.outboxPrefix}*`],
    },
    {
      Sid: "ListReceipts",
      Effect: "Allow",
      Action: ["s3:ListBucket"],
      Resource: [a.bucketArn],
      Condition: { StringLike: { "s3:prefix": `${a.receiptsPrefix}*` } },
    },
    {
      Sid: "CollectReceipts",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:DeleteObject"],
      Resource: [`${a.bucketArn}/${a.receiptsPrefix}*`],
    },
  );
}

/**
 * The alert sender (outside the VPC, no database): reads the deliveries the evaluator wrote, writes their receipts,
 * reads its own secret (signing key, SparkPost key). Nothing else: the internet it reaches needs no IAM.
 */
export function alertSenderPolicy(a: {
  logGroupArn: string;
  bucketArn: string;
  outboxPrefix: string;
  receiptsPrefix: string;
  secretArn: string;
}) {
  return document(
    writeLogs(a.logGroupArn),
    {
      Sid: "ReadDeliveries",
      Effect: "Allow",
      Action: ["s3:GetObject"],
      Resource: [`${a.bucketArn}/${a.outboxPrefix}*`],
    },
    {
      Sid: "WriteReceipts",
      Effect: "Allow",
      Action: ["s3:PutObject"],
      Resource: [`${a.bucketArn}/${a.receiptsPrefix}*`],
    },
    readSecret(a.secretArn),
  );
}
