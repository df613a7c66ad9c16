// Saved queries: queries/analysis/<name>.sql, each opening with a header of `--` lines that gives its title, what it
// answers and its named parameters:
//
//   -- title: Recoveries by province and method
//   -- description: Children recovered in a period, by province and method.
//   -- param from: date = 2021-01-01 -- first day of the period
//   -- param to: date -- last day of the period, inclusive
//
// A parameter has a type (date, integer, number, text), an optional default after `=`, and a description after
// `--`. `bulletin sql --query NAME --param to=2021-11-30` checks each value against its type and binds it by name
// ($to): a value is never part of the SQL text.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isIsoDate } from '../dates.ts';
import { UsageError } from '../errors.ts';
import { repoRoot } from '../paths.ts';

const savedQueriesDir = join(repoRoot, 'queries', 'analysis');

const PARAM_TYPES = ['date', 'integer', 'number', 'text'] as const;
type ParamType = (typeof PARAM_TYPES)[number];

export interface SavedParam {
  name: string;
  type: ParamType;
  default: string | null;
  description: string;
}

export interface SavedQuery {
  name: string;
  file: string;
  title: string;
  description: string;
  params: SavedParam[];
  sql: string;
}

/** Every saved query, by name order. A malformed header is an error naming the file and line. */
export function savedQueries(dir = savedQueriesDir): SavedQuery[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => parseSavedQuery(join(dir, f)));
}

export function savedQuery(name: string, dir = savedQueriesDir): SavedQuery {
  const found = savedQueries(dir).find((q) => q.name === name);
  if (!found) throw new UsageError(`no saved query '${name}' in queries/analysis (bulletin queries lists them)`);
  return found;
}

function parseSavedQuery(file: string): SavedQuery {
  const sql = readFileSync(file, 'utf8');
  const shown = `queries/analysis/${basename(file)}`;
  const query: SavedQuery = { name: basename(file, '.sql'), file, title: '', description: '', params: [], sql };
  const lines = sql.split('\n');
  for (let i = 0; i < lines.length && lines[i].startsWith('--'); i++) {
    const line = lines[i].replace(/^--\s?/, '');
    const field = /^(title|description):\s*(.+)$/.exec(line);
    if (field) {
      query[field[1] as 'title' | 'description'] = field[2].trim();
      continue;
    }
    const param = /^param\s+([a-z_][a-z0-9_]*)\s*:\s*([a-z]+)\s*(?:=\s*(\S+))?\s*(?:--\s*(.*))?$/.exec(line);
    if (param) {
      const [, name, type, fallback, description] = param;
      if (!(PARAM_TYPES as readonly string[]).includes(type)) throw new UsageError(`${shown}, line ${i + 1}: parameter ${name}: type '${type}' is not one of ${PARAM_TYPES.join(', ')}`);
      const declared: SavedParam = { name, type: type as ParamType, default: fallback ?? null, description: description?.trim() ?? '' };
      if (declared.default !== null) checkedValue(declared, declared.default, shown);
      query.params.push(declared);
      continue;
    }
    if (/^param\b/.test(line)) throw new UsageError(`${shown}, line ${i + 1}: a parameter is written 'param NAME: TYPE [= DEFAULT] [-- description]'`);
  }
  if (!query.title) throw new UsageError(`${shown}: no '-- title:' line in its header`);
  return query;
}

/** NAME=VALUE arguments -> values bound by name, each checked against its declared type; defaults filled in. */
export function bindSavedParams(query: SavedQuery, assignments: string[]): Record<string, string | number> {
  const given = new Map<string, string>();
  for (const assignment of assignments) {
    const eq = assignment.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param '${assignment}': write NAME=VALUE`);
    const name = assignment.slice(0, eq);
    if (!query.params.some((p) => p.name === name)) {
      throw new UsageError(`--param ${name}: ${query.name} has no such parameter (it has: ${query.params.map((p) => p.name).join(', ') || 'none'})`);
    }
    given.set(name, assignment.slice(eq + 1));
  }
  return Object.fromEntries(
    query.params.map((param) => {
      const value = given.get(param.name) ?? param.default;
      if (value === null) throw new UsageError(`${query.name} needs --param ${param.name}=${placeholder(param.type)} (${param.description || param.type})`);
      return [param.name, checkedValue(param, value, `--param ${param.name}`)];
    }),
  );
}

function checkedValue(param: SavedParam, value: string, where: string): string | number {
  switch (param.type) {
    case 'date':
      if (!isIsoDate(value)) throw new UsageError(`${where}: '${value}' is not a date YYYY-MM-DD`);
      return value;
    case 'integer':
      if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new UsageError(`${where}: '${value}' is not a whole number`);
      return Number(value);
    case 'number':
      if (value.trim() === '' || !Number.isFinite(Number(value))) throw new UsageError(`${where}: '${value}' is not a number`);
      return Number(value);
    case 'text':
      return value;
  }
}

function placeholder(type: ParamType): string {
  return { date: 'YYYY-MM-DD', integer: 'N', number: 'X', text: 'TEXT' }[type];
}
