// The consistency guard of metrics.md: within one operation a cumulative figure never falls between two released
// bulletins. Each release records its figures in <db>.releases.duckdb; a new release of the same operation whose
// cumulative figure is below the last released value stops (exit 1) naming the figure, both values and the records
// loaded since that changed it, unless it is released explicitly as a revision (recorded as such, with a reason).
import { existsSync } from 'node:fs';
import { InputRefused } from '../errors.ts';
import type { Figures, FiguresResult } from '../figures/figures.ts';
import { withLogFile } from '../warehouse/logs.ts';
import { EXPORT_TABLES, type TableName } from '../warehouse/tables.ts';
import { quoteIdent, type Warehouse } from '../warehouse/warehouse.ts';

/** The cumulative figures, and the table whose records can make each one fall (withdrawn or corrected). */
export const CUMULATIVE_FIGURES: Partial<Record<keyof Figures, TableName>> = {
  recovered: 'persons',
  recovered_by_expert_teams: 'persons',
  dna_recoveries_since: 'persons',
  cold_cases_solved: 'cases',
  cases_solved: 'cases',
  supervised_cases_solved_by_experts: 'cases',
  cases_solved_since: 'cases',
  suspects_arrested: 'suspects',
  long_fugitives_arrested: 'suspects',
  suspects_arrested_since: 'suspects',
  recognition_events: 'events',
  families_reunited_at_events: 'events',
  alerts_released: 'alerts',
  alerts_recovered: 'alerts',
};

export function releasesPath(dbPath: string): string {
  return `${dbPath}.releases.duckdb`;
}

export interface ReleaseRow {
  release_id: number;
  operation: string;
  operation_start: string;
  as_of: string;
  snapshot_id: string;
  released_at: string;
  revision: boolean;
  reason: string | null;
}

export interface Fall {
  figure: string;
  released: number;
  now: number;
  /** Ids of records of the figure's table loaded since the last release (at most 20), and how many there are. */
  changedIds: string[];
  changedCount: number;
}

/**
 * Checks the guard and records the release. `reader` is the connection the figures were computed on, used to name
 * the records loaded since the last release. Throws InputRefused when a figure fell and no revision reason is given.
 */
export async function releaseFigures(
  dbPath: string,
  reader: Warehouse,
  result: FiguresResult,
  operation: string,
  revisionReason: string | undefined,
): Promise<{ releaseId: number; falls: Fall[] }> {
  return withReleaseLog(dbPath, async (log) => {
    const [last] = await log.all<{ snapshot_id: string; as_of: string; figures: string }>(
      `SELECT snapshot_id, CAST(as_of AS VARCHAR) AS as_of, CAST(figures AS VARCHAR) AS figures FROM releases
       WHERE operation = $operation ORDER BY release_id DESC LIMIT 1`,
      { operation },
    );
    const falls = last ? await fallsSince(reader, JSON.parse(last.figures) as Figures, result.figures, last.snapshot_id) : [];
    if (falls.length > 0 && revisionReason === undefined) {
      const what = describeFalls(falls, last!.as_of);
      throw new InputRefused(`consistency check failed for ${operation}: ${what}. Release it as a revision with --revision REASON if this is right`);
    }
    const [{ next }] = await log.all<{ next: number }>(`SELECT coalesce(max(release_id), 0) + 1 AS next FROM releases`);
    await log.run(
      `INSERT INTO releases VALUES ($id, $operation, CAST($start AS DATE), CAST($as_of AS DATE), $snapshot, now(), $revision, $reason, $figures)`,
      {
        id: next,
        operation,
        start: result.parameters.operation_start,
        as_of: result.parameters.as_of,
        snapshot: result.snapshot,
        revision: falls.length > 0,
        reason: revisionReason ?? null,
        figures: JSON.stringify(result.figures),
      },
    );
    return { releaseId: next, falls };
  });
}

/**
 * The guard alone, recording nothing: throws InputRefused when a cumulative figure is below the one last released
 * for the operation as of D or earlier. For a bulletin printed before it is released (bulletin render).
 */
export async function checkAgainstReleases(dbPath: string, reader: Warehouse, result: FiguresResult, operation: string): Promise<void> {
  const falls = await guardFalls(dbPath, reader, result.figures, operation, result.parameters.as_of);
  if (falls.length > 0) {
    throw new InputRefused(
      `consistency check failed for ${operation}: ${falls.join('; ')}. Release the figures as a revision with \`bulletin metrics --release --revision REASON\` if this is right`,
    );
  }
}

/** The consistency guard's findings without stopping: each fallen cumulative figure in words (empty when none). */
export async function guardFalls(dbPath: string, reader: Warehouse, figures: Figures, operation: string, asOf: string): Promise<string[]> {
  const last = await lastRelease(dbPath, operation, asOf, true);
  if (!last) return [];
  const falls = await fallsSince(reader, last.figures, figures, last.snapshot_id);
  return falls.length > 0 ? [describeFalls(falls, last.as_of)] : [];
}

