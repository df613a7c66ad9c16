// Test-side readers of a warehouse file: whole-content snapshots, order-independent fingerprints and the raw
// files beside it. Independent of pipeline/ on purpose: the tests judge the loader, they do not reuse it.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

export interface TableRef {
  schema: string;
  table: string;
  /** `schema.table`, or just `table` for the main schema. */
  key: string;
  columns: { name: string; type: string }[];
}

/** Quotes an identifier for DuckDB SQL. */
export const ident = (s: string): string => `"${s.replaceAll('"', '""')}"`;

export const qualified = (t: TableRef): string => `${ident(t.schema)}.${ident(t.table)}`;

/** Opens the warehouse read-only (a leftover WAL is replayed in memory), runs `fn`, closes it. */
export async function withWarehouse<T>(dbPath: string, fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(dbPath, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    return await fn(connection);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Rows of a query as JSON-safe objects (BIGINT as string, dates as ISO text). */
export async function rowsJson(c: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  const reader = await c.runAndReadAll(sql);
  return reader.getRowObjectsJson() as Record<string, unknown>[];
}

/** Every user table of the warehouse, in every schema (main, history, ...), with its columns in order. */
export async function listTables(c: DuckDBConnection): Promise<TableRef[]> {
  const rows = await rowsJson(
    c,
    `SELECT t.schema_name, t.table_name, c.column_name, c.data_type
       FROM duckdb_tables() t
       JOIN duckdb_columns() c ON c.table_oid = t.table_oid
      WHERE t.database_name = current_database() AND NOT t.internal AND NOT t.temporary
      ORDER BY t.schema_name, t.table_name, c.column_index`,
  );
  const tables = new Map<string, TableRef>();
  for (const r of rows) {
    const schema = String(r.schema_name);
    const table = String(r.table_name);
    const key = schema === 'main' ? table : `${schema}.${table}`;
    let t = tables.get(key);
    if (!t) {
      t = { schema, table, key, columns: [] };
      tables.set(key, t);
    }
    t.columns.push({ name: String(r.column_name), type: String(r.data_type) });
  }
  return [...tables.values()];
}

/** Every user table and view of the warehouse (the live tables may be views over history). */
export async function listRelations(c: DuckDBConnection): Promise<(TableRef & { view: boolean })[]> {
  const rows = await rowsJson(
    c,
    `SELECT c.schema_name, c.table_name, c.column_name, c.data_type, v.view_oid IS NOT NULL AS is_view
       FROM duckdb_columns() c
       LEFT JOIN duckdb_views() v ON v.view_oid = c.table_oid
       LEFT JOIN duckdb_tables() t ON t.table_oid = c.table_oid
      WHERE c.database_name = current_database() AND coalesce(NOT v.internal, NOT t.internal, false)
        AND coalesce(NOT v.temporary, NOT t.temporary, false)
      ORDER BY c.schema_name, c.table_name, c.column_index`,
  );
  const out = new Map<string, TableRef & { view: boolean }>();
  for (const r of rows) {
    const schema = String(r.schema_name);
    const table = String(r.table_name);
    const key = schema === 'main' ? table : `${schema}.${table}`;
    let t = out.get(key);
    if (!t) {
      t = { schema, table, key, columns: [], view: r.is_view === true };
      out.set(key, t);
    }
    t.columns.push({ name: String(r.column_name), type: String(r.data_type) });
  }
  return [...out.values()];
}

export interface Snapshot {
  /** Table definitions, view definitions and sequences. */
  catalog: string[];
  /** Per table: every row as JSON, sorted (order-independent, duplicates kept). */
  tables: Record<string, string[]>;
}

/** The full content of the warehouse: catalog and every row of every table. */
export async function snapshot(dbPath: string): Promise<Snapshot> {
  return withWarehouse(dbPath, async (c) => {
    const tables = await listTables(c);
    const catalog = tables.map((t) => `table ${t.key}(${t.columns.map((col) => `${col.name} ${col.type}`).join(', ')})`);
    for (const v of await rowsJson(
      c,
      `SELECT schema_name, view_name, sql FROM duckdb_views()
        WHERE database_name = current_database() AND NOT internal AND NOT temporary ORDER BY ALL`,
    )) {
      catalog.push(`view ${String(v.schema_name)}.${String(v.view_name)}: ${String(v.sql)}`);
    }
    for (const s of await rowsJson(
      c,
      `SELECT schema_name, sequence_name, last_value FROM duckdb_sequences()
        WHERE database_name = current_database() AND NOT temporary ORDER BY ALL`,
    )) {
      catalog.push(`sequence ${String(s.schema_name)}.${String(s.sequence_name)} last_value=${String(s.last_value)}`);
    }
    const contents: Record<string, string[]> = {};
    for (const t of tables) {
      const reader = await c.runAndReadAll(`SELECT * FROM ${qualified(t)}`);
      contents[t.key] = reader
        .getRowsJson()
        .map((row) => JSON.stringify(row))
        .sort();
    }
    return { catalog, tables: contents };
  });
}

/**
 * Per table: `rows:hash`, the row count and the sum of the row hashes (order-independent), over every column but
 * the `exclude`d ones (a column name, or `table.column`).
 */
export async function fingerprint(dbPath: string, exclude: ReadonlySet<string> = new Set()): Promise<Record<string, string>> {
  return withWarehouse(dbPath, async (c) => {
    const out: Record<string, string> = {};
    for (const t of await listTables(c)) {
      const cols = t.columns
        .filter((col) => !exclude.has(col.name) && !exclude.has(`${t.key}.${col.name}`))
        .map((col) => ident(col.name));
      const h = cols.length ? `coalesce(sum(hash(${cols.join(', ')})), 0)::VARCHAR` : `'0'`;
      const [r] = await rowsJson(c, `SELECT count(*)::VARCHAR AS n, ${h} AS h FROM ${qualified(t)}`);
      out[t.key] = `${String(r?.n)}:${String(r?.h)}`;
    }
    return out;
  });
}

/** Per `table.column`: the order-independent hash of that column's values. */
export async function columnHashes(dbPath: string): Promise<Record<string, string>> {
  return withWarehouse(dbPath, async (c) => {
    const out: Record<string, string> = {};
    for (const t of await listTables(c)) {
      const exprs = t.columns.map((col, i) => `coalesce(sum(hash(${ident(col.name)})), 0)::VARCHAR AS c${i}`);
      const [r] = await rowsJson(c, `SELECT ${exprs.join(', ')} FROM ${qualified(t)}`);
      t.columns.forEach((col, i) => (out[`${t.key}.${col.name}`] = String(r?.[`c${i}`])));
    }
    return out;
  });
}

/** Every file in the warehouse's folder (recursively: WAL, snapshots, temp spill files), by relative path. */
export function filesBeside(dbPath: string): Map<string, Buffer> {
  const root = dirname(dbPath);
  const out = new Map<string, Buffer>();
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(root, p), readFileSync(p));
    }
  };
  walk(root);
  return out;
}

/** SHA-256 of every file in the warehouse's folder. */
export function fileDigests(dbPath: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, bytes] of filesBeside(dbPath)) out[name] = createHash('sha256').update(bytes).digest('hex');
  return out;
}
