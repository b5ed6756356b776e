import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { bastionPolicy, ec2TrustPolicy } from "../policies.ts";

/** The smallest Graviton instance: a port forward needs no more ($0.0042 an hour in us-east-1). */
export const BASTION_INSTANCE_TYPE = "t4g.nano";
/**
 * The interface endpoints Session Manager needs in an isolated subnet. SSM Agent 3.3.40 and later (every current
 * Amazon Linux 2023 image) opens its channels through ssmmessages, so ec2messages is not needed.
 */
export const SESSION_MANAGER_ENDPOINTS = ["ssm", "ssmmessages"] as const;
/** The current Amazon Linux 2023 image for arm64, as AWS publishes it in Parameter Store. */
export const BASTION_IMAGE_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64";

const POSTGRES_PORT = 5432;
const HTTPS_PORT = 443;

export interface BastionArgs {
  vpcId: pulumi.Input<string>;
  /** A subnet in a zone offering the instance type and the endpoints (AccountFacts.bastionZone). */
  subnetId: pulumi.Input<string>;
  /** The database's security group: the bastion is admitted on 5432 like a function. */
  databaseSecurityGroupId: pulumi.Input<string>;
  region: string;
  /** com.amazonaws (cn.com.amazonaws in China). */
  endpointServicePrefix: string;
}

/**
 * A minimal bastion for operators: an instance with no inbound rule, no key pair and no public address, reachable
 * only through SSM Session Manager (through two interface endpoints, as the subnet has no route out). An operator
 * forwards a local port through it to the database (infra/README.md, "Operator access"). It holds no credential:
 * psql still needs the database password or an IAM token.
 */
export class Bastion extends pulumi.ComponentResource {
  readonly instanceId: pulumi.Output<string>;

  constructor(name: string, args: BastionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("msgevents:aws:Bastion", name, {}, opts);
    const parent = { parent: this };

    const group = (suffix: string, description: string) =>
      new aws.ec2.SecurityGroup(`${name}-${suffix}`, { vpcId: args.vpcId, description }, parent);
    const bastion = group("host", "msgevents bastion: no inbound traffic; out to the database and Session Manager");
    const endpoints = group("endpoints", "msgevents Session Manager endpoints: HTTPS from the bastion");
    const rules = [
      new aws.vpc.SecurityGroupEgressRule(
        `${name}-to-database`,
        {
          securityGroupId: bastion.id,
          referencedSecurityGroupId: args.databaseSecurityGroupId,
          ipProtocol: "tcp",
          fromPort: POSTGRES_PORT,
          toPort: POSTGRES_PORT,
          description: "PostgreSQL to the msgevents database",
        },
        parent,
      ),
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-database-from-bastion`,
        {
          securityGroupId: args.databaseSecurityGroupId,
          referencedSecurityGroupId: bastion.id,
          ipProtocol: "tcp",
          fromPort: POSTGRES_PORT,
          toPort: POSTGRES_PORT,
          description: "PostgreSQL from the operator bastion",
        },
        parent,
      ),
      new aws.vpc.SecurityGroupEgressRule(
        `${name}-to-endpoints`,
        {
          securityGroupId: bastion.id,
          referencedSecurityGroupId: endpoints.id,
          ipProtocol: "tcp",
          fromPort: HTTPS_PORT,
          toPort: HTTPS_PORT,
          description: "HTTPS to the Session Manager endpoints",
        },
        parent,
      ),
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-endpoints-from-bastion`,
        {
          securityGroupId: endpoints.id,
          referencedSecurityGroupId: bastion.id,
          ipProtocol: "tcp",
          fromPort: HTTPS_PORT,
          toPort: HTTPS_PORT,
          description: "HTTPS from the bastion",
        },
        parent,
      ),
    ];
    const sessionEndpoints = SESSION_MANAGER_ENDPOINTS.map(
      (service) =>
        new aws.ec2.VpcEndpoint(
          `${name}-${service}`,
          {
            vpcId: args.vpcId,
            serviceName: `${args.endpointServicePrefix}.${args.region}.${service}`,
            vpcEndpointType: "Interface",
            privateDnsEnabled: true,
            subnetIds: [args.subnetId],
            securityGroupIds: [endpoints.id],
          },
          parent,
        ),
    );

    const role = new aws.iam.Role(`${name}-role`, { assumeRolePolicy: JSON.stringify(ec2TrustPolicy()) }, parent);
    const policy = new aws.iam.RolePolicy(
      `${name}-policy`,
      { role: role.id, policy: JSON.stringify(bastionPolicy()) },
      parent,
    );
    const profile = new aws.iam.InstanceProfile(`${name}-profile`, { role: role.name }, parent);
    const image = aws.ssm.getParameterOutput({ name: BASTION_IMAGE_PARAMETER }, parent);
    const instance = new aws.ec2.Instance(
      `${name}-instance`,
      {
        // A new Amazon Linux release replaces the instance at the next `pulumi up`: it holds nothing.
        ami: image.value,
        instanceType: BASTION_INSTANCE_TYPE,
        subnetId: args.subnetId,
        vpcSecurityGroupIds: [bastion.id],
        iamInstanceProfile: profile.name,
        associatePublicIpAddress: false,
        metadataOptions: { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 1 },
        rootBlockDevice: { volumeType: "gp3", volumeSize: 8, encrypted: true, deleteOnTermination: true },
        monitoring: false,
      },
      { parent: this, dependsOn: [policy, ...rules, ...sessionEndpoints] },
    );
    this.instanceId = instance.id;
    this.registerOutputs({ instanceId: this.instanceId });
  }
}
