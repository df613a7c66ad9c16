// Fixture writers shared by the `bulletin load` tests: small export files built inside a test's temp folder,
// plus a runner for the real command and a full dump of the warehouse tables the load contract covers.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import iconv from 'iconv-lite';
import { DuckDBInstance } from '@duckdb/node-api';
import { Table, tableToIPC, type Vector } from 'apache-arrow';
import { runCli, type CliResult } from '../helpers.ts';

export type TableName = 'cases' | 'persons' | 'suspects' | 'alerts' | 'blood_points' | 'events';
export const TABLES: TableName[] = ['cases', 'persons', 'suspects', 'alerts', 'blood_points', 'events'];

/** A row as written in a CSV: column name → raw text. */
export type Rec = Record<string, string>;

/** Default updated_at of every fixture row (well before the pinned load time 2026-11-23T12:00:00+08:00). */
export const T0 = '2021-12-01 10:00:00';

/** A valid row of each table, in the spec's column order; tests override the columns they are about. */
export const DEFAULTS: Record<TableName, Rec> = {
  cases: {
    case_id: 'C0', category: 'trafficking', province: '37', occurred_on: '2020-05-01', reported_on: '2020-05-02',
    solved_on: '', ministry_supervised: 'false', expert_assisted: 'false', title: '', updated_at: T0, deleted: 'false',
  },
  persons: {
    person_id: 'P0', case_id: '', sex: 'M', birth_on: '', missing_on: '2010-05-01', province: '37', recovered_on: '',
    recovery_method: '', name: '', id_number: '', updated_at: T0, deleted: 'false',
  },
  suspects: {
    suspect_id: 'S0', case_id: 'C0', province: '37', absconded_on: '', arrested_on: '', updated_at: T0, deleted: 'false',
  },
  alerts: {
    alert_id: 'A0', person_id: '', province: '37', released_at: '2021-11-01 10:00:00', resolved_at: '', outcome: 'open',
    updated_at: T0, deleted: 'false',
  },
  blood_points: {
    point_id: 'B0', province: '37', city: '', address: '', phone: '', opened_on: '2016-07-07', closed_on: '',
    updated_at: T0, deleted: 'false',
  },
  events: { event_id: 'E0', province: '37', held_on: '2021-06-01', families_reunited: '3', updated_at: T0, deleted: 'false' },
};

/** The Chinese header aliases of exports.md. */
export const ZH: Record<TableName, Rec> = {
  cases: {
    case_id: '案件编号', category: '案件类别', province: '立案省份', occurred_on: '案发日期', reported_on: '立案日期',
    solved_on: '破案日期', ministry_supervised: '部督案件', expert_assisted: '专家协助', title: '案件名称',
    updated_at: '更新时间', deleted: '删除标记',
  },
  persons: {
    person_id: '人员编号', case_id: '案件编号', sex: '性别', birth_on: '出生日期', missing_on: '失踪日期',
    province: '失踪地省份', recovered_on: '找回日期', recovery_method: '找回方式', name: '姓名', id_number: '身份证号',
    updated_at: '更新时间', deleted: '删除标记',
  },
  suspects: {
    suspect_id: '嫌疑人编号', case_id: '案件编号', province: '抓获省份', absconded_on: '潜逃日期', arrested_on: '抓获日期',
    updated_at: '更新时间', deleted: '删除标记',
  },
  alerts: {
    alert_id: '发布编号', person_id: '人员编号', province: '发布省份', released_at: '发布时间', resolved_at: '结束时间',
    outcome: '结果', updated_at: '更新时间', deleted: '删除标记',
  },
  blood_points: {
    point_id: '采血点编号', province: '省份', city: '城市', address: '地址', phone: '电话', opened_on: '启用日期',
    closed_on: '停用日期', updated_at: '更新时间', deleted: '删除标记',
  },
  events: {
    event_id: '活动编号', province: '省份', held_on: '举办日期', families_reunited: '团聚家庭数', updated_at: '更新时间',
    deleted: '删除标记',
  },
};

/** Full rows of `table`: each override merged over the table's valid default row. */
export function records(table: TableName, overrides: Array<Partial<Rec>>): Rec[] {
  return overrides.map((o) => {
    const r: Rec = { ...DEFAULTS[table] };
    for (const [k, v] of Object.entries(o)) if (v !== undefined) r[k] = v;
    return r;
  });
}

export interface CsvOptions {
  /** Columns to write, in order (default: the keys of the first record). */
  columns?: string[];
  /** Header text per column (e.g. ZH.cases, or upper-cased names); columns not in it keep their own name. */
  header?: Record<string, string>;
  delimiter?: ',' | '\t';
  eol?: '\n' | '\r\n';
}

function quote(field: string, delimiter: string): string {
  return field.includes(delimiter) || field.includes('"') || field.includes('\n') || field.includes('\r')
    ? `"${field.replaceAll('"', '""')}"`
    : field;
}

