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

/**
 * What the bastion's SSM Agent needs for Session Manager and nothing else (AWS's minimal Session Manager instance
 * policy). The ssmmessages channel actions support no resource-level permissions, and UpdateInstanceInformation is
 * called for the instance the credentials belong to, so these are granted on "*": the second documented exception in
 * test/iam.test.ts. The role can be used only by the bastion's instance profile.
 */
export const SESSION_MANAGER_AGENT_ACTIONS = [
  "ssm:UpdateInstanceInformation",
  "ssmmessages:CreateControlChannel",
  "ssmmessages:CreateDataChannel",
  "ssmmessages:OpenControlChannel",
  "ssmmessages:OpenDataChannel",
];

/** Lambda may assume the role; only principals of this account can pass it to a function (iam:PassRole). */
export function lambdaTrustPolicy(): PolicyDocument {
  return document({ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: ["sts:AssumeRole"] });
}

/** EC2 may assume the role (the bastion's instance profile). */
export function ec2TrustPolicy(): PolicyDocument {
  return document({ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: ["sts:AssumeRole"] });
}

/** The `rds-db:connect` resource for one database user: IAM authentication as that user and no other. */
export function databaseUserArn(args: {
  partition: string;
  region: string;
  accountId: string;
  dbiResourceId: string;
  user: string;
}) {
  return `arn:${args.partition}:rds-db:${args.region}:${args.accountId}:dbuser:${args.dbiResourceId}/${args.user}`;
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

/** The bastion's role: Session Manager's agent channel, nothing in the stack's data (the database wants a password). */
export function bastionPolicy(): PolicyDocument {
  return document({
    Sid: "SessionManagerAgent",
    Effect: "Allow",
    Action: SESSION_MANAGER_AGENT_ACTIONS,
    Resource: ["*"],
  });
}

/**
 * Any principal, but only the one role named by `aws:PrincipalArn` (a role's sessions carry the role's ARN there): the
 * usual form of an endpoint policy, and unlike a role ARN as Principal, EC2 accepts it for a role IAM is still
 * propagating on a first deploy.
 */
const onlyRole = (roleArn: string) => ({ ArnEquals: { "aws:PrincipalArn": roleArn } });

/**
 * The S3 gateway endpoint admits the loader's role reading batches of this bucket, and nothing else: no other bucket
 * is reachable from the VPC, so a compromised function cannot copy data out through S3.
 */
export function s3EndpointPolicy(a: { bucketArn: string; batchPrefix: string; loaderRoleArn: string }): PolicyDocument {
  return document(
    {
      Sid: "LoaderReadsBatches",
      Effect: "Allow",
      Principal: "*",
      Action: ["s3:GetObject"],
      Resource: [`${a.bucketArn}/${a.batchPrefix}*`],
      Condition: onlyRole(a.loaderRoleArn),
    },
    {
      Sid: "LoaderListsBatches",
      Effect: "Allow",
      Principal: "*",
      Action: ["s3:ListBucket"],
      Resource: [a.bucketArn],
      Condition: { ...onlyRole(a.loaderRoleArn), StringLike: { "s3:prefix": `${a.batchPrefix}*` } },
    },
  );
}

/** The Secrets Manager endpoint admits each reader to its own secret of this stack, and nothing else. */
export function secretsEndpointPolicy(grants: { readerRoleArn: string; secretArn: string }[]): PolicyDocument {
  return document(
    ...grants.map(
      (grant, index): PolicyStatement => ({
        Sid: `ReadStackSecret${index}`,
        Effect: "Allow",
        Principal: "*",
        Action: ["secretsmanager:GetSecretValue"],
        Resource: [grant.secretArn],
        Condition: onlyRole(grant.readerRoleArn),
      }),
    ),
  );
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
 * What the S3 gateway endpoint admits for the alert evaluator (beside the loader's and the eraser's statements): the
 * same outbox writes and receipt reads as its own policy, on the outbox bucket only, for its role only.
 */
export function alertEvaluatorS3EndpointStatements(a: {
  bucketArn: string;
  outboxPrefix: string;
  receiptsPrefix: string;
  evaluatorRoleArn: string;
}): PolicyStatement[] {
  return [
    {
      Sid: "AlertEvaluatorHandsOverDeliveries",
      Effect: "Allow",
      Principal: "*",
      Action: ["s3:PutObject"],
      Resource: [`${a.bucketArn}/${a.outboxPrefix}*`],
      Condition: onlyRole(a.evaluatorRoleArn),
    },
    {
      Sid: "AlertEvaluatorListsReceipts",
      Effect: "Allow",
      Principal: "*",
      Action: ["s3:ListBucket"],
      Resource: [a.bucketArn],
      Condition: { ...onlyRole(a.evaluatorRoleArn), StringLike: { "s3:prefix": `${a.receiptsPrefix}*` } },
    },
    {
      Sid: "AlertEvaluatorCollectsReceipts",
      Effect: "Allow",
      Principal: "*",
      Action: ["s3:GetObject", "s3:DeleteObject"],
      Resource: [`${a.bucketArn}/${a.receiptsPrefix}*`],
      Condition: onlyRole(a.evaluatorRoleArn),
    },
  ];
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
