// How the figure statements read the warehouse (issue 17: every figure within twice one plain scan of the columns
// they read). From DuckDB's own plans (EXPLAIN) of every queries/figures/*.sql with its parameters bound, on a copy
// of the conformance warehouse: a family of figures shares one scan of its table, and the columns read are exactly
// those the benchmark's plain scan (bench/plain-scan.ts) reads, so its baseline stays that of the figures.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLAIN_SCAN_SQL } from '../../bench/plain-scan.ts';
import { configPath, loadConfig } from '../../pipeline/config.ts';
import { figureParameters, sqlParams } from '../../pipeline/figures/parameters.ts';
import { sqlFile } from '../../pipeline/paths.ts';
import { latestSnapshotPath } from '../../pipeline/warehouse/snapshots.ts';
import { EXPORT_TABLES, HISTORY_COLUMNS, TABLE_NAMES, storedColumns } from '../../pipeline/warehouse/tables.ts';
import { Warehouse } from '../../pipeline/warehouse/warehouse.ts';
import { conformanceWarehouse } from '../conformance.ts';
import { repoRoot, tempDir } from '../helpers.ts';

interface PlanNode {
  name: string;
  children: PlanNode[];
  extra_info?: { Table?: string; Projections?: string[] | string; Filters?: string[] | string };
}

/** A scan of a history table in a plan: the table and every column it reads (projected or filtered on). */
interface Scan {
  table: string;
  columns: string[];
}

const FIGURE_FILES = readdirSync(join(repoRoot, 'queries', 'figures'))
  .filter((f) => f.endsWith('.sql') && f !== 'macros.sql')
  .sort();

/** Columns of history.<table> a scan's projections and filters name (the live view's current/deleted test left out). */
function columnsNamed(table: string, texts: string[]): string[] {
  const names = [...storedColumns(EXPORT_TABLES[table as keyof typeof EXPORT_TABLES]), ...HISTORY_COLUMNS].map((c) => c.name);
  const named = names.filter((name) => texts.some((text) => new RegExp(`(^|[^A-Za-z0-9_])${name}([^A-Za-z0-9_]|$)`).test(text)));
  return named.filter((name) => name !== 'current' && name !== 'deleted').sort();
}

function scansOf(node: PlanNode, out: Scan[] = []): Scan[] {
  const table = /\.history\.(\w+)$/.exec(node.extra_info?.Table ?? '')?.[1];
  if (table) {
    const list = (v: string[] | string | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
    out.push({ table, columns: columnsNamed(table, [...list(node.extra_info?.Projections), ...list(node.extra_info?.Filters)]) });
  }
  for (const child of node.children) scansOf(child, out);
  return out;
}

let tmp: ReturnType<typeof tempDir>;
let warehouse: Warehouse;
const bound = sqlParams(figureParameters(loadConfig(configPath(undefined)), '2021-11-30', '2021-01-01'));

async function scans(sql: string): Promise<Scan[]> {
  const [row] = await warehouse.all<{ explain_value: string }>(`EXPLAIN (FORMAT json) ${sql}`, bound);
  return (JSON.parse(row.explain_value) as PlanNode[]).flatMap((node) => scansOf(node));
}

beforeAll(async () => {
  tmp = tempDir();
  const db = conformanceWarehouse(join(tmp.dir, 'warehouse.duckdb'));
  warehouse = await Warehouse.open(latestSnapshotPath(db), { readOnly: true });
  await warehouse.run(sqlFile('figures/macros.sql'));
  // Plans as the statements are written: DuckDB drops a filter its statistics show always true on this small sample
  // (every blood point opened before D), which a larger warehouse would still read.
  await warehouse.run(`SET disabled_optimizers = 'statistics_propagation'`);
}, 60_000);
afterAll(() => {
  warehouse?.close();
  tmp?.cleanup();
});

describe('the figure statements read the warehouse', () => {
  it('each table at most once per statement, persons in three statements, cases in two, every other table in one', async () => {
    const statementsReading: Record<string, string[]> = {};
    for (const file of FIGURE_FILES) {
      const tables = (await scans(sqlFile(`figures/${file}`))).map((s) => s.table);
      expect(tables.length, `${file} reads a table twice: ${tables.join(', ')}`).toBe(new Set(tables).size);
      for (const table of tables) (statementsReading[table] ??= []).push(file);
    }
    expect(Object.fromEntries(TABLE_NAMES.map((t) => [t, statementsReading[t]?.length ?? 0])), JSON.stringify(statementsReading)).toEqual({
      cases: 2,
      persons: 3,
      suspects: 1,
      alerts: 1,
      blood_points: 1,
      events: 1,
    });
  });

  it("the columns they read are the plain scan's, table by table, each table in it once", async () => {
    const read: Record<string, Set<string>> = {};
    for (const file of FIGURE_FILES) {
      for (const scan of await scans(sqlFile(`figures/${file}`))) for (const c of scan.columns) (read[scan.table] ??= new Set()).add(c);
    }
    const plain = await scans(PLAIN_SCAN_SQL);
    expect(plain.map((s) => s.table).sort()).toEqual([...TABLE_NAMES].sort());
    expect(Object.fromEntries(plain.map((s) => [s.table, s.columns]))).toEqual(
      Object.fromEntries(Object.entries(read).map(([table, columns]) => [table, [...columns].sort()])),
    );
  });
});
