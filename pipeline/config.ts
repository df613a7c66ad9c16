// The configuration file (config/bulletin.yaml): raw YAML -> typed, validated Config, checked once at the edge.
// Every date the methodology keeps "in configuration, not in code" comes from here. A bad value is a UsageError
// (exit 2) naming the file and the key path, e.g. `config/bulletin.yaml: operations[0].start: not a date YYYY-MM-DD`.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { parseDocument } from 'yaml';
import * as z from './schema.ts';
import { describeCharacter, refusedCharacter, shownText } from './characters.ts';
import { isIsoDate } from './dates.ts';
import { addressProblem } from './deliver/address.ts';
import { oneLine, UsageError } from './errors.ts';
import { repoRoot } from './paths.ts';
import { checkCron } from './schedule/cron.ts';

/** The file used when neither --config nor BULLETIN_CONFIG names one; relative to the checkout. */
const DEFAULT_CONFIG_FILE = join('config', 'bulletin.yaml');

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
  /** The press desk (desk.md): when approved editions are released by default, how early a pre-release may go. */
  desk: {
    /** China time of day, HH:MM, of the default release: on the next working day (Monday to Friday) after approval. */
    releaseTime: string;
    /** A pre-release copy may go at most this many hours before the release time. */
    prereleaseMaxHours: number;
    /** The mail list a held scheduled run mails the draft to ("ready for review"); one of mail.lists. */
    reviewList: string;
    /** The desk page logs a user out after this many minutes without a request. */
    sessionIdleMinutes: number;
  };
  /** The office that publishes the bulletins: the display name of the mails' From; none, a bare address. */
  office?: { nameZh: string; nameEn: string };
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

const JOB_KINDS = ['ingest', 'monthly', 'briefing'] as const;
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
  /** desk.md rule 4: 'required' (default) holds the run for sign-off; 'none' releases at once, marked "not reviewed". */
  approval: 'required' | 'none';
}

/** What a job kind does when `template` is not given. */
const DEFAULT_TEMPLATE: Record<JobKind, string> = { ingest: '', monthly: 'press', briefing: 'briefing' };

const missingOr = (what: string) => (issue: { input?: unknown }) => (issue.input === undefined ? 'missing' : what);

const isoDate = z.string({ error: missingOr('not a date YYYY-MM-DD') }).check(z.refine(isIsoDate, { error: 'not a date YYYY-MM-DD' }));
// Checked before trimming: a trailing CR LF is refused, not trimmed away.
const noControlCharacters = (value: string, ctx: z.core.$RefinementCtx<string>) => {
  const refused = refusedCharacter(value);
  if (refused) ctx.addIssue({ code: 'custom', message: `holds the character ${describeCharacter(refused.char)}`, abort: true });
};
const text = z.string({ error: missingOr('not a text') }).check(z.superRefine(noControlCharacters), z.trim(), z.minLength(1, { error: 'empty' }));
const count = z.int({ error: missingOr('not a whole number') }).check(z.minimum(0, { error: 'below 0' }));

const address = z.pipe(
  z.string({ error: missingOr('not an e-mail address') }).check(
    z.superRefine((value, ctx) => {
      const problem = addressProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  ),
  z.transform((value: string) => value.trim()),
);
/** Job and mailing-list names, as commands and logs name them: lower-case letters, digits, - and _. */
const NAME = /^[a-z0-9][a-z0-9_-]*$/;
const positive = (what: string) => z.number({ error: missingOr(what) }).check(z.positive({ error: 'not above 0' }));

const jobSchema = z
  .strictObject({
    name: z.string({ error: missingOr('not a text') }).check(z.regex(NAME, { error: 'not a job name (a-z, 0-9, - and _)' })),
    kind: z.enum(JOB_KINDS, { error: `not one of ${JOB_KINDS.join(', ')}` }),
    cron: z.string({ error: missingOr('not a text') }).check(
      z.superRefine((expression, ctx) => {
        try {
          checkCron(expression);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: `not a cron expression: ${(error as Error).message}` });
        }
      }),
    ),
    to: z.optional(z.array(text, { error: missingOr('not a list') }).check(z.minLength(1, { error: 'no recipient' }))),
    template: z.optional(text),
    lang: z.optional(z.enum(['en', 'zh', 'all'], { error: 'not one of en, zh, all' })),
    approval: z.optional(z.enum(['required', 'none'], { error: 'not one of required, none' })),
  })
  .check(
    z.superRefine((job, ctx) => {
      if (job.kind === 'ingest' && (job.to || job.template || job.lang)) ctx.addIssue({ code: 'custom', path: ['to'], message: 'an ingest job mails nothing' });
      if (job.kind !== 'ingest' && !job.to) ctx.addIssue({ code: 'custom', path: ['to'], message: 'missing' });
    }),
  );

