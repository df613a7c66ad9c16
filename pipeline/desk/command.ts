// The desk's command-line face (desk.md "Commands"): reads passwords, authenticates `--as USER`, prints lists and
// logs. Every rule is asked of workflow.ts and store.ts; nothing here decides what may happen.
import { readFileSync } from 'node:fs';
import { chinaTime, currentTime } from '../dates.ts';
import { UsageError } from '../errors.ts';
import { displayWidth, padToWidth } from '../text-width.ts';
import { currentHold, listEditions, readLog, resumeFromHold, setHold, withDesk, type Edition, type LogEntry } from './store.ts';
import { addUser, authenticate, checkedUserEmail, listUsers, setUserEmail } from './users.ts';
import type { Actor } from './workflow.ts';
import { shownPath, type DeskContext, type EditionView } from './editions.ts';

/** The password: BULLETIN_DESK_PASSWORD, else a prompt without echo on a terminal, else the first line of stdin. */
async function readPassword(prompt: string, env = process.env): Promise<string> {
  if (env.BULLETIN_DESK_PASSWORD !== undefined) return env.BULLETIN_DESK_PASSWORD;
  if (!process.stdin.isTTY) {
    const text = readFileSync(0, 'utf8');
    return text.split(/\r?\n/)[0];
  }
  return promptHidden(prompt);
}

function promptHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const input = process.stdin;
    let typed = '';
    process.stderr.write(prompt);
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    const done = (error: Error | null) => {
      input.setRawMode(false);
      input.pause();
      input.removeListener('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done(null);
        if (ch === '\u0003') return done(new UsageError('cancelled'));
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    input.on('data', onData);
  });
}

/** `--as NAME`: the desk user, authenticated by their password. */
export async function actingUser(dbPath: string, name: string | undefined, env = process.env): Promise<Actor> {
  if (!name) throw new UsageError('this command acts as a desk user: give --as NAME');
  return authenticate(dbPath, name, await readPassword(`password of ${name}: `, env));
}

export async function runUserAdd(dbPath: string, name: string, role: string, env = process.env, email?: string): Promise<void> {
  // A bad address is refused before the password is asked for.
  if (email !== undefined) checkedUserEmail(name, email);
  const password = await readPassword(`password for ${name}: `, env);
  await addUser(dbPath, name, role, password, currentTime(env), email);
  const noAddress = `; no e-mail address, so no test sends: bulletin desk user email ${name} ADDR`;
  process.stderr.write(`desk user ${name} added (${role})${email === undefined ? noAddress : ''}\n`);
}

export function runUserEmail(dbPath: string, name: string, email: string): void {
  setUserEmail(dbPath, name, email);
  process.stderr.write(`desk user ${name}: e-mail address set\n`);
}

export function usersTable(dbPath: string): string {
  return table(['name', 'role', 'e-mail', 'added (China time)'], listUsers(dbPath).map((u) => [u.name, u.role, u.email ?? '-', chinaTime(new Date(u.created_at))]));
}

export async function runHold(dbPath: string, as: string | undefined, reason: string, env = process.env): Promise<void> {
  const actor = await actingUser(dbPath, as, env);
  await withDesk(dbPath, (desk) => setHold(desk, actor, reason, currentTime(env)));
  process.stderr.write(`hold in force: every delivery stops until bulletin desk resume\n`);
}

export async function runResume(dbPath: string, as: string | undefined, env = process.env): Promise<void> {
  const actor = await actingUser(dbPath, as, env);
  await withDesk(dbPath, (desk) => resumeFromHold(desk, actor, currentTime(env)));
  process.stderr.write(`hold lifted\n`);
}

