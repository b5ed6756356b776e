import { EVENT_GROUPINGS } from "@msgevents/schema";
import { expect, test } from "vitest";
import { EVENT_TYPE_GROUPS } from "./event-types.ts";

test("the search form offers exactly the event types the Events API knows", () => {
  expect(EVENT_TYPE_GROUPS.flatMap((group) => group.types).sort()).toEqual(
    Object.values(EVENT_GROUPINGS).flat().sort(),
  );
});
