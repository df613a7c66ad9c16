// The desk's state: editions and their append-only log in `<db>.desk.duckdb` (queries/desk/schema.sql), opened for
// one piece of work and closed again (warehouse/logs.ts), so the scheduler, the command line and the desk page
// share it and only wait for each other a moment. Every change is one transaction: the edition's row and its log
// entry are written together or not at all. The log is only ever appended to.
import { existsSync } from 'node:fs';
import { InputRefused, UsageError } from '../errors.ts';
import { withLogFile } from '../warehouse/logs.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';
import { TRANSITIONS, refusal, type Actor, type EditionEvent, type EditionPeople, type EditionState } from './workflow.ts';

export function deskPath(dbPath: string): string {
  return `${dbPath}.desk.duckdb`;
}

export interface PdfFile {
  path: string;
  sha256: string;
}

export interface Edition {
  edition_id: string;
  bulletin: string;
  operation: string;
  template: string;
  as_of: string;
  number: number;
  state: EditionState;
  kind: 'original' | 'correction' | 'revision';
  corrects: string | null;
  note_en: string | null;
  note_zh: string | null;
  content_sha256: string | null;
  submitted_sha256: string | null;
  created_by: string;
  submitted_by: string | null;
  last_changed_by: string | null;
  approved_by: string | null;
  /** ISO instants (UTC), or null. */
  release_at: string | null;
  released_at: string | null;
  snapshot_id: string | null;
  snapshot_sha256: string | null;
  editorial_file: string | null;
  dir: string;
  pdfs: Record<string, PdfFile>;
  created_at: string;
  updated_at: string;
}

export interface LogEntry {
  seq: number;
  at: string;
  actor: string;
  edition_id: string | null;
  action: string;
  from_state: string | null;
  to_state: string | null;
  note: string | null;
  content_sha256: string | null;
  detail: Record<string, unknown> | null;
}

/** Runs `fn` on the desk file (created with its schema when missing). */
export function withDesk<T>(dbPath: string, fn: (desk: Warehouse) => Promise<T>): Promise<T> {
  return withLogFile(deskPath(dbPath), 'desk/schema.sql', fn);
}

/**
 * Runs `fn` on the desk file opened read-only (no schema statement: a page view costs one open), or as withDesk
 * when the file does not exist yet. For readers only: a write through it fails.
 */
export function readDesk<T>(dbPath: string, fn: (desk: Warehouse) => Promise<T>): Promise<T> {
  if (!existsSync(deskPath(dbPath))) return withDesk(dbPath, fn);
  return withLogFile(deskPath(dbPath), 'desk/schema.sql', fn, { readOnly: true });
}

const EDITION_COLUMNS = `edition_id, bulletin, operation, template, CAST(as_of AS VARCHAR) AS as_of, number, state, kind, corrects,
  note_en, note_zh, content_sha256, submitted_sha256, created_by, submitted_by, last_changed_by, approved_by,
  strftime(release_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS release_at,
  strftime(released_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS released_at,
  snapshot_id, snapshot_sha256, editorial_file, dir, CAST(pdfs AS VARCHAR) AS pdfs,
  strftime(created_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS created_at,
  strftime(updated_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS updated_at`;

function toEdition(row: Record<string, unknown>): Edition {
  return { ...(row as unknown as Edition), number: Number(row.number), pdfs: row.pdfs ? (JSON.parse(String(row.pdfs)) as Record<string, PdfFile>) : {} };
}

export async function listEditions(desk: Warehouse, where: { bulletin?: string } = {}): Promise<Edition[]> {
  const rows = await desk.all(`SELECT ${EDITION_COLUMNS} FROM editions WHERE $bulletin IS NULL OR bulletin = $bulletin ORDER BY as_of DESC, bulletin, number DESC`, {
    bulletin: where.bulletin ?? null,
  });
  return rows.map(toEdition);
}

export async function findEdition(desk: Warehouse, editionId: string): Promise<Edition | null> {
  const [row] = await desk.all(`SELECT ${EDITION_COLUMNS} FROM editions WHERE edition_id = $id`, { id: editionId });
  return row ? toEdition(row) : null;
}

export async function getEdition(desk: Warehouse, editionId: string): Promise<Edition> {
  const edition = await findEdition(desk, editionId);
  if (!edition) throw new UsageError(`edition ${editionId}: no such edition (bulletin edition list shows them)`);
  return edition;
}

/** The open edition of a bulletin (draft, submitted or approved), if any: there is at most one. */
export async function openEdition(desk: Warehouse, bulletin: string): Promise<Edition | null> {
  const [row] = await desk.all(`SELECT ${EDITION_COLUMNS} FROM editions WHERE bulletin = $bulletin AND state IN ('draft', 'submitted', 'approved')`, { bulletin });
  return row ? toEdition(row) : null;
}