const mailSchema = z.strictObject(
  {
    lists: z._default(
      z.record(
        z.string().check(z.regex(NAME, { error: 'not a list name (a-z, 0-9, - and _)' })),
        z.array(address, { error: missingOr('not a list') }).check(z.minLength(1, { error: 'empty' })),
      ),
      {},
    ),
    attempts: z._default(z.int({ error: missingOr('not a whole number') }).check(z.minimum(1, { error: 'below 1' })), 5),
    retry_delay_seconds: z._default(positive('not a number'), 30),
    max_retry_delay_seconds: z._default(positive('not a number'), 900),
  },
  { error: missingOr('not a mapping') },
);

const deskSchema = z.strictObject(
  {
    release_time: z._default(z.string({ error: missingOr('not a time HH:MM') }).check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'not a time HH:MM' })), '09:30'),
    prerelease_max_hours: z._default(positive('not a number'), 24),
    review_list: z._default(z.string({ error: missingOr('not a list name') }), 'desk'),
    session_idle_minutes: z._default(positive('not a number'), 30),
  },
  { error: missingOr('not a mapping') },
);

const inboxSchema = z.strictObject(
  { dir: z._default(text, 'data/inbox'), settle_seconds: z._default(z.number({ error: missingOr('not a number') }).check(z.minimum(0, { error: 'below 0' })), 60) },
  { error: missingOr('not a mapping') },
);

const officeSchema = z.strictObject({ name_zh: text, name_en: text }, { error: missingOr('not a mapping') });

const operationSchema = z
  .strictObject({ id: text, name_zh: text, name_en: text, start: isoDate, end: isoDate })
  .check(z.refine((op) => op.end >= op.start, { error: 'ends before it starts', path: ['end'] }));

const configSchema = z
  .strictObject({
    operations: z.array(operationSchema, { error: missingOr('not a list') }).check(z.minLength(1, { error: 'no operation' })),
    trends: z.strictObject(
      {
        first_year: z.int({ error: missingOr('not a year') }).check(z.minimum(1949, { error: 'not a year' }), z.maximum(2999, { error: 'not a year' })),
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
    jobs: z._default(z.array(jobSchema, { error: missingOr('not a list') }), []),
    inbox: z._default(inboxSchema, { dir: 'data/inbox', settle_seconds: 60 }),
    desk: z._default(deskSchema, { release_time: '09:30', prerelease_max_hours: 24, review_list: 'desk', session_idle_minutes: 30 }),
    office: z.optional(officeSchema),
    mail: z._default(mailSchema, { lists: {}, attempts: 5, retry_delay_seconds: 30, max_retry_delay_seconds: 900 }),
  }, { error: 'not a mapping of operations, trends, publication, jobs, inbox, desk, office and mail' })
  .check(z.superRefine((raw, ctx) => {
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
        const problem = recipientProblem(entry, raw.mail.lists, 'an address nor a list of mail.lists');
        if (problem) ctx.addIssue({ code: 'custom', path: ['jobs', i, 'to', k], message: problem });
      });
    });
  }));

/** Where the configuration is read from: --config, else BULLETIN_CONFIG, else config/bulletin.yaml of the checkout. */
export function configPath(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return option ?? env.BULLETIN_CONFIG ?? join(repoRoot, DEFAULT_CONFIG_FILE);
}

export function loadConfig(path: string): Config {
  const file = displayPath(path);
  if (!existsSync(path)) throw new UsageError(`${file}: configuration file not found`);
  return parseConfig(readYamlFile(path, file, 'configuration file'), file);
}

/** Aliases a YAML file may expand (the yaml package's own default): more is an alias bomb, refused. */
export const MAX_YAML_ALIASES = 100;

/**
 * A small YAML file people write (configuration, editorial file) read as plain data; every failure is one
 * UsageError naming the file `shown`: unreadable (a folder at its path), too large, not UTF-8, not YAML, or an alias
 * bomb (more than MAX_YAML_ALIASES aliases expanded, the yaml package's maxAliasCount).
 */
