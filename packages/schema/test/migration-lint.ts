import { parse, parsePlPgSQL } from "libpg-query";
import { BACKFILLS } from "../src/index.ts";

/**
 * A static check that a migration's time cannot grow with the events stored: it parses the migration with
 * PostgreSQL's own parser (libpg-query) and reports every statement that runs at migration time and reads or writes
 * `events` or a day partition (`events_YYYYMMDD`), calls a function that does, or makes PostgreSQL scan or rewrite
 * them. Function definitions are skipped (their bodies run when called, and a call at migration time is reported);
 * the statements inside DO blocks are checked like the others.
 */
export interface Finding {
  problem: string;
  /** The start of the statement, for the message. */
  statement: string;
}

const EVENT_TABLE = /^events(_\d{8})?$/;

/** Functions that read the events when called (reports, the backfills' day fills). */
const READS_EVENTS = new Set([
  "msgevents_count_by_value",
  ...BACKFILLS.flatMap((backfill) => ("fill" in backfill ? [backfill.fill] : [])),
]);
/** Functions that build a statement over events as text: running what they return (EXECUTE) reads them. */
const BUILDS_EVENT_STATEMENTS = new Set(["msgevents_rollup_statement", "msgevents_token_count_statement"]);

/** Statements whose table references are rows read or written. */
const ROW_STATEMENTS = new Set([
  "SelectStmt",
  "InsertStmt",
  "UpdateStmt",
  "DeleteStmt",
  "MergeStmt",
  "CopyStmt",
  "CreateTableAsStmt",
  "ExplainStmt",
  "TruncateStmt",
]);

/** ALTER TABLE actions that scan or rewrite every row of the table. */
const SCANNING_ALTERS = new Set(["AT_AlterColumnType", "AT_SetNotNull", "AT_ValidateConstraint", "AT_SetAccessMethod"]);

type Node = unknown;

/** Calls visit(type, value) on every node of a parse tree (`{ "<NodeType>": {...} }`). */
function walk(node: Node, visit: (type: string, value: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, visit);
    return;
  }
  if (node === null || typeof node !== "object") return;
  for (const [key, value] of Object.entries(node)) {
    if (value !== null && typeof value === "object" && !Array.isArray(value) && /^[A-Z]/.test(key)) {
      visit(key, value as Record<string, unknown>);
    }
    walk(value, visit);
  }
}

/** Every table a statement names (a RangeVar, wrapped as a node or, in fields such as UPDATE's target, bare). */
function relationNames(node: Node): string[] {
  const names: string[] = [];
  const visit = (value: Node) => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
    } else if (value !== null && typeof value === "object") {
      const relname = (value as { relname?: unknown }).relname;
      if (typeof relname === "string") names.push(relname);
      for (const inner of Object.values(value)) visit(inner);
    }
  };
  visit(node);
  return names;
}

function calledFunctions(node: Node): string[] {
  const names: string[] = [];
  walk(node, (type, value) => {
    if (type !== "FuncCall" || !Array.isArray(value.funcname)) return;
    const last = value.funcname.at(-1) as { String?: { sval?: string } } | undefined;
    if (last?.String?.sval) names.push(last.String.sval);
  });
  return names;
}

function isEventTable(relation: unknown): relation is { relname: string; inh?: boolean } {
  return (
    typeof (relation as { relname?: unknown })?.relname === "string" &&
    EVENT_TABLE.test((relation as { relname: string }).relname)
  );
}