/** The released edition of a bulletin (not superseded), if any: there is at most one. */
export async function releasedEdition(desk: Warehouse, bulletin: string): Promise<Edition | null> {
  const [row] = await desk.all(`SELECT ${EDITION_COLUMNS} FROM editions WHERE bulletin = $bulletin AND state = 'released'`, { bulletin });
  return row ? toEdition(row) : null;
}

export async function nextNumber(desk: Warehouse, bulletin: string): Promise<number> {
  const [{ next }] = await desk.all<{ next: number }>(`SELECT CAST(coalesce(max(number), 0) + 1 AS INTEGER) AS next FROM editions WHERE bulletin = $bulletin`, { bulletin });
  return Number(next);
}

/** The fields a new edition is created with; the rest start empty. */
export type NewEdition = Pick<Edition, 'bulletin' | 'operation' | 'template' | 'as_of' | 'number' | 'kind' | 'corrects' | 'note_en' | 'note_zh' | 'dir'> & { created_by: string };

export async function insertEdition(desk: Warehouse, edition: NewEdition, now: Date): Promise<string> {
  const id = `${edition.bulletin}#${edition.number}`;
  await desk.transaction(async () => {
    await desk.run(
      `INSERT INTO editions (edition_id, bulletin, operation, template, as_of, number, state, kind, corrects, note_en, note_zh,
         created_by, last_changed_by, dir, pdfs, created_at, updated_at)
       VALUES ($id, $bulletin, $operation, $template, CAST($as_of AS DATE), $number, 'draft', $kind, $corrects, $note_en, $note_zh,
         $by, $by, $dir, '{}', CAST($now AS TIMESTAMPTZ), CAST($now AS TIMESTAMPTZ))`,
      {
        id,
        bulletin: edition.bulletin,
        operation: edition.operation,
        template: edition.template,
        as_of: edition.as_of,
        number: edition.number,
        kind: edition.kind,
        corrects: edition.corrects,
        note_en: edition.note_en,
        note_zh: edition.note_zh,
        by: edition.created_by,
        dir: edition.dir,
        now: now.toISOString(),
      },
    );
    await appendLog(desk, { actor: edition.created_by, edition_id: id, action: 'draft', from_state: null, to_state: 'draft', note: edition.kind === 'original' ? null : `${edition.kind} of ${edition.corrects}`, content_sha256: null, detail: null }, now);
  });
  return id;
}

/** Columns of `editions` a transition or a refresh may set. */
export type EditionPatch = Partial<
  Pick<Edition, 'content_sha256' | 'submitted_sha256' | 'submitted_by' | 'last_changed_by' | 'approved_by' | 'release_at' | 'released_at' | 'snapshot_id' | 'snapshot_sha256' | 'editorial_file' | 'pdfs'>
>;

const PATCHABLE = new Set<keyof EditionPatch>(['content_sha256', 'submitted_sha256', 'submitted_by', 'last_changed_by', 'approved_by', 'release_at', 'released_at', 'snapshot_id', 'snapshot_sha256', 'editorial_file', 'pdfs']);

/**
 * Moves an edition by `event` as `actor`, after the workflow's rules (workflow.ts) allowed it, setting `patch` and
 * appending the log entry, in one transaction. The edition is read again inside the transaction, so two processes
 * acting at once cannot both move it. Refusals are InputRefused (exit 1), nothing changed.
 */
export async function transition(
  desk: Warehouse,
  editionId: string,
  event: EditionEvent,
  actor: Actor | 'system',
  options: { patch?: EditionPatch; note?: string | null; detail?: Record<string, unknown> | null; now: Date },
): Promise<Edition> {
  return desk.transaction(async () => {
    const edition = await getEdition(desk, editionId);
    refuseUnlessAllowed(event, edition, actor);
    const to = TRANSITIONS[event].to;
    await updateEdition(desk, editionId, { ...options.patch }, to, options.now);
    const after = await getEdition(desk, editionId);
    await appendLog(
      desk,
      { actor: actorName(actor), edition_id: editionId, action: event, from_state: edition.state, to_state: to, note: options.note ?? null, content_sha256: after.content_sha256, detail: options.detail ?? null },
      options.now,
    );
    return after;
  });
}

/** The workflow's refusal (workflow.ts) of `event` on a stored edition, as InputRefused (exit 1); nothing when allowed. */
export function refuseUnlessAllowed(event: EditionEvent, edition: Edition, actor: Actor | 'system'): void {
  const refused = refusal(event, peopleOf(edition), actor);
  if (refused) throw new InputRefused(`edition ${edition.edition_id}: ${refused}`);
}

/** What the four-eyes rule reads of a stored edition. */
export function peopleOf(edition: Edition): EditionPeople {
  return { state: edition.state, submittedBy: edition.submitted_by, lastChangedBy: edition.last_changed_by };
}

