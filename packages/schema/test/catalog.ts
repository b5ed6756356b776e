import { is, SQL } from "drizzle-orm";
import { getTableConfig, IndexedColumn, PgDialect, type PgTable } from "drizzle-orm/pg-core";
import type pg from "pg";

/**
 * A table's shape in terms both drizzle and the live catalog can state: what a migration must have produced for
 * drizzle's queries to be right. Column order is left out (drizzle-kit appends added columns at the end).
 */
export interface TableShape {
  columns: Record<string, { type: string; notNull: boolean; default: string | null; generated: boolean }>;
  primaryKey: { name: string; columns: string[] };
  uniqueConstraints: string[];
  indexes: Record<string, { unique: boolean; method: string; keys: string[]; partial: boolean }>;
  checks: string[];
}

const dialect = new PgDialect();

/** `timestamp (3) with time zone` (drizzle) and `timestamp(3) with time zone` (format_type) are the same type. */
function normalizeType(type: string): string {
  return type.replace(/\s+\(/g, "(").toLowerCase();
}

function sqlDefault(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (is(value, SQL)) return dialect.sqlToQuery(value).sql;
  if (typeof value === "string") return `'${value.replaceAll("'", "''")}'::text`;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

export function describeDrizzleTable(table: PgTable): TableShape {
  const config = getTableConfig(table);
  const columns: TableShape["columns"] = {};
  for (const column of config.columns) {
    columns[column.name] = {
      type: normalizeType(column.getSQLType()),
      notNull: column.notNull,
      default: column.generated ? null : sqlDefault(column.default),
      generated: column.generated !== undefined,
    };
  }
  const declaredKey = config.primaryKeys[0];
  const primaryKey = declaredKey
    ? { name: declaredKey.getName(), columns: declaredKey.columns.map((column) => column.name) }
    : { name: `${config.name}_pkey`, columns: config.columns.filter((c) => c.primary).map((c) => c.name) };
  const indexes: TableShape["indexes"] = {};
  for (const index of config.indexes) {
    const { name, unique, method, where } = index.config;
    if (!name) throw new Error(`an index of ${config.name} has no name: name every index so migrations are stable`);
    indexes[name] = {
      unique,
      method: method ?? "btree",
      keys: index.config.columns.map((column) =>
        is(column, IndexedColumn) && column.name
          ? `${column.name}${column.indexConfig.order === "desc" ? " desc" : ""}`
          : "(expression)",
      ),
      partial: where !== undefined,
    };
  }
  return {
    columns,
    primaryKey,
    uniqueConstraints: [
      ...config.uniqueConstraints.map((constraint) => constraint.getName() ?? ""),
      ...config.columns.filter((column) => column.isUnique).map((column) => column.uniqueName ?? ""),
    ].sort(),
    indexes,
    checks: config.checks.map((check) => check.name).sort(),
  };
}

export async function describeLiveTable(pool: pg.Pool, tableName: string): Promise<TableShape> {
  const columns = await pool.query<{
    name: string;
    type: string;
    not_null: boolean;
    default_expr: string | null;
    generated: string;
  }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
            pg_get_expr(d.adbin, d.adrelid) AS default_expr, a.attgenerated AS generated
     FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped`,
    [tableName],
  );
  const constraints = await pool.query<{ name: string; kind: string; columns: string[] }>(
    `SELECT c.conname AS name, c.contype AS kind,
            array(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, position)
                  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.position)::text[] AS columns
     FROM pg_constraint c WHERE c.conrelid = $1::regclass AND c.contype IN ('p', 'u', 'c')`,
    [tableName],
  );
  const indexes = await pool.query<{ name: string; unique: boolean; method: string; keys: string[]; partial: boolean }>(
    `SELECT ic.relname AS name, i.indisunique AS unique, am.amname AS method, i.indpred IS NOT NULL AS partial,
            array(SELECT CASE WHEN k.attnum = 0 THEN '(expression)'
                              ELSE a.attname || CASE WHEN i.indoption[k.position - 1] & 1 = 1 THEN ' desc' ELSE '' END END
                  FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, position)
                  LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                  WHERE k.position <= i.indnkeyatts ORDER BY k.position)::text[] AS keys
     FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
     WHERE i.indrelid = $1::regclass
       AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u'))`,
    [tableName],
  );
  const primaryKeys = constraints.rows.filter((row) => row.kind === "p");
  const [primary] = primaryKeys;
  if (!primary || primaryKeys.length !== 1) throw new Error(`${tableName} has no primary key`);
  return {
    columns: Object.fromEntries(
      columns.rows.map((row) => [
        row.name,
        {
          type: normalizeType(row.type),
          notNull: row.not_null,
          default: row.generated === "" ? row.default_expr : null,
          generated: row.generated !== "",
        },
      ]),
    ),
    primaryKey: { name: primary.name, columns: primary.columns },
    uniqueConstraints: constraints.rows
      .filter((row) => row.kind === "u")
      .map((row) => row.name)
      .sort(),
    indexes: Object.fromEntries(
      indexes.rows.map(({ name, unique, method, keys, partial }) => [name, { unique, method, keys, partial }]),
    ),
    checks: constraints.rows
      .filter((row) => row.kind === "c")
      .map((row) => row.name)
      .sort(),
  };
}