/** What one top-level (or DO-block) statement does to the events, if anything. */
function statementProblems(type: string, stmt: Record<string, unknown>): string[] {
  const problems: string[] = [];
  // A function's body runs when called; a table created by the migration itself is empty.
  if (type === "CreateFunctionStmt" || type === "CreateStmt") return problems;
  if (ROW_STATEMENTS.has(type)) {
    for (const name of relationNames(stmt)) if (EVENT_TABLE.test(name)) problems.push(`reads or writes ${name}`);
  }
  for (const name of calledFunctions(stmt)) {
    if (READS_EVENTS.has(name)) problems.push(`calls ${name}, which reads the events`);
  }
  // CREATE INDEX … ON ONLY events (inh false) builds nothing; on events it builds one per partition.
  if (type === "IndexStmt" && isEventTable(stmt.relation)) {
    const { relname, inh } = stmt.relation;
    if (inh === true || relname !== "events")
      problems.push(`builds index ${String(stmt.idxname)} over every row of ${relname}`);
  }
  if (type === "AlterTableStmt" && isEventTable(stmt.relation)) {
    walk(stmt.cmds, (cmdType, cmd) => {
      if (cmdType !== "AlterTableCmd") return;
      const subtype = String(cmd.subtype);
      const constraint = (cmd.def as { Constraint?: { contype?: string; skip_validation?: boolean } })?.Constraint;
      const validates =
        subtype === "AT_AddConstraint" &&
        (constraint?.contype === "CONSTR_CHECK" || constraint?.contype === "CONSTR_FOREIGN") &&
        !constraint.skip_validation;
      if (SCANNING_ALTERS.has(subtype) || validates) problems.push(`${subtype} scans or rewrites every row of events`);
    });
  }
  if (["VacuumStmt", "ClusterStmt", "ReindexStmt"].includes(type)) {
    for (const name of relationNames(stmt))
      if (EVENT_TABLE.test(name)) problems.push(`${type} reads every row of ${name}`);
  }
  return problems;
}

/** The SQL run by a DO block's PL/pgSQL, and the dynamic EXECUTEs that run statements built over events. */
async function doBlockProblems(body: string): Promise<string[]> {
  const tree = await parsePlPgSQL(
    `CREATE FUNCTION pg_temp.lint() RETURNS void LANGUAGE plpgsql AS $lint$${body}$lint$`,
  );
  const problems: string[] = [];
  const queries: string[] = [];
  walk(tree, (type, value) => {
    if (type === "PLpgSQL_stmt_dynexecute") {
      const text = (value.query as { PLpgSQL_expr?: { query?: string } })?.PLpgSQL_expr?.query ?? "";
      for (const builder of [...BUILDS_EVENT_STATEMENTS, ...READS_EVENTS]) {
        if (text.includes(builder)) problems.push(`executes ${builder}(…), a statement over the events`);
      }
    } else if (type === "PLpgSQL_expr" && typeof value.query === "string") {
      queries.push(value.query);
    }
  });
  for (const query of queries) {
    // Conditions and assignments are expressions: parsed as the SELECT PL/pgSQL runs them as.
    const parsed = await parse(query).catch(() => parse(`SELECT ${query}`));
    for (const { stmt } of parsed.stmts ?? []) {
      const [type, value] = Object.entries(stmt as unknown as Record<string, Record<string, unknown>>)[0] ?? [];
      if (type && value) problems.push(...statementProblems(type, value));
    }
  }
  return problems;
}

/** Every statement of a migration that touches the events' rows at migration time. */
export async function lintMigration(sql: string): Promise<Finding[]> {
  const findings: Finding[] = [];
  const parsed = await parse(sql);
  for (const entry of parsed.stmts ?? []) {
    const {
      stmt,
      stmt_location: location = 0,
      stmt_len: length,
    } = entry as unknown as {
      stmt: Record<string, Record<string, unknown>>;
      stmt_location?: number;
      stmt_len?: number;
    };
    const [type, value] = Object.entries(stmt)[0] ?? [];
    if (!type || !value) continue;
    const text = Buffer.from(sql)
      .subarray(location, length === undefined ? undefined : location + length)
      .toString()
      .replace(/--[^\n]*\n/g, "")
      .replace(/\s+/g, " ")
      .trim()
      .slice(0, 80);
    let problems = statementProblems(type, value);
    if (type === "DoStmt") {
      const body = (value.args as { DefElem?: { defname?: string; arg?: { String?: { sval?: string } } } }[])?.find(
        (arg) => arg.DefElem?.defname === "as",
      )?.DefElem?.arg?.String?.sval;
      if (body !== undefined) problems = [...problems, ...(await doBlockProblems(body))];
    }
    for (const problem of problems) findings.push({ problem, statement: text });
  }
  // What a migration does to an events table it created itself (0000_init) touches no stored event.
  const created = new Set<string>();
  for (const entry of parsed.stmts ?? []) {
    const relation = (entry.stmt as { CreateStmt?: { relation?: { relname?: string } } }).CreateStmt?.relation;
    if (relation?.relname) created.add(relation.relname);
  }
  return findings.filter((finding) => ![...created].some((name) => finding.problem.endsWith(` ${name}`)));
}
