// The AWS account and region the program sees under mocks: what each invoke (data source) answers. A test changes a
// fact (a lower Lambda quota, a zone without the instance class, a failing lookup) to see the pre-flight refuse it.
import type * as pulumi from "@pulumi/pulumi";

export const ACCOUNT_ID = "123456789012";
export const REGION = "us-east-1";

export interface MockAccount {
  /** What aws.getPartition answers. */
  partition: { partition: string; dnsSuffix: string; reverseDnsPrefix: string };
  /** Service Quotas L-B99A9384 (Lambda concurrent executions) in the region. */
  lambdaConcurrencyQuota: number;
  /** The account's zones in name order (AWS answers getAvailabilityZones sorted by name). */
  zones: { name: string; id: string }[];
  /** Zone names where RDS offers the instance class, by class; a class missing here is not offered at all. */
  rdsZones: (instanceClass: string) => string[] | undefined;
  /** Zone names offering each interface endpoint service (secretsmanager, ssm, ssmmessages). */
  endpointZones: (service: string) => string[];
  /** Zone ids offering the bastion's instance type. */
  bastionTypeZoneIds: string[];
  /** Invokes that fail, by token, with the provider's message. */
  failing: Record<string, string>;
}

/** This account maps us-east-1a to use1-az3, the zone known to lack current-generation instance classes. */
export const ZONES = [
  { name: "us-east-1a", id: "use1-az3" },
  { name: "us-east-1b", id: "use1-az1" },
  { name: "us-east-1c", id: "use1-az2" },
  { name: "us-east-1d", id: "use1-az4" },
  { name: "us-east-1e", id: "use1-az5" },
  { name: "us-east-1f", id: "use1-az6" },
];

export const defaultAccount: MockAccount = {
  partition: { partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws" },
  lambdaConcurrencyQuota: 1000,
  zones: ZONES,
  rdsZones: () => ZONES.filter((zone) => zone.id !== "use1-az3").map((zone) => zone.name),
  endpointZones: () => ZONES.map((zone) => zone.name),
  bastionTypeZoneIds: ZONES.filter((zone) => zone.id !== "use1-az3").map((zone) => zone.id),
  failing: {},
};

export interface RecordedCall {
  token: string;
  inputs: Record<string, unknown>;
  provider: string | undefined;
}

/** Answers the invokes the program makes, as AWS would for `account`; records each call. */
export function mockInvokes(account: MockAccount, calls: RecordedCall[]) {
  return ({ token, inputs, provider }: pulumi.runtime.MockCallArgs): Record<string, unknown> => {
    calls.push({ token, inputs, provider });
    try {
      return answer(account, token, inputs);
    } catch (error) {
      // The engine hands a provider's failure to the program as the gRPC error's details.
      const message = error instanceof Error ? error.message : String(error);
      throw Object.assign(new Error(message), { details: `invocation of ${token} returned an error: ${message}` });
    }
  };
}

function answer(account: MockAccount, token: string, inputs: Record<string, unknown>): Record<string, unknown> {
  const failure = account.failing[token];
  if (failure !== undefined) throw new Error(failure);
  switch (token) {
    case "aws:index/getPartition:getPartition":
      return { ...account.partition, id: account.partition.partition };
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { accountId: ACCOUNT_ID, arn: `arn:aws:iam::${ACCOUNT_ID}:user/deployer`, userId: "AIDEXAMPLE" };
    case "aws:index/getRegion:getRegion":
      return { region: REGION, name: REGION };
    case "aws:servicequotas/getServiceQuota:getServiceQuota":
      return { ...inputs, value: account.lambdaConcurrencyQuota, defaultValue: 1000, adjustable: true };
    case "aws:rds/getEngineVersion:getEngineVersion":
      return { engine: "postgres", version: "18.1", versionActual: "18.1", parameterGroupFamily: "postgres18" };
    case "aws:rds/getOrderableDbInstance:getOrderableDbInstance":
      return orderable(account, inputs);
    case "aws:index/getAvailabilityZones:getAvailabilityZones": {
      const excluded = (inputs.excludeZoneIds as string[] | undefined) ?? [];
      const zones = account.zones.filter((zone) => !excluded.includes(zone.id));
      return { names: zones.map((z) => z.name), zoneIds: zones.map((z) => z.id), id: REGION };
    }
    case "aws:ec2/getVpcEndpointService:getVpcEndpointService": {
      const service = String(inputs.service);
      return {
        serviceName: `com.amazonaws.${REGION}.${service}`,
        availabilityZones: account.endpointZones(service),
        vpcEndpointPolicySupported: true,
      };
    }
    case "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings":
      return {
        locations: account.bastionTypeZoneIds,
        locationTypes: account.bastionTypeZoneIds.map(() => "availability-zone-id"),
        instanceTypes: account.bastionTypeZoneIds.map(() => "t4g.nano"),
      };
    case "aws:ssm/getParameter:getParameter":
      return { name: inputs.name, value: "ami-0a1b2c3d4e5f60718", type: "String" };
    default:
      throw new Error(`unexpected invoke ${token}`);
  }
}

function orderable(account: MockAccount, inputs: Record<string, unknown>) {
  const [instanceClass] = (inputs.preferredInstanceClasses as string[] | undefined) ?? [];
  const zones = instanceClass === undefined ? undefined : account.rdsZones(instanceClass);
  if (instanceClass === undefined || zones === undefined) {
    throw new Error("no RDS DB Instance Classes match the criteria; try a different search");
  }
  return {
    engine: "postgres",
    engineVersion: inputs.engineVersion,
    instanceClass,
    storageType: inputs.storageType,
    availabilityZones: zones,
    multiAzCapable: true,
    supportsStorageAutoscaling: true,
    supportsIamDatabaseAuthentication: true,
    supportsStorageEncryption: true,
    minStorageSize: 20,
    maxStorageSize: 65_536,
  };
}
