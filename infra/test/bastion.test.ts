import { beforeAll, describe, expect, it } from "vitest";
import { BASTION_IMAGE_PARAMETER } from "../src/components/bastion.ts";
import { SESSION_MANAGER_AGENT_ACTIONS } from "../src/policies.ts";
import { fixtureSourceRoot, type ProgramRun, policyOf, programFailure, runProgram } from "./harness.ts";

const sourceRoot = fixtureSourceRoot();

describe("operator access", () => {
  it("is off by default: no instance, no Session Manager endpoints, no way in", async () => {
    const run = await runProgram({ sourceRoot });
    expect(run.ofType("aws:ec2/instance:Instance")).toEqual([]);
    expect(run.resources.filter((r) => r.name.startsWith("bastion"))).toEqual([]);
    expect(run.ofType("aws:ec2/vpcEndpoint:VpcEndpoint").map((e) => e.inputs.serviceName)).not.toContain(
      "com.amazonaws.us-east-1.ssm",
    );
    expect(run.outputs.bastionInstanceId).toBeNull();
  });

  describe("with msgevents:bastion on", () => {
    let run: ProgramRun;
    beforeAll(async () => {
      run = await runProgram({ sourceRoot, bastion: "true" });
    });
    const groupId = (name: string) => `${run.named(name).state.name}-id`;

    it("runs one small instance with no public address, no key, IMDSv2 only and an encrypted disk", () => {
      const instance = run.named("bastion-instance");
      expect(instance.inputs).toMatchObject({
        ami: "ami-0a1b2c3d4e5f60718",
        instanceType: "t4g.nano",
        subnetId: `${run.named("network-isolated-0").state.name}-id`,
        vpcSecurityGroupIds: [groupId("bastion-host")],
        associatePublicIpAddress: false,
        metadataOptions: { httpTokens: "required" },
        rootBlockDevice: { encrypted: true, volumeType: "gp3" },
      });
      expect(instance.inputs.keyName).toBeUndefined();
      expect(run.calls.find((c) => c.token === "aws:ssm/getParameter:getParameter")?.inputs).toEqual({
        name: BASTION_IMAGE_PARAMETER,
      });
      expect(run.outputs.bastionInstanceId).toBe(instance.id);
    });

    it("accepts no inbound traffic, and sends only PostgreSQL to the database and HTTPS to its endpoints", () => {
      const bastionGroup = groupId("bastion-host");
      const ingress = run.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
      expect(ingress.filter((rule) => rule.inputs.securityGroupId === bastionGroup)).toEqual([]);
      const egress = run
        .ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
        .filter((rule) => rule.inputs.securityGroupId === bastionGroup)
        .map((rule) => [rule.inputs.referencedSecurityGroupId, rule.inputs.fromPort, rule.inputs.toPort]);
      expect(egress).toEqual([
        [groupId("network-database"), 5432, 5432],
        [groupId("bastion-endpoints"), 443, 443],
      ]);
      expect(run.named("bastion-database-from-bastion").inputs).toMatchObject({
        securityGroupId: groupId("network-database"),
        referencedSecurityGroupId: bastionGroup,
        fromPort: 5432,
      });
      expect(
        ingress
          .filter((rule) => rule.inputs.securityGroupId === groupId("bastion-endpoints"))
          .map((rule) => rule.inputs.referencedSecurityGroupId),
      ).toEqual([bastionGroup]);
    });

    it("reaches Session Manager through its two interface endpoints, in its own subnet", () => {
      for (const service of ["ssm", "ssmmessages"]) {
        expect(run.named(`bastion-${service}`).inputs).toMatchObject({
          serviceName: `com.amazonaws.us-east-1.${service}`,
          vpcEndpointType: "Interface",
          privateDnsEnabled: true,
          subnetIds: [run.named("bastion-instance").inputs.subnetId],
          securityGroupIds: [groupId("bastion-endpoints")],
        });
      }
    });

    it("gives its role Session Manager's agent actions and nothing else", () => {
      expect(policyOf(run.named("bastion-role"), "assumeRolePolicy").Statement).toEqual([
        { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: ["sts:AssumeRole"] },
      ]);
      expect(policyOf(run.named("bastion-policy")).Statement).toEqual([
        { Sid: "SessionManagerAgent", Effect: "Allow", Action: SESSION_MANAGER_AGENT_ACTIONS, Resource: ["*"] },
      ]);
      expect(run.named("bastion-profile").inputs.role).toBe(run.named("bastion-role").state.name);
    });
  });

  it("goes in the stack's zone that offers its instance type, and is refused where neither does", async () => {
    const run = await runProgram({ sourceRoot, bastion: "true" }, { account: { bastionTypeZoneIds: ["use1-az2"] } });
    expect(run.named("bastion-instance").inputs.subnetId).toBe(`${run.named("network-isolated-1").state.name}-id`);
    const { error } = await programFailure(
      { sourceRoot, bastion: "true" },
      { account: { bastionTypeZoneIds: ["use1-az6"] } },
    );
    expect(error.message).toBe(
      "neither of the stack's zones (use1-az1, use1-az2) offers t4g.nano and the ssm and ssmmessages endpoints the bastion needs: set msgevents:bastion false.",
    );
  });
});