/** CSV text (header + records, one trailing end of line). */
export function toCsv(recs: Rec[], opts: CsvOptions = {}): string {
  const columns = opts.columns ?? Object.keys(recs[0] ?? {});
  const d = opts.delimiter ?? ',';
  const eol = opts.eol ?? '\n';
  const lines = [columns.map((c) => quote(opts.header?.[c] ?? c, d)).join(d)];
  for (const r of recs) lines.push(columns.map((c) => quote(r[c] ?? '', d)).join(d));
  return lines.join(eol) + eol;
}

export interface WriteOptions {
  bom?: boolean;
  encoding?: 'utf8' | 'gb18030';
  gzip?: boolean;
}

/** Writes text (encoded as asked) or raw bytes to dir/name, creating sub-folders; returns the path. */
export function writeIn(dir: string, name: string, content: string | Uint8Array, opts: WriteOptions = {}): string {
  const path = join(dir, name);
  mkdirSync(dirname(path), { recursive: true });
  let bytes: Uint8Array;
  if (typeof content === 'string') {
    const body = opts.encoding === 'gb18030' ? iconv.encode(content, 'gb18030') : Buffer.from(content, 'utf8');
    bytes = opts.bom ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]) : body;
  } else {
    bytes = content;
  }
  writeFileSync(path, opts.gzip ? gzipSync(bytes) : bytes);
  return path;
}

/** Writes a CSV of `table` rows (defaults + overrides). */
export function writeCsv(
  dir: string,
  name: string,
  table: TableName,
  overrides: Array<Partial<Rec>>,
  opts: CsvOptions & WriteOptions = {},
): string {
  return writeIn(dir, name, toCsv(records(table, overrides), opts), opts);
}

/** Writes JSON lines, one object per line, exactly as given (null values and missing keys stay so). */
export function writeJsonl(dir: string, name: string, objects: object[]): string {
  return writeIn(dir, name, objects.map((o) => JSON.stringify(o)).join('\n') + '\n');
}

/** Writes a Parquet file from a DuckDB SELECT run in an in-memory database (session time zone UTC). */
export async function writeParquet(dir: string, name: string, select: string): Promise<string> {
  const path = join(dir, name);
  mkdirSync(dirname(path), { recursive: true });
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(`SET TimeZone = 'UTC'`);
    await connection.run(`COPY (${select}) TO '${path.replaceAll("'", "''")}' (FORMAT parquet)`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return path;
}

/** Writes an Arrow IPC file ('file': .arrow/.feather) or stream ('stream': .arrows) of the given columns. */
export function writeArrow(dir: string, name: string, columns: Record<string, Vector>, kind: 'file' | 'stream'): string {
  return writeIn(dir, name, tableToIPC(new Table(columns), kind));
}

/** Runs `bulletin load PATHS… --db DB`. */
export function load(db: string, paths: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return runCli(['load', ...paths, '--db', db], env);
}

/** The instant of an ISO timestamp in epoch milliseconds (what `epoch_ms(col)` returns for a TIMESTAMPTZ). */
export const ms = (iso: string): number => Date.parse(iso);

/** Non-empty lines of a text. */
export const lines = (text: string): string[] => text.split(/\r?\n/).filter((l) => l.trim() !== '');

/** True when a text looks like a JavaScript stack trace. */
export const hasStackTrace = (text: string): boolean => /^\s+at\s+\S+.*(\(|:\d+:\d+)/m.test(text);

/**
 * Every row of every table the load contract covers (the six live tables or views, every `history.*` table,
 * quarantine, load_log), each row as JSON text, rows sorted: comparing two snapshots compares the warehouse contents.
 */
export async function snapshot(db: string): Promise<Record<string, string[]>> {
  const instance = await DuckDBInstance.create(db, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    const tables = (
      await connection.runAndReadAll(
        `SELECT schema_name, table_name FROM (
           SELECT database_name, schema_name, table_name FROM duckdb_tables()
           UNION ALL SELECT database_name, schema_name, view_name FROM duckdb_views() WHERE NOT internal)
         WHERE database_name = current_database()
           AND (schema_name = 'history' OR (schema_name = 'main' AND table_name IN (${[...TABLES, 'quarantine', 'load_log']
             .map((t) => `'${t}'`)
             .join(',')})))
         ORDER BY ALL`,
      )
    ).getRowObjectsJS() as Array<{ schema_name: string; table_name: string }>;
    const out: Record<string, string[]> = {};
    for (const { schema_name, table_name } of tables) {
      const reader = await connection.runAndReadAll(
        `SELECT to_json(t)::VARCHAR AS j FROM "${schema_name}"."${table_name}" t ORDER BY j`,
      );
      out[`${schema_name}.${table_name}`] = (reader.getRowObjectsJS() as Array<{ j: string }>).map((r) => r.j);
    }
    return out;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
