import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Zone } from "../zones.ts";

export interface NetworkArgs {
  /** The two zones of the subnets (src/zones.ts): used when a subnet is created, never to move one. */
  zones: readonly [Zone, Zone];
  region: string;
  /** com.amazonaws, or cn.com.amazonaws in China: the prefix of endpoint service names (aws.getPartition). */
  endpointServicePrefix: string;
  /** Availability zones holding an ENI of the Secrets Manager endpoint. Defaults to 1 ($7.30 a month each). */
  secretsEndpointAzCount?: 1 | 2;
}

/** Functions inside the VPC, each with its own security group so every path below is explicit. */
export type VpcFunction = "loader" | "query" | "maintenance" | "migrator" | "eraser";

const POSTGRES_PORT = 5432;
const HTTPS_PORT = 443;
const VPC_CIDR = "10.20.0.0/16";
const SUBNET_CIDRS = ["10.20.0.0/20", "10.20.16.0/20"] as const;

/**
 * Which VPC functions call Secrets Manager: the migrator for the master secret, query for its API key, and query,
 * the loader and the eraser for the recipient-hash key (erasure).
 */
const SECRETS_CLIENTS: readonly VpcFunction[] = ["migrator", "query", "loader", "eraser"];
/** Which VPC functions reach S3 through the gateway endpoint: the loader reads batches, the eraser rewrites them. */
const S3_CLIENTS: readonly VpcFunction[] = ["loader", "eraser"];

/**
 * A VPC with two isolated subnets (two AZs: RDS requires a subnet group spanning two) and no route to the internet: no
 * NAT gateway, no internet gateway. S3 is reached through the free gateway endpoint, Secrets Manager through one
 * interface endpoint; RDS IAM tokens are signed locally and need no endpoint.
 */
