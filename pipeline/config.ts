// The configuration file (config/bulletin.yaml): raw YAML -> typed, validated Config, checked once at the edge.
// Every date the methodology keeps "in configuration, not in code" comes from here. A bad value is a UsageError
// (exit 2) naming the file and the key path, e.g. `config/bulletin.yaml: operations[0].start: not a date YYYY-MM-DD`.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { isIsoDate } from './dates.ts';
import { UsageError } from './errors.ts';
import { repoRoot } from './paths.ts';

/** The file used when neither --config nor BULLETIN_CONFIG names one; relative to the checkout. */
export const DEFAULT_CONFIG_FILE = join('config', 'bulletin.yaml');

export interface Operation {
  id: string;
  nameZh: string;
  nameEn: string;
  /** First day of the operation, YYYY-MM-DD. */
  start: string;
  /** Last day of the operation, YYYY-MM-DD. */
  end: string;
}

export interface Config {
  /** The file the configuration was read from, as shown in messages. */
  file: string;
  operations: Operation[];
  trends: {
    firstYear: number;
    casesSolvedSince: string;
    suspectsArrestedSince: string;
    dnaSystemSince: string;
    alertPlatformSince: string;
  };
  publication: {
    smallCountThreshold: { public: number; internal: number };
  };
}

const missingOr = (what: string) => (issue: { input?: unknown }) => (issue.input === undefined ? 'missing' : what);

const isoDate = z
  .string({ error: missingOr('not a date YYYY-MM-DD') })
  .refine(isIsoDate, { error: 'not a date YYYY-MM-DD' });
const text = z.string({ error: missingOr('not a text') }).trim().min(1, { error: 'empty' });
const count = z.int({ error: missingOr('not a whole number') }).min(0, { error: 'below 0' });

const operationSchema = z
  .strictObject({ id: text, name_zh: text, name_en: text, start: isoDate, end: isoDate })
  .refine((op) => op.end >= op.start, { error: 'ends before it starts', path: ['end'] });

const configSchema = z
  .strictObject({
    operations: z.array(operationSchema, { error: missingOr('not a list') }).min(1, { error: 'no operation' }),
    trends: z.strictObject(
      {
        first_year: z.int({ error: missingOr('not a year') }).min(1949, { error: 'not a year' }).max(2999, { error: 'not a year' }),
        cases_solved_since: isoDate,
        suspects_arrested_since: isoDate,
        dna_system_since: isoDate,
        alert_platform_since: isoDate,
      },
      { error: missingOr('not a mapping') },
    ),
    publication: z.strictObject(
      {
        small_count_threshold: z.strictObject({ public: count, internal: count }, { error: missingOr('not a mapping') }),
      },
      { error: missingOr('not a mapping') },
    ),
  }, { error: 'not a mapping of operations, trends and publication' })
  .superRefine((raw, ctx) => {
    // "The operation containing D" must be one operation: ids unique, date ranges disjoint.
    raw.operations.forEach((op, i) => {
      raw.operations.slice(0, i).forEach((other, j) => {
        if (other.id === op.id) ctx.addIssue({ code: 'custom', path: ['operations', i, 'id'], message: `'${op.id}' is also operations[${j}]` });
        if (op.start <= other.end && other.start <= op.end) {
          ctx.addIssue({ code: 'custom', path: ['operations', i, 'start'], message: `overlaps operations[${j}] (${other.id})` });
        }
      });
    });
  });

/** Where the configuration is read from: --config, else BULLETIN_CONFIG, else config/bulletin.yaml of the checkout. */
export function configPath(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return option ?? env.BULLETIN_CONFIG ?? join(repoRoot, DEFAULT_CONFIG_FILE);
}

export function loadConfig(path: string): Config {
  const file = displayPath(path);
  if (!existsSync(path)) throw new UsageError(`${file}: configuration file not found`);
  const document = parseDocument(readFileSync(path, 'utf8'));
  if (document.errors.length > 0) {
    const [error] = document.errors;
    const line = error.linePos?.[0].line;
    throw new UsageError(`${file}:${line ? ` line ${line}:` : ''} not valid YAML: ${error.message.split('\n')[0]}`);
  }
  return parseConfig(document.toJS(), file);
}

/** Validates an already parsed configuration; `file` names it in messages. */
export function parseConfig(raw: unknown, file: string): Config {
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) {
    const [issue] = result.error.issues;
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const path = keyPath([...issue.path, ...keys.slice(0, 1)]);
    const message = issue.code === 'unrecognized_keys' ? 'unknown key' : issue.message;
    throw new UsageError(`${file}: ${path ? `${path}: ` : ''}${message}`);
  }
  const { operations, trends, publication } = result.data;
  return {
    file,
    operations: operations.map((op) => ({ id: op.id, nameZh: op.name_zh, nameEn: op.name_en, start: op.start, end: op.end })),
    trends: {
      firstYear: trends.first_year,
      casesSolvedSince: trends.cases_solved_since,
      suspectsArrestedSince: trends.suspects_arrested_since,
      dnaSystemSince: trends.dna_system_since,
      alertPlatformSince: trends.alert_platform_since,
    },
    publication: { smallCountThreshold: { ...publication.small_count_threshold } },
  };
}

/** The configured operation whose start..end contains `date`, if any. */
export function operationContaining(operations: Operation[], date: string): Operation | undefined {
  return operations.find((op) => op.start <= date && date <= op.end);
}

/** `operations[0].start` from ['operations', 0, 'start']. */
function keyPath(path: readonly PropertyKey[]): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i > 0 ? '.' : ''}${String(key)}`)).join('');
}

function displayPath(path: string): string {
  const shown = isAbsolute(path) ? relative(process.cwd(), path) : path;
  return shown.startsWith('..') ? path : shown;
}
