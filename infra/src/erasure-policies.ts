// The IAM documents of right-to-be-forgotten erasure (packages/erasure), apart from policies.ts so that the pieces
// erasure adds stay easy to see: the eraser's own policy, and the one statement the loader and query functions add
// to read the recipient-hash secret. test/iam.test.ts walks them with every other document.
import { type PolicyDocument, type PolicyStatement, VPC_NETWORK_INTERFACE_ACTIONS } from "./policies.ts";

/** Reading the recipient-hash secret: the loader (suppression), query (requests) and the eraser. */
export function readRecipientSecret(recipientSecretArn: string): PolicyStatement {
  return {
    Sid: "ReadRecipientHashSecret",
    Effect: "Allow",
    Action: ["secretsmanager:GetSecretValue"],
    Resource: [recipientSecretArn],
  };
}

/** A function's policy with more statements (each function's own policy stays as policies.ts writes it). */
export function withStatements(policy: PolicyDocument, ...statements: PolicyStatement[]): PolicyDocument {
  return { ...policy, Statement: [...policy.Statement, ...statements] };
}

/**
 * The eraser: reads and rewrites raw batches under the batch prefix (GetObject, PutObject), and, only when the bucket
 * keeps versions, lists a batch's versions and deletes the noncurrent ones (ListBucketVersions limited to the prefix,
 * DeleteObjectVersion on batch keys). Never s3:DeleteObject: a current batch is rewritten, never removed. Connects
 * as the one database user allowed to delete events.
 */
export function eraserPolicy(a: {
  logGroupArn: string;
  bucketArn: string;
  batchPrefix: string;
  databaseUser: string;
  recipientSecretArn: string;
  versioned: boolean;
}): PolicyDocument {
  const batches = `${a.bucketArn}/${a.batchPrefix}*`;
  const statements: PolicyStatement[] = [
    {
      Sid: "WriteOwnLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: [`${a.logGroupArn}:*`],
    },
    {
      Sid: "AttachToVpc",
      Effect: "Allow",
      Action: VPC_NETWORK_INTERFACE_ACTIONS,
      Resource: ["*"],
    },
    { Sid: "RewriteBatches", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: [batches] },
    readRecipientSecret(a.recipientSecretArn),
    { Sid: "ConnectAsOwnDatabaseUser", Effect: "Allow", Action: ["rds-db:connect"], Resource: [a.databaseUser] },
  ];
  if (a.versioned) {
    statements.push(
      {
        Sid: "ListBatchVersions",
        Effect: "Allow",
        Action: ["s3:ListBucketVersions"],
        Resource: [a.bucketArn],
        Condition: { StringLike: { "s3:prefix": `${a.batchPrefix}*` } },
      },
      {
        Sid: "DeleteNoncurrentBatchVersions",
        Effect: "Allow",
        Action: ["s3:DeleteObjectVersion"],
        Resource: [batches],
      },
    );
  }
  return { Version: "2012-10-17", Statement: statements };
}

/**
 * What the S3 gateway endpoint admits for the eraser (its policy is narrowed to named roles): the same actions as its
 * own policy, for its role only.
 */
export function eraserS3EndpointStatements(a: {
  bucketArn: string;
  batchPrefix: string;
  eraserRoleArn: string;
  versioned: boolean;
}): PolicyStatement[] {
  const onlyEraser = { ArnEquals: { "aws:PrincipalArn": a.eraserRoleArn } };
  const batches = `${a.bucketArn}/${a.batchPrefix}*`;
  return [
    {
      Sid: "EraserRewritesBatches",
      Effect: "Allow",
      Principal: "*",
      Action: a.versioned
        ? ["s3:GetObject", "s3:PutObject", "s3:DeleteObjectVersion"]
        : ["s3:GetObject", "s3:PutObject"],
      Resource: [batches],
      Condition: onlyEraser,
    },
    ...(a.versioned
      ? [
          {
            Sid: "EraserListsBatchVersions",
            Effect: "Allow" as const,
            Principal: "*",
            Action: ["s3:ListBucketVersions"],
            Resource: [a.bucketArn],
            Condition: { ...onlyEraser, StringLike: { "s3:prefix": `${a.batchPrefix}*` } },
          },
        ]
      : []),
  ];
}
