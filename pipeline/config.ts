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
import { checkCron } from './schedule/cron.ts';

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
  /** Scheduled jobs (`bulletin schedule`); none when the file has no `jobs`. */
  jobs: Job[];
  inbox: { dir: string; settleSeconds: number };
  mail: {
    /** Named recipient lists a job's `to` (or `deliver --to`) may name. */
    lists: Record<string, string[]>;
    /** Sending attempts per recipient for temporary failures, the first included. */
    attempts: number;
    /** Wait before the first retry; doubled after each, up to maxRetryDelaySeconds. */
    retryDelaySeconds: number;
    maxRetryDelaySeconds: number;
  };
}

export const JOB_KINDS = ['ingest', 'monthly', 'briefing'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export interface Job {
  name: string;
  kind: JobKind;
  /** Cron expression, evaluated in Asia/Shanghai. */
  cron: string;
  /** monthly and briefing: the recipients, list names expanded; empty for ingest. */
  to: string[];
  /** monthly and briefing: the template (default press / briefing) and languages (default all). */
  template: string;
  lang: 'en' | 'zh' | 'all';
}

/** What a job kind does when `template` is not given. */
const DEFAULT_TEMPLATE: Record<JobKind, string> = { ingest: '', monthly: 'press', briefing: 'briefing' };

const missingOr = (what: string) => (issue: { input?: unknown }) => (issue.input === undefined ? 'missing' : what);

const isoDate = z
  .string({ error: missingOr('not a date YYYY-MM-DD') })
  .refine(isIsoDate, { error: 'not a date YYYY-MM-DD' });
const text = z.string({ error: missingOr('not a text') }).trim().min(1, { error: 'empty' });
const count = z.int({ error: missingOr('not a whole number') }).min(0, { error: 'below 0' });

const address = z.string().trim().regex(/^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/, { error: 'not an e-mail address' });
const positive = (what: string) => z.number({ error: missingOr(what) }).positive({ error: 'not above 0' });

const jobSchema = z
  .strictObject({
    name: z.string({ error: missingOr('not a text') }).regex(/^[a-z0-9][a-z0-9_-]*$/, { error: 'not a job name (a-z, 0-9, - and _)' }),
    kind: z.enum(JOB_KINDS, { error: `not one of ${JOB_KINDS.join(', ')}` }),
    cron: z.string({ error: missingOr('not a text') }).superRefine((expression, ctx) => {
      try {
        checkCron(expression);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `not a cron expression: ${(error as Error).message}` });
      }
    }),
    to: z.array(text, { error: missingOr('not a list') }).min(1, { error: 'no recipient' }).optional(),
    template: text.optional(),
    lang: z.enum(['en', 'zh', 'all'], { error: 'not one of en, zh, all' }).optional(),
  })
  .superRefine((job, ctx) => {
    if (job.kind === 'ingest' && (job.to || job.template || job.lang)) ctx.addIssue({ code: 'custom', path: ['to'], message: 'an ingest job mails nothing' });
    if (job.kind !== 'ingest' && !job.to) ctx.addIssue({ code: 'custom', path: ['to'], message: 'missing' });
  });

const mailSchema = z.strictObject(
  {
    lists: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, { error: 'not a list name (a-z, 0-9, - and _)' }), z.array(address, { error: missingOr('not a list') }).min(1, { error: 'empty' })).default({}),
    attempts: z.int({ error: missingOr('not a whole number') }).min(1, { error: 'below 1' }).default(5),
    retry_delay_seconds: positive('not a number').default(30),
    max_retry_delay_seconds: positive('not a number').default(900),
  },
  { error: missingOr('not a mapping') },
);

const inboxSchema = z.strictObject(
  { dir: text.default('data/inbox'), settle_seconds: z.number({ error: missingOr('not a number') }).min(0, { error: 'below 0' }).default(60) },
  { error: missingOr('not a mapping') },
);

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
    jobs: z.array(jobSchema, { error: missingOr('not a list') }).default([]),
    inbox: inboxSchema.default({ dir: 'data/inbox', settle_seconds: 60 }),
    mail: mailSchema.default({ lists: {}, attempts: 5, retry_delay_seconds: 30, max_retry_delay_seconds: 900 }),
  }, { error: 'not a mapping of operations, trends, publication, jobs, inbox and mail' })
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
    // Job names are what `bulletin run NAME` and the run log use: unique. A `to` entry is a list or an address.
    raw.jobs.forEach((job, i) => {
      const j = raw.jobs.findIndex((other) => other.name === job.name);
      if (j < i) ctx.addIssue({ code: 'custom', path: ['jobs', i, 'name'], message: `'${job.name}' is also jobs[${j}]` });
      (job.to ?? []).forEach((entry, k) => {
        if (!entry.includes('@') && !(entry in raw.mail.lists)) ctx.addIssue({ code: 'custom', path: ['jobs', i, 'to', k], message: `'${entry}' is neither an address nor a list of mail.lists` });
        else if (entry.includes('@') && !address.safeParse(entry).success) ctx.addIssue({ code: 'custom', path: ['jobs', i, 'to', k], message: 'not an e-mail address' });
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
  const { operations, trends, publication, jobs, inbox, mail } = result.data;
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
    jobs: jobs.map((job) => ({
      name: job.name,
      kind: job.kind,
      cron: job.cron,
      to: expandRecipients(job.to ?? [], mail.lists),
      template: job.template ?? DEFAULT_TEMPLATE[job.kind],
      lang: job.lang ?? 'all',
    })),
    inbox: { dir: inbox.dir, settleSeconds: inbox.settle_seconds },
    mail: { lists: mail.lists, attempts: mail.attempts, retryDelaySeconds: mail.retry_delay_seconds, maxRetryDelaySeconds: mail.max_retry_delay_seconds },
  };
}

/** Addresses and list names -> the addresses, in order, each once (a list name unknown is a UsageError). */
export function expandRecipients(entries: string[], lists: Record<string, string[]>, where = 'mail.lists'): string[] {
  const addresses = entries.flatMap((entry) => {
    if (entry.includes('@')) return [entry.trim()];
    const list = lists[entry];
    if (!list) throw new UsageError(`'${entry}' is neither an e-mail address nor a list of ${where}`);
    return list;
  });
  return [...new Set(addresses)];
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
