import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { MIGRATIONS_11CC0AD } from "@msgevents/testkit";
import { describe, expect, test } from "vitest";
import { migrationsFolder } from "../src/index.ts";
import { lintMigration } from "./migration-lint.ts";

// A migration's time must not grow with the events stored (see README, Backfills): no migration may read or write
// the events or make PostgreSQL scan them. The three that did so before the rule are listed here, each with what it
// does; anything else a migration does to the events' rows fails this test. test/upgrade.test.ts checks the same on
// a real database holding events.
const GRANDFATHERED: Record<string, string[]> = {
  "0003_search_index": [
    "builds index events_event_time_type_idx over every row of events",
    "builds index events_search_hashes_idx over every row of events",
  ],
  "0005_value_indexes": [
    "builds index events_campaign_id_idx over every row of events",
    "builds index events_template_id_idx over every row of events",
  ],
  "0006_value_catalog": ["reads or writes events"],
};

async function migrationFiles(folder: string): Promise<string[]> {
  return (await readdir(folder)).filter((name) => name.endsWith(".sql")).sort();
}

async function problemsOf(folder: string, file: string): Promise<string[]> {
  const findings = await lintMigration(await readFile(path.join(folder, file), "utf8"));
  return findings.map((finding) => finding.problem);
}

describe("migrations", () => {
  test("no migration reads, writes or scans the events, but the three written before the rule", async () => {
    const files = await migrationFiles(migrationsFolder);
    expect(files.length).toBeGreaterThanOrEqual(12);
    const found: Record<string, string[]> = {};
    for (const file of files) {
      const findings = await lintMigration(await readFile(path.join(migrationsFolder, file), "utf8"));
      if (findings.length > 0) {
        found[file.replace(/\.sql$/, "")] = findings.map((finding) => finding.problem);
      }
    }
    expect(found).toEqual(GRANDFATHERED);
  });

  test("the check finds the fills 0008 and 0010 ran before they became backfills", async () => {
    expect(await problemsOf(MIGRATIONS_11CC0AD, "0008_metric_rollups.sql")).toEqual([
      "executes msgevents_rollup_statement(…), a statement over the events",
    ]);
    expect(await problemsOf(MIGRATIONS_11CC0AD, "0010_search_token_counts.sql")).toEqual([
      "executes msgevents_token_count_statement(…), a statement over the events",
    ]);
  });

  test("the check finds reads, writes, calls, index builds and scanning changes, and lets catalog work through", async () => {
    const problems = async (sql: string) => (await lintMigration(sql)).map((finding) => finding.problem);
    expect(await problems("UPDATE events SET subject = lower(subject);")).toEqual(["reads or writes events"]);
    expect(await problems("INSERT INTO t SELECT e.type FROM t2 JOIN events_20240101 AS e ON true;")).toEqual([
      "reads or writes events_20240101",
    ]);
    expect(await problems("SELECT msgevents_fill_metric_rollups('2024-01-01');")).toEqual([
      "calls msgevents_fill_metric_rollups, which reads the events",
    ]);
    expect(await problems("CREATE INDEX i ON events (subject);")).toEqual(["builds index i over every row of events"]);
    expect(await problems("CREATE INDEX i ON ONLY events (subject);")).toEqual([]);
    expect(await problems("ALTER TABLE events ALTER COLUMN subject TYPE varchar(10);")).toEqual([
      "AT_AlterColumnType scans or rewrites every row of events",
    ]);
    expect(await problems("ALTER TABLE events ADD CONSTRAINT c CHECK (bounce_class > 0);")).toEqual([
      "AT_AddConstraint scans or rewrites every row of events",
    ]);
    expect(await problems("ALTER TABLE events ADD CONSTRAINT c CHECK (bounce_class > 0) NOT VALID;")).toEqual([]);
    expect(await problems("DO $$ BEGIN PERFORM count(*) FROM events; END $$;")).toEqual(["reads or writes events"]);
    expect(
      await problems(`
        CREATE FUNCTION f() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM events $$;
        CREATE TRIGGER t AFTER INSERT ON events REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION g();
        SELECT msgevents_register_backfill('x', true);
        DO $$ DECLARE i regclass; BEGIN
          FOR i IN SELECT indexrelid::regclass FROM pg_index JOIN pg_inherits ON inhrelid = indrelid
                   WHERE inhparent = 'events'::regclass LOOP
            EXECUTE format('ALTER INDEX %s SET (fillfactor = 90)', i);
          END LOOP;
        END $$;`),
    ).toEqual([]);
  });
});