export class Network extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly subnetIds: pulumi.Output<string>[];
  /** Each subnet with the zone it was created in. */
  readonly subnets: { id: pulumi.Output<string>; zone: Zone }[];
  /** For the endpoint policies, written once the roles they admit exist (EndpointPolicies). */
  readonly s3EndpointId: pulumi.Output<string>;
  readonly secretsEndpointId: pulumi.Output<string>;
  readonly databaseSecurityGroupId: pulumi.Output<string>;
  /** The S3 gateway endpoint's prefix list: what a function's security group allows HTTPS to, to reach S3. */
  readonly s3PrefixListId: pulumi.Output<string>;
  readonly functionSecurityGroupIds: Record<VpcFunction, pulumi.Output<string>>;
  /** Everything a function in the VPC needs before it can reach the database and Secrets Manager. */
  readonly ready: pulumi.Resource[];

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("msgevents:aws:Network", name, args, opts);
    const parent = { parent: this };

    const vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      { cidrBlock: VPC_CIDR, enableDnsHostnames: true, enableDnsSupport: true },
      parent,
    );
    const subnets = SUBNET_CIDRS.map(
      (cidrBlock, index) =>
        new aws.ec2.Subnet(
          `${name}-isolated-${index}`,
          { vpcId: vpc.id, cidrBlock, availabilityZone: args.zones[index]?.name },
          // A subnet never moves: the database lives in it. A later zone choice applies only to new stacks.
          { parent: this, ignoreChanges: ["availabilityZone", "availabilityZoneId"] },
        ),
    );
    const routeTable = new aws.ec2.RouteTable(`${name}-isolated`, { vpcId: vpc.id }, parent);
    for (const [index, subnet] of subnets.entries()) {
      new aws.ec2.RouteTableAssociation(
        `${name}-isolated-${index}`,
        { subnetId: subnet.id, routeTableId: routeTable.id },
        parent,
      );
    }
    const serviceName = (service: string) => `${args.endpointServicePrefix}.${args.region}.${service}`;
    const s3Endpoint = new aws.ec2.VpcEndpoint(
      `${name}-s3`,
      {
        vpcId: vpc.id,
        serviceName: serviceName("s3"),
        vpcEndpointType: "Gateway",
        routeTableIds: [routeTable.id],
      },
      parent,
    );

    const group = (suffix: string, description: string) =>
      new aws.ec2.SecurityGroup(`${name}-${suffix}`, { vpcId: vpc.id, description }, parent);
    const database = group("database", "msgevents PostgreSQL: PostgreSQL from the msgevents functions only");
    const endpoint = group(
      "secrets-endpoint",
      "msgevents Secrets Manager endpoint: HTTPS from the functions that read secrets",
    );
    const functions: Record<VpcFunction, aws.ec2.SecurityGroup> = {
      loader: group("loader", "msgevents loader function"),
      query: group("query", "msgevents query function"),
      maintenance: group("maintenance", "msgevents maintenance function"),
      migrator: group("migrator", "msgevents migrator function"),
      eraser: group("eraser", "msgevents eraser function"),
    };

    const rules: pulumi.Resource[] = [];
    for (const [fn, sg] of Object.entries(functions) as [VpcFunction, aws.ec2.SecurityGroup][]) {
      rules.push(
        new aws.vpc.SecurityGroupIngressRule(
          `${name}-database-from-${fn}`,
          {
            securityGroupId: database.id,
            referencedSecurityGroupId: sg.id,
            ipProtocol: "tcp",
            fromPort: POSTGRES_PORT,
            toPort: POSTGRES_PORT,
            description: `PostgreSQL from the ${fn} function`,
          },
          parent,
        ),
        new aws.vpc.SecurityGroupEgressRule(
          `${name}-${fn}-to-database`,
          {
            securityGroupId: sg.id,
            referencedSecurityGroupId: database.id,
            ipProtocol: "tcp",
            fromPort: POSTGRES_PORT,
            toPort: POSTGRES_PORT,
            description: "PostgreSQL to the msgevents database",
          },
          parent,
        ),
      );
    }
    for (const fn of SECRETS_CLIENTS) {
      rules.push(
        new aws.vpc.SecurityGroupIngressRule(
          `${name}-secrets-endpoint-from-${fn}`,
          {
            securityGroupId: endpoint.id,
            referencedSecurityGroupId: functions[fn].id,
            ipProtocol: "tcp",
            fromPort: HTTPS_PORT,
            toPort: HTTPS_PORT,
            description: `HTTPS from the ${fn} function`,
          },
          parent,
        ),
        new aws.vpc.SecurityGroupEgressRule(
          `${name}-${fn}-to-secrets-endpoint`,
          {
            securityGroupId: functions[fn].id,
            referencedSecurityGroupId: endpoint.id,
            ipProtocol: "tcp",
            fromPort: HTTPS_PORT,
            toPort: HTTPS_PORT,
            description: "HTTPS to the Secrets Manager endpoint",
          },
          parent,
        ),
      );
    }
    for (const fn of S3_CLIENTS) {
      rules.push(
        new aws.vpc.SecurityGroupEgressRule(
          `${name}-${fn}-to-s3`,
          {
            securityGroupId: functions[fn].id,
            prefixListId: s3Endpoint.prefixListId,
            ipProtocol: "tcp",
            fromPort: HTTPS_PORT,
            toPort: HTTPS_PORT,
            description: "HTTPS to S3 through the gateway endpoint",
          },
          parent,
        ),
      );
    }

    const secretsEndpoint = new aws.ec2.VpcEndpoint(
      `${name}-secretsmanager`,
      {
        vpcId: vpc.id,
        serviceName: serviceName("secretsmanager"),
        vpcEndpointType: "Interface",
        privateDnsEnabled: true,
        subnetIds: subnets.slice(0, args.secretsEndpointAzCount ?? 1).map((subnet) => subnet.id),
        securityGroupIds: [endpoint.id],
      },
      parent,
    );

    this.vpcId = vpc.id;
    this.subnetIds = subnets.map((subnet) => subnet.id);
    this.subnets = subnets.map((subnet, index) => ({ id: subnet.id, zone: args.zones[index] as Zone }));
    this.s3EndpointId = s3Endpoint.id;
    this.secretsEndpointId = secretsEndpoint.id;
    this.databaseSecurityGroupId = database.id;
    this.s3PrefixListId = s3Endpoint.prefixListId;
    this.functionSecurityGroupIds = {
      loader: functions.loader.id,
      query: functions.query.id,
      maintenance: functions.maintenance.id,
      migrator: functions.migrator.id,
      eraser: functions.eraser.id,
    };
    this.ready = [...rules, s3Endpoint, secretsEndpoint, ...subnets];
    this.registerOutputs({ vpcId: this.vpcId, subnetIds: this.subnetIds });
  }
}
