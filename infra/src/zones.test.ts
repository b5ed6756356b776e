import { describe, expect, it } from "vitest";
import { chooseZones, KNOWN_BAD_ZONE_IDS } from "./zones.ts";

const available = [
  { name: "us-east-1b", id: "use1-az1" },
  { name: "us-east-1c", id: "use1-az2" },
  { name: "us-east-1d", id: "use1-az4" },
];
const everywhere = available.map((zone) => zone.name);

describe("choosing the subnets' zones", () => {
  it("excludes use1-az3 up front: it lacks current-generation instance classes", () => {
    expect(KNOWN_BAD_ZONE_IDS).toEqual(["use1-az3"]);
  });

  it("takes the first two zones in the account's name order that offer every service", () => {
    expect(
      chooseZones({ region: "us-east-1", available, offers: [{ service: "RDS", zoneNames: everywhere }] }),
    ).toEqual([available[0], available[1]]);
  });

  it("skips a zone where a service is not offered", () => {
    const zones = chooseZones({
      region: "us-east-1",
      available,
      offers: [
        { service: "RDS db.t4g.micro", zoneNames: ["us-east-1c", "us-east-1d"] },
        { service: "the Secrets Manager endpoint", zoneNames: everywhere },
      ],
    });
    expect(zones.map((zone) => zone.id)).toEqual(["use1-az2", "use1-az4"]);
  });

  it("says which service each zone lacks when fewer than two zones offer everything", () => {
    expect(() =>
      chooseZones({
        region: "us-east-1",
        available,
        offers: [
          { service: "RDS db.t4g.micro", zoneNames: ["us-east-1b", "us-east-1c"] },
          { service: "the Secrets Manager endpoint", zoneNames: ["us-east-1c", "us-east-1d"] },
        ],
      }),
    ).toThrow(
      "us-east-1 has fewer than two zones offering everything the stack needs (RDS needs subnets in two): " +
        "use1-az1 lacks the Secrets Manager endpoint; use1-az2 lacks nothing; use1-az4 lacks RDS db.t4g.micro. " +
        "Choose another region or another msgevents:dbInstanceClass.",
    );
  });

  it("uses pinned zone ids in their order, if each offers every service", () => {
    const offers = [{ service: "RDS db.t4g.micro", zoneNames: ["us-east-1b", "us-east-1d"] }];
    expect(
      chooseZones({ region: "us-east-1", available, offers, pinned: ["use1-az4", "use1-az1"] }).map((z) => z.name),
    ).toEqual(["us-east-1d", "us-east-1b"]);
    expect(() => chooseZones({ region: "us-east-1", available, offers, pinned: ["use1-az4", "use1-az2"] })).toThrow(
      "msgevents:availabilityZoneIds names use1-az2 (us-east-1c), where us-east-1 does not offer RDS db.t4g.micro: choose another zone.",
    );
    expect(() => chooseZones({ region: "us-east-1", available, offers, pinned: ["use1-az3", "use1-az1"] })).toThrow(
      "msgevents:availabilityZoneIds names use1-az3, which is not an available zone of us-east-1 the stack can use (it lacks current-generation instance classes): choose from use1-az1, use1-az2, use1-az4.",
    );
  });
});
