// Everything the stack needs from the account and region, read before any resource is declared, so a limit the
// account cannot meet fails `pulumi preview` with a sentence naming it and the fix — not `pulumi up` halfway through.
import * as aws from "@pulumi/aws";
import { BASTION_INSTANCE_TYPE, SESSION_MANAGER_ENDPOINTS } from "./components/bastion.ts";
import { POSTGRES_MAJOR_VERSION } from "./components/database.ts";
import { assertDatabaseOffered, type DatabaseOffer } from "./database-offer.ts";
import { assertLambdaConcurrency, LAMBDA_CONCURRENCY_QUOTA, reservationsOf } from "./lambda-quota.ts";
import type { Settings } from "./settings.ts";
import { chooseZones, KNOWN_BAD_ZONE_IDS, type Zone, type ZoneOffer } from "./zones.ts";

export interface AccountFacts {
  /** aws, aws-cn or aws-us-gov: every ARN the program writes starts with it. */
  partition: string;
  /** com.amazonaws (cn.com.amazonaws in China): the prefix of VPC endpoint service names. */
  endpointServicePrefix: string;
  accountId: string;
  region: string;
  /** Service Quotas L-B99A9384: what caps the query function when nothing is reserved. */
  lambdaConcurrencyQuota: number;
  /** The PostgreSQL version RDS creates for the major version the stack asks for. */
  postgresVersion: string;
  zones: [Zone, Zone];
  /** The zone (one of `zones`) the bastion and its Session Manager endpoints go in; only with the bastion on. */
  bastionZone: Zone | undefined;
}

/** Reads the account's facts through `provider` and fails on the first limit the configuration cannot meet. */
export async function preflight(settings: Settings, provider: aws.Provider): Promise<AccountFacts> {
  const opts = { provider };
  const [partition, identity, regionResult] = await Promise.all([
    aws.getPartition({}, opts),
    aws.getCallerIdentity({}, opts),
    aws.getRegion({}, opts),
  ]);
  const region = regionResult.region;

  const quota = await ask(
    `could not read the Lambda concurrency quota in ${region} (Service Quotas ${LAMBDA_CONCURRENCY_QUOTA.quotaCode}); ` +
      "the deploying identity needs servicequotas:GetServiceQuota",
    () => aws.servicequotas.getServiceQuota(LAMBDA_CONCURRENCY_QUOTA, opts),
  );
  const reservations = reservationsOf(settings);
  if (reservations) assertLambdaConcurrency({ quota: quota.value, reservations, region });

  const engine = await ask(
    `RDS in ${region} offers no PostgreSQL ${POSTGRES_MAJOR_VERSION} (aws rds describe-db-engine-versions --engine postgres): deploy to a region that does`,
    () =>
      aws.rds.getEngineVersion(
        { engine: "postgres", version: POSTGRES_MAJOR_VERSION, defaultOnly: true, latest: true },
        opts,
      ),
  );
  const postgresVersion = engine.versionActual || engine.version;
  const instanceClass = settings.database.instanceClass;
  const offer: DatabaseOffer & { availabilityZones: string[] } = await ask(
    `RDS in ${region} does not offer ${instanceClass} for PostgreSQL ${postgresVersion} with gp3 storage: choose another ` +
      `msgevents:dbInstanceClass (aws rds describe-orderable-db-instance-options --engine postgres --engine-version ${postgresVersion})`,
    () =>
      aws.rds.getOrderableDbInstance(
        {
          engine: "postgres",
          engineVersion: postgresVersion,
          preferredInstanceClasses: [instanceClass],
          storageType: "gp3",
        },
        opts,
      ),
  );
  assertDatabaseOffered(offer, settings.database, region);

  const [available, secretsEndpoint] = await Promise.all([
    aws.getAvailabilityZones({ state: "available", excludeZoneIds: [...KNOWN_BAD_ZONE_IDS] }, opts),
    endpointService("secretsmanager", region, opts),
  ]);
  const zones = chooseZones({
    region,
    available: available.names.map((name, index) => ({ name, id: available.zoneIds[index] ?? "" })),
    offers: [
      { service: `RDS ${instanceClass}`, zoneNames: offer.availabilityZones },
      { service: "the Secrets Manager endpoint", zoneNames: secretsEndpoint.zoneNames },
    ],
    pinned: settings.availabilityZoneIds,
  });
  const bastionZone = settings.bastion ? await bastionZoneAmong(zones, region, opts) : undefined;

  return {
    partition: partition.partition,
    endpointServicePrefix: partition.reverseDnsPrefix,
    accountId: identity.accountId,
    region,
    lambdaConcurrencyQuota: quota.value,
    postgresVersion,
    zones,
    bastionZone,
  };
}

/**
 * The bastion goes in one of the subnets' zones (it never moves them): the first that offers its instance type and
 * the Session Manager endpoints.
 */
async function bastionZoneAmong(zones: readonly Zone[], region: string, opts: { provider: aws.Provider }) {
  const [instanceOffer, ...endpoints] = await Promise.all([
    aws.ec2.getInstanceTypeOfferings(
      {
        locationType: "availability-zone-id",
        filters: [{ name: "instance-type", values: [BASTION_INSTANCE_TYPE] }],
      },
      opts,
    ),
    ...SESSION_MANAGER_ENDPOINTS.map((service) => endpointService(service, region, opts)),
  ]);
  const zone = zones.find(
    (z) => instanceOffer.locations.includes(z.id) && endpoints.every((offer) => offer.zoneNames.includes(z.name)),
  );
  if (zone === undefined) {
    throw new Error(
      `neither of the stack's zones (${zones.map((z) => z.id).join(", ")}) offers ${BASTION_INSTANCE_TYPE} and the ` +
        `${SESSION_MANAGER_ENDPOINTS.join(" and ")} endpoints the bastion needs: set msgevents:bastion false.`,
    );
  }
  return zone;
}

async function endpointService(service: string, region: string, opts: { provider: aws.Provider }): Promise<ZoneOffer> {
  const found = await ask(`${region} offers no ${service} interface endpoint the stack needs`, () =>
    aws.ec2.getVpcEndpointService({ service, serviceType: "Interface" }, opts),
  );
  return { service, zoneNames: found.availabilityZones };
}

/** Runs an invoke; its failure becomes the sentence given, with the provider's own message after it. */
async function ask<T>(failure: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new Error(`${failure}. (${error instanceof Error ? error.message : String(error)})`);
  }
}