/** Sets columns of an edition without a change of state (a refresh of a draft's content); logged by the caller. */
export async function updateEdition(desk: Warehouse, editionId: string, patch: EditionPatch, state: EditionState | null, now: Date): Promise<void> {
  const sets: string[] = ['updated_at = CAST($now AS TIMESTAMPTZ)'];
  const params: Record<string, string | null> = { id: editionId, now: now.toISOString() };
  if (state) (sets.push('state = $state'), (params.state = state));
  for (const [key, value] of Object.entries(patch) as [keyof EditionPatch, unknown][]) {
    if (!PATCHABLE.has(key)) throw new Error(`not a patchable edition column: ${key}`);
    const cast = key === 'release_at' || key === 'released_at' ? 'CAST($' + key + ' AS TIMESTAMPTZ)' : key === 'pdfs' ? 'CAST($' + key + ' AS JSON)' : '$' + key;
    sets.push(`${key} = ${cast}`);
    params[key] = value === null || value === undefined ? null : key === 'pdfs' ? JSON.stringify(value) : String(value);
  }
  await desk.run(`UPDATE editions SET ${sets.join(', ')} WHERE edition_id = $id`, params);
}

export async function appendLog(desk: Warehouse, entry: Omit<LogEntry, 'seq' | 'at'>, now: Date): Promise<void> {
  await desk.run(
    `INSERT INTO desk_log SELECT coalesce(max(seq), 0) + 1, CAST($at AS TIMESTAMPTZ), $actor, $edition, $action, $from, $to, $note, $hash, CAST($detail AS JSON) FROM desk_log`,
    {
      at: now.toISOString(),
      actor: entry.actor,
      edition: entry.edition_id,
      action: entry.action,
      from: entry.from_state,
      to: entry.to_state,
      note: entry.note,
      hash: entry.content_sha256,
      detail: entry.detail ? JSON.stringify(entry.detail) : null,
    },
  );
}

export async function readLog(desk: Warehouse, editionId?: string): Promise<LogEntry[]> {
  const rows = await desk.all(
    `SELECT seq, strftime(logged_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS at, actor, edition_id, action, from_state, to_state, note, content_sha256,
            CAST(detail AS VARCHAR) AS detail
       FROM desk_log WHERE $id IS NULL OR edition_id = $id ORDER BY seq`,
    { id: editionId ?? null },
  );
  return rows.map((row) => ({ ...(row as unknown as LogEntry), seq: Number(row.seq), detail: row.detail ? (JSON.parse(String(row.detail)) as Record<string, unknown>) : null }));
}

export interface Hold {
  reason: string;
  by: string;
  at: string;
}

/** The hold in force (rule 9): the newest hold entry of the log not followed by a resume; null when none. */
export async function currentHold(desk: Warehouse): Promise<Hold | null> {
  const [last] = await desk.all<{ action: string; note: string; actor: string; at: string }>(
    `SELECT action, note, actor, strftime(logged_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS at FROM desk_log WHERE action IN ('hold', 'resume') ORDER BY seq DESC LIMIT 1`,
  );
  return last && last.action === 'hold' ? { reason: last.note, by: last.actor, at: last.at } : null;
}

export async function setHold(desk: Warehouse, actor: Actor, reason: string, now: Date): Promise<void> {
  if (!reason.trim()) throw new UsageError('a hold needs a reason (--reason TEXT)');
  await desk.transaction(async () => {
    const hold = await currentHold(desk);
    if (hold) throw new InputRefused(`a hold is in force already since ${hold.at} (${hold.by}: ${hold.reason})`);
    await appendLog(desk, { actor: actor.name, edition_id: null, action: 'hold', from_state: null, to_state: null, note: reason, content_sha256: null, detail: null }, now);
  });
}

export async function resumeFromHold(desk: Warehouse, actor: Actor, now: Date): Promise<void> {
  await desk.transaction(async () => {
    if (!(await currentHold(desk))) throw new InputRefused('no hold is in force');
    await appendLog(desk, { actor: actor.name, edition_id: null, action: 'resume', from_state: null, to_state: null, note: null, content_sha256: null, detail: null }, now);
  });
}

export function actorName(actor: Actor | 'system'): string {
  return actor === 'system' ? 'system' : actor.name;
}

/** The newest log entry of each edition (who last acted, what, when), for the editions list. */
export async function lastActions(desk: Warehouse): Promise<Map<string, { actor: string; action: string; at: string }>> {
  const rows = await desk.all<{ edition_id: string; actor: string; action: string; at: string }>(
    `SELECT edition_id, arg_max(actor, seq) AS actor, arg_max(action, seq) AS action,
            strftime(max(logged_at) AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS at
       FROM desk_log WHERE edition_id IS NOT NULL GROUP BY edition_id`,
  );
  return new Map(rows.map((r) => [r.edition_id, { actor: r.actor, action: r.action, at: r.at }]));
}