export interface PastRelease {
  release_id: number;
  as_of: string;
  snapshot_id: string;
  released_at: string;
  figures: Figures;
}

/**
 * The newest release of the operation as of before D (or on D too, with `orOn`); null when none, or no release log.
 * Read-only: a render that releases nothing leaves the log's bytes (and its mtime) as they were.
 */
export async function lastRelease(dbPath: string, operation: string, asOf: string, orOn = false): Promise<PastRelease | null> {
  if (!existsSync(releasesPath(dbPath))) return null;
  return readReleaseLog(dbPath, async (log) => {
    const [row] = await log.all<{ release_id: number; as_of: string; snapshot_id: string; released_at: string; figures: string }>(
      `SELECT release_id, CAST(as_of AS VARCHAR) AS as_of, snapshot_id, CAST(released_at AS VARCHAR) AS released_at, CAST(figures AS VARCHAR) AS figures
       FROM releases WHERE operation = $operation AND (as_of < CAST($as_of AS DATE) OR ($or_on AND as_of = CAST($as_of AS DATE)))
       ORDER BY as_of DESC, release_id DESC LIMIT 1`,
      { operation, as_of: asOf, or_on: orOn },
    );
    return row ? { ...row, figures: JSON.parse(row.figures) as Figures } : null;
  });
}

function describeFalls(falls: Fall[], releasedAsOf: string): string {
  return falls
    .map((f) => `${f.figure} fell from ${f.released} (released as of ${releasedAsOf}) to ${f.now}; ${f.changedCount} ${f.changedCount === 1 ? 'record' : 'records'} loaded since: ${f.changedIds.join(', ')}${f.changedCount > f.changedIds.length ? ', …' : ''}`)
    .join('; ');
}

export async function listReleases(dbPath: string): Promise<ReleaseRow[]> {
  if (!existsSync(releasesPath(dbPath))) return [];
  return readReleaseLog(dbPath, async (log) => {
    return log.all<ReleaseRow & Record<string, unknown>>(
      `SELECT release_id, operation, CAST(operation_start AS VARCHAR) AS operation_start, CAST(as_of AS VARCHAR) AS as_of,
              snapshot_id, CAST(released_at AS VARCHAR) AS released_at, revision, reason
       FROM releases ORDER BY release_id`,
    );
  });
}

/** For a release: opened for writing, the schema created if missing. */
function withReleaseLog<T>(dbPath: string, fn: (log: Warehouse) => Promise<T>): Promise<T> {
  return withLogFile(releasesPath(dbPath), 'publish/releases.sql', fn, { lockWaitMs: 60_000 });
}

/** For reading only (the guard of a render, the briefing's previous release, `bulletin releases`): never written. */
function readReleaseLog<T>(dbPath: string, fn: (log: Warehouse) => Promise<T>): Promise<T> {
  return withLogFile(releasesPath(dbPath), 'publish/releases.sql', fn, { lockWaitMs: 60_000, readOnly: true });
}

export interface FallenFigure {
  figure: keyof Figures;
  table: TableName;
  released: number;
  now: number;
}

/** The cumulative figures that are below their released value (no records looked up): what the guard stops on. */
export function fallenFigures(released: Figures, now: Figures): FallenFigure[] {
  const fallen: FallenFigure[] = [];
  for (const [figure, table] of Object.entries(CUMULATIVE_FIGURES) as [keyof Figures, TableName][]) {
    const before = released[figure] as number;
    const after = now[figure] as number;
    if (typeof before !== 'number' || typeof after !== 'number' || after >= before) continue;
    fallen.push({ figure, table, released: before, now: after });
  }
  return fallen;
}

/** Each fallen figure with the records of its table loaded since the released snapshot (read on `reader`). */
export async function fallsSince(reader: Warehouse, released: Figures, now: Figures, releasedSnapshot: string): Promise<Fall[]> {
  const falls: Fall[] = [];
  // Snapshot ids end in -load<N>: the records loaded since are those of loads after N.
  const lastLoad = Number(/-load(\d+)$/.exec(releasedSnapshot)?.[1] ?? 0);
  for (const { figure, table, released: before, now: after } of fallenFigures(released, now)) {
    const key = quoteIdent(EXPORT_TABLES[table].key);
    const rows = await reader.all<{ id: string; total: number }>(
      `SELECT ${key} AS id, count(*) OVER () AS total FROM (SELECT DISTINCT ${key} FROM history.${quoteIdent(table)} WHERE load_id > $last_load)
       ORDER BY id LIMIT 20`,
      { last_load: lastLoad },
    );
    falls.push({ figure, released: before, now: after, changedIds: rows.map((r) => r.id), changedCount: rows[0]?.total ?? 0 });
  }
  return falls;
}
