// The two zones of the isolated subnets. Chosen by zone id (stable across accounts; a zone *name* such as us-east-1a
// maps to a different zone in each account), among the zones where every zonal service the stack uses is offered.

export interface Zone {
  name: string;
  id: string;
}

/** A zonal service and the zone names where the region offers it (RDS for the instance class, an endpoint service). */
export interface ZoneOffer {
  service: string;
  zoneNames: readonly string[];
}

/**
 * Zone ids excluded up front: use1-az3 offers no current-generation (Graviton) instance classes and lacks services
 * such as RDS Proxy; a subnet there can never hold the database's next instance class.
 */
export const KNOWN_BAD_ZONE_IDS: readonly string[] = ["use1-az3"];

/**
 * The subnets' two zones: the pinned ids if set (each must offer every service), otherwise the first two available
 * zones, in the account's name order, that offer every service. The name order keeps the zones a stack was first
 * deployed with (the subnets also ignore later changes of their zone, see Network).
 */
export function chooseZones(a: {
  region: string;
  available: readonly Zone[];
  offers: readonly ZoneOffer[];
  pinned?: readonly [string, string];
}): [Zone, Zone] {
  const missing = (zone: Zone) =>
    a.offers.filter((offer) => !offer.zoneNames.includes(zone.name)).map((offer) => offer.service);
  if (a.pinned) {
    const pinned = a.pinned.map((id) => {
      const zone = a.available.find((z) => z.id === id);
      if (zone === undefined) {
        throw new Error(
          `msgevents:availabilityZoneIds names ${id}, which is not an available zone of ${a.region}` +
            `${KNOWN_BAD_ZONE_IDS.includes(id) ? " the stack can use (it lacks current-generation instance classes)" : ""}: ` +
            `choose from ${a.available.map((z) => z.id).join(", ")}.`,
        );
      }
      const lacking = missing(zone);
      if (lacking.length > 0) {
        throw new Error(
          `msgevents:availabilityZoneIds names ${id} (${zone.name}), where ${a.region} does not offer ${lacking.join(" or ")}: choose another zone.`,
        );
      }
      return zone;
    });
    return [pinned[0] as Zone, pinned[1] as Zone];
  }
  const usable = a.available.filter((zone) => missing(zone).length === 0);
  const [first, second] = usable;
  if (first === undefined || second === undefined) {
    const why = a.available.map((zone) => `${zone.id} lacks ${missing(zone).join(", ") || "nothing"}`).join("; ");
    throw new Error(
      `${a.region} has fewer than two zones offering everything the stack needs (RDS needs subnets in two): ${why}. ` +
        "Choose another region or another msgevents:dbInstanceClass.",
    );
  }
  return [first, second];
}