export async function editionList(dbPath: string, json: boolean): Promise<string> {
  const { editions, hold } = await withDesk(dbPath, async (desk) => ({ editions: await listEditions(desk), hold: await currentHold(desk) }));
  if (json) return JSON.stringify(editions.map(publicEdition), null, 2) + '\n';
  const lines = hold ? [`HOLD since ${chinaTime(new Date(hold.at))} by ${hold.by}: ${hold.reason}`, ''] : [];
  const rows = editions.map((e) => [e.edition_id, e.state, e.release_at ? chinaTime(new Date(e.release_at)) : '-', chinaTime(new Date(e.updated_at))]);
  return lines.join('\n') + table(['edition', 'state', 'release (China time)', 'last change'], rows);
}

export async function editionLog(dbPath: string, editionId: string | undefined, json: boolean): Promise<string> {
  const entries = await withDesk(dbPath, (desk) => readLog(desk, editionId));
  if (json) return JSON.stringify(entries, null, 2) + '\n';
  return table(
    ['#', 'time (China)', 'user', 'edition', 'action', 'from -> to', 'note'],
    entries.map((e: LogEntry) => [String(e.seq), chinaTime(new Date(e.at)), e.actor, e.edition_id ?? '-', e.action, e.to_state ? `${e.from_state ?? '-'} -> ${e.to_state}` : '', e.note ?? '']),
  );
}

/** An edition as `--json` shows it: the stored row, dates as ISO instants. */
function publicEdition(edition: Edition): Record<string, unknown> {
  const { dir: _dir, ...rest } = edition;
  return { id: edition.edition_id, ...rest };
}

/** Columns padded by display width (Chinese counts double); the last column is not padded. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i]))));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : padToWidth(c, widths[i], false))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

// ---- editions ---------------------------------------------------------------------------------------------------

/** The desk's context for a command: the configuration read once, the clock, lines for people on stderr. */
export async function deskContext(dbPath: string, configFile: string | undefined, env = process.env): Promise<DeskContext> {
  const { configPath, loadConfig } = await import('../config.ts');
  return { dbPath, config: loadConfig(configPath(configFile)), now: currentTime(env), log: (line) => process.stderr.write(`${line}\n`) };
}

export function describeEdition(view: EditionView): string {
  const { edition, checklist, history } = view;
  const lines = [
    `${edition.edition_id}  ${edition.state}${edition.kind !== 'original' ? `  (${edition.kind} of ${edition.corrects})` : ''}`,
    `content sha256  ${edition.content_sha256 ?? '-'}`,
    `release         ${edition.release_at ? `${chinaTime(new Date(edition.release_at))} China time` : '-'}${edition.released_at ? `; released ${chinaTime(new Date(edition.released_at))}` : ''}`,
    `snapshot        ${edition.snapshot_id ?? '-'}${edition.snapshot_sha256 ? ` (sha256 ${edition.snapshot_sha256.slice(0, 16)}…)` : ''}`,
    `editorial file  ${edition.editorial_file ? shownPath(edition.editorial_file) : 'none'}`,
    ...Object.entries(edition.pdfs).map(([language, pdf]) => `PDF ${language}          ${shownPath(pdf.path)}  sha256 ${pdf.sha256}`),
    '',
    `checklist: ${checklist.errors.length} error(s), ${checklist.warnings.length} warning(s)`,
    ...checklist.errors.map((e) => `  ERROR    ${e.code}: ${e.message}`),
    ...checklist.warnings.map((w) => `  warning  ${w.code}: ${w.message}`),
    '',
    'history:',
    ...history.map((h) => `  ${chinaTime(new Date(h.at))}  ${h.actor}  ${h.action}${h.to_state ? ` ${h.from_state ?? '-'} -> ${h.to_state}` : ''}${h.note ? `  ${h.note}` : ''}${h.detail && 'recipient' in h.detail ? `  ${String(h.detail.recipient)}: ${String(h.detail.outcome)}` : ''}`),
  ];
  return lines.join('\n') + '\n';
}

export function editionJson(view: EditionView): string {
  const { edition, checklist, history } = view;
  return JSON.stringify({ ...publicEdition(edition), id: edition.edition_id, state: edition.state, content_sha256: edition.content_sha256, release_at: edition.release_at, pdfs: edition.pdfs, checklist, history }, null, 2) + '\n';
}
