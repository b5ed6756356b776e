// What RDS must offer in the region for the configured database, checked at preview against RDS's own catalogue
// (DescribeOrderableDBInstanceOptions) so a missing feature fails before anything is created, not 15 minutes in.
import type { DatabaseSettings } from "./settings.ts";

export interface DatabaseOffer {
  instanceClass: string;
  engineVersion: string;
  multiAzCapable: boolean;
  supportsStorageAutoscaling: boolean;
  supportsIamDatabaseAuthentication: boolean;
  supportsStorageEncryption: boolean;
  /** GiB; 0 when RDS reports none. */
  minStorageSize: number;
  maxStorageSize: number;
}

/** Every feature the Database component relies on, with the setting that asks for it. */
export function assertDatabaseOffered(offer: DatabaseOffer, settings: DatabaseSettings, region: string): void {
  const where = `RDS in ${region} offers ${offer.instanceClass} (PostgreSQL ${offer.engineVersion}, gp3)`;
  const refusals = [
    !offer.supportsIamDatabaseAuthentication && "without IAM database authentication, which the functions log in with",
    !offer.supportsStorageEncryption && "without storage encryption",
    settings.multiAz && !offer.multiAzCapable && "without Multi-AZ (msgevents:dbMultiAz is true)",
    settings.maxAllocatedStorageGb > 0 &&
      !offer.supportsStorageAutoscaling &&
      "without storage autoscaling (set msgevents:dbMaxAllocatedStorageGb 0)",
    offer.maxStorageSize > 0 &&
      Math.max(settings.allocatedStorageGb, settings.maxAllocatedStorageGb) > offer.maxStorageSize &&
      `with at most ${offer.maxStorageSize} GB (msgevents:dbAllocatedStorageGb / dbMaxAllocatedStorageGb ask for more)`,
    offer.minStorageSize > settings.allocatedStorageGb &&
      `with at least ${offer.minStorageSize} GB (raise msgevents:dbAllocatedStorageGb)`,
  ].filter((refusal): refusal is string => typeof refusal === "string");
  if (refusals.length > 0) {
    throw new Error(
      `${where} only ${refusals.join("; ")}: choose another msgevents:dbInstanceClass or change the setting.`,
    );
  }
}