export function readYamlFile(path: string, shown: string, what: string, maxBytes = 1024 * 1024): unknown {
  let bytes: Buffer;
  try {
    if (statSync(path).size > maxBytes) throw new UsageError(`${shown}: the ${what} is larger than ${maxBytes / 1024} KiB`);
    bytes = readFileSync(path);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`${shown}: cannot read the ${what}: ${code === 'EISDIR' ? 'it is a folder' : oneLine(error)}`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(`${shown}: the ${what} is not UTF-8 text`);
  }
  const document = parseDocument(text);
  if (document.errors.length > 0) {
    const [error] = document.errors;
    const line = error.linePos?.[0].line;
    throw new UsageError(`${shown}:${line ? ` line ${line}:` : ''} not valid YAML: ${error.message.split('\n')[0]}`);
  }
  try {
    return document.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (error) {
    // The yaml package's ReferenceError for an alias bomb ("Excessive alias count ...").
    const bomb = /alias/i.test(oneLine(error)) ? ` (more than ${MAX_YAML_ALIASES} aliases expanded)` : '';
    throw new UsageError(`${shown}: not valid YAML: ${oneLine(error)}${bomb}`);
  }
}

/** Validates an already parsed configuration; `file` names it in messages. */
export function parseConfig(raw: unknown, file: string): Config {
  // zod drops a `__proto__` key of a record without a word; a list of that name is refused instead.
  const lists = (raw as { mail?: { lists?: unknown } } | null)?.mail?.lists;
  if (lists && typeof lists === 'object' && Object.hasOwn(lists, '__proto__')) throw new UsageError(`${file}: mail.lists.__proto__: not a list name (a-z, 0-9, - and _)`);
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) throw new UsageError(`${file}: ${issueLine(result.error.issues[0])}`);
  const { operations, trends, publication, jobs, inbox, desk, office, mail } = result.data;
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
      approval: job.approval ?? 'required',
    })),
    inbox: { dir: inbox.dir, settleSeconds: inbox.settle_seconds },
    desk: { releaseTime: desk.release_time, prereleaseMaxHours: desk.prerelease_max_hours, reviewList: desk.review_list, sessionIdleMinutes: desk.session_idle_minutes },
    ...(office ? { office: { nameZh: office.name_zh, nameEn: office.name_en } } : {}),
    mail: { lists: mail.lists, attempts: mail.attempts, retryDelaySeconds: mail.retry_delay_seconds, maxRetryDelaySeconds: mail.max_retry_delay_seconds },
  };
}

/**
 * Addresses and list names -> the addresses, in order, each once. A list name unknown, or an address that is not
 * one plain address (a CR or LF in it, a second address, a display name), is a UsageError: nothing is sent.
 */
export function expandRecipients(entries: string[], lists: Record<string, string[]>, where = 'mail.lists'): string[] {
  const addresses = entries.flatMap((entry) => {
    const problem = recipientProblem(entry, lists, `an e-mail address nor a list of ${where}`);
    if (problem) throw new UsageError(problem);
    return entry.includes('@') ? [entry.trim()] : listNamed(lists, entry)!;
  });
  // Every address again, whatever its origin: a configuration object not made by parseConfig is checked too.
  for (const address of addresses) {
    const problem = typeof address === 'string' ? addressProblem(address) : 'not an e-mail address';
    if (problem) throw new UsageError(`'${shownText(String(address))}' of ${where} is ${problem}`);
  }
  return [...new Set(addresses)];
}

/** Why a `to` entry is not a good address, or neither one nor a list of `lists`; null when it is fine. */
function recipientProblem(entry: string, lists: Record<string, string[]>, neither: string): string | null {
  const shown = `'${shownText(entry)}'`;
  if (entry.includes('@')) {
    const problem = addressProblem(entry);
    return problem && `${shown} is ${problem}`;
  }
  if (!listNamed(lists, entry)) return `${shown} is neither ${neither}`;
  return null;
}

/** The list of that name: looked up as data, so `__proto__`, `toString` or `constructor` are names like any other. */
function listNamed(lists: Record<string, string[]>, name: string): string[] | undefined {
  if (!Object.hasOwn(lists, name)) return undefined;
  const list: unknown = lists[name];
  return Array.isArray(list) ? (list as string[]) : undefined;
}

/** The configured operation whose start..end contains `date`, if any. */
export function operationContaining(operations: Operation[], date: string): Operation | undefined {
  return operations.find((op) => op.start <= date && date <= op.end);
}

/** A validation issue as `key.path[0]: what is wrong` (an unknown key named by its path). */
export function issueLine(issue: z.core.$ZodIssue): string {
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
  const path = keyPath([...issue.path, ...keys.slice(0, 1)]);
  const message = issue.code === 'unrecognized_keys' ? 'unknown key' : issue.message;
  return `${path ? `${path}: ` : ''}${message}`;
}

/** `operations[0].start` from ['operations', 0, 'start']; control characters of a key shown as <U+XXXX>. */
export function keyPath(path: readonly PropertyKey[]): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i > 0 ? '.' : ''}${shownText(String(key))}`)).join('');
}

/** A file as messages name it: relative to the working directory when it is under it, else as given. */
export function displayPath(path: string): string {
  const shown = isAbsolute(path) ? relative(process.cwd(), path) : path;
  return shown.startsWith('..') ? path : shown;
}
