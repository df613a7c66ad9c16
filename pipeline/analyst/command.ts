// `bulletin sql`, `bulletin queries`, `bulletin schema`: analysts' SQL on the newest published snapshot, in a
// sandboxed read-only session (pipeline/warehouse/sandbox.ts), written out in the format they work with
// (formats.ts). Writing a file is this command's job, never SQL's. The SQL comes from the argument, --file,
// --query (a saved query with bound parameters), standard input, or the interactive shell (shell.ts).
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.ts';
import { AnalystSession, type SandboxOptions } from '../warehouse/sandbox.ts';
import { FORMATS, formatOfFile, formatResult, writeResult, type Format } from './formats.ts';
import { bindSavedParams, savedQueries, savedQuery } from './saved.ts';

export interface SqlCommandOptions {
  dbPath: string;
  sql?: string;
  file?: string;
  query?: string;
  param?: string[];
  format?: string;
  out?: string;
  bom?: boolean;
  timeout?: string;
  memoryLimit?: string;
  interactive?: boolean;
}

export const DEFAULT_TIMEOUT_SECONDS = 60;
export const DEFAULT_MEMORY_LIMIT = '1GB';

/** --timeout, else BULLETIN_SQL_TIMEOUT, else 60 s; --memory-limit, else BULLETIN_SQL_MEMORY, else 1GB. */
export function sandboxOptions(options: { timeout?: string; memoryLimit?: string }, env = process.env): SandboxOptions {
  const timeout = options.timeout ?? env.BULLETIN_SQL_TIMEOUT ?? String(DEFAULT_TIMEOUT_SECONDS);
  const seconds = Number(timeout);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`query time limit '${timeout}' is not a number of seconds above 0 (--timeout, BULLETIN_SQL_TIMEOUT)`);
  const memoryLimit = options.memoryLimit ?? env.BULLETIN_SQL_MEMORY ?? DEFAULT_MEMORY_LIMIT;
  if (!/^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(memoryLimit)) {
    throw new UsageError(`memory limit '${memoryLimit}' is not a size like 512MB or 2GB (--memory-limit, BULLETIN_SQL_MEMORY)`);
  }
  return { timeoutMs: Math.round(seconds * 1000), memoryLimit };
}

export function checkedFormat(format: string | undefined, out: string | undefined): Format {
  if (format !== undefined) {
    if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format '${format}' is not one of ${FORMATS.join(', ')}`);
    return format as Format;
  }
  return (out && formatOfFile(out)) || 'table';
}

export async function runSql(options: SqlCommandOptions): Promise<void> {
  const sources = [options.sql !== undefined, options.file !== undefined, options.query !== undefined].filter(Boolean).length;
  if (sources > 1) throw new UsageError('give the SQL one way: as the argument, --file or --query');
  if (options.param?.length && options.query === undefined) throw new UsageError('--param goes with --query NAME');
  const format = checkedFormat(options.format, options.out);
  const limits = sandboxOptions(options);
  const interactive = options.interactive || (sources === 0 && process.stdin.isTTY === true);
  if (interactive) {
    const { runShell } = await import('./shell.ts');
    await runShell({ dbPath: options.dbPath, limits, format });
    return;
  }
  let sql: string;
  let params: Record<string, string | number> | undefined;
  if (options.query !== undefined) {
    const saved = savedQuery(options.query);
    sql = saved.sql;
    params = bindSavedParams(saved, options.param ?? []);
  } else if (options.file !== undefined) {
    sql = readSqlFile(options.file);
  } else if (options.sql !== undefined) {
    sql = options.sql;
  } else {
    sql = readFileSync(0, 'utf8');
  }
  if (sql.trim() === '') throw new UsageError('no SQL given');
  if (!options.out && (format === 'arrow' || format === 'parquet') && process.stdout.isTTY) {
    throw new UsageError(`--format ${format} is binary: give --out FILE, or redirect standard output`);
  }
  const session = await AnalystSession.open(options.dbPath, limits);
  try {
    const result = await session.query(sql, params);
    if (options.out) {
      writeResult(result, format, options.out, { bom: options.bom });
      process.stderr.write(`${result.rows.length} row${result.rows.length === 1 ? '' : 's'} in ${result.seconds.toFixed(2)} s from snapshot ${session.snapshotId}: ${options.out} (${format})\n`);
    } else {
      const width = process.stdout.isTTY ? process.stdout.columns : undefined;
      process.stdout.write(formatResult(result, format, { bom: options.bom, width }));
    }
  } finally {
    session.close();
  }
}

function readSqlFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${file}: cannot read the SQL file (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** `bulletin queries`: each saved query with its title, description and parameters. */
export function listSavedQueries(json: boolean): string {
  const queries = savedQueries();
  if (json) return JSON.stringify(queries.map(({ sql: _sql, file: _file, ...rest }) => rest), null, 2) + '\n';
  return queries
    .map((q) => {
      const params = q.params.map((p) => `    --param ${p.name}=${p.type === 'date' ? 'YYYY-MM-DD' : p.type.toUpperCase()}${p.default !== null ? ` (default ${p.default})` : ' (required)'}${p.description ? `  ${p.description}` : ''}`);
      return [`${q.name}: ${q.title}`, `    ${q.description}`, ...params].join('\n');
    })
    .join('\n\n') + '\n';
}

/** `bulletin schema`: every table and view of the snapshot, each column with its type and comment. */
export async function describeSchema(dbPath: string, json: boolean, limits: SandboxOptions): Promise<string> {
  const session = await AnalystSession.open(dbPath, limits);
  try {
    const tables = await session.tables();
    const columns = await session.columns();
    if (json) return JSON.stringify({ snapshot: session.snapshotId, tables: tables.map((t) => ({ ...t, columns: columns.filter((c) => c.table === t.name) })) }, null, 2) + '\n';
    const lines = [`snapshot ${session.snapshotId}`];
    for (const table of tables) {
      lines.push('', `${table.name} (${table.kind})${table.comment ? `: ${table.comment}` : ''}`);
      const own = columns.filter((c) => c.table === table.name);
      const nameWidth = Math.max(0, ...own.map((c) => c.name.length));
      const typeWidth = Math.max(0, ...own.map((c) => c.type.length));
      for (const c of own) lines.push(`  ${c.name.padEnd(nameWidth)}  ${c.type.padEnd(typeWidth)}  ${c.comment ?? ''}`.trimEnd());
    }
    return lines.join('\n') + '\n';
  } finally {
    session.close();
  }
}
