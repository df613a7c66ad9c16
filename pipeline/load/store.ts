// Storing stage: the valid rows of `_parsed` are upserted into history.<table> by key and updated_at, the bad
// values go to `quarantine`, the file to `load_log`, all in one transaction, so a file is stored whole or not at all.
//
// A valid row is applied when it is the last row of its id in the file with the newest updated_at, and its
// updated_at is at least the stored current version's (ties: the later file wins). Otherwise it is stale (older
// than the stored version) or superseded (a later row of the same file won). Applying marks the previous
// version not current; the live view shows current versions that are not withdrawn.
import { EXPORT_TABLES, storedColumns, type TableName } from '../warehouse/tables.ts';
import { quoteIdent, type SqlParams, type Warehouse } from '../warehouse/warehouse.ts';
import { NO_PHASES, type Phases } from './phases.ts';

export interface StoreCounts {
  rowsRead: number;
  rowsStored: number;
  rowsQuarantined: number;
  /** Older than the version already stored. */
  rowsStale: number;
  /** Replaced by a later row of the same id in the same file. */
  rowsSuperseded: number;
}

export interface LoadRecord {
  loadId: number;
  file: string;
  sha256: string;
  table: TableName;
  format: string;
  encoding: string | null;
  startedAt: Date;
}

const id = quoteIdent;

/** Works out winners in temp tables (no writes yet), then writes everything in one transaction. */
export async function storeParsed(
  warehouse: Warehouse,
  record: LoadRecord,
  /** The SELECT of the quarantine entries of `_parsed` (parseStatement's `quarantine`). */
  quarantine: { sql: string; params: SqlParams },
  phases: Phases = NO_PHASES,
): Promise<StoreCounts> {
  const table = EXPORT_TABLES[record.table];
  const key = id(table.key);
  const history = `history.${id(table.name)}`;
  const columns = storedColumns(table).map((c) => id(c.name));

  const result = (await everyValidRowWins(warehouse, record, phases)) ?? (await rankRows(warehouse, record, phases));
  await warehouse.transaction(async () => {
    // Without winners (every valid row wins), the stored current versions of the file's ids are superseded.
    const winnerKeys = result.everyValidRowWins ? `SELECT ${key} FROM _parsed WHERE _errors IS NULL` : `SELECT ${key} FROM _winners`;
    if (result.storedBefore) await warehouse.run(`UPDATE ${history} SET current = false WHERE current AND ${key} IN (${winnerKeys})`);
    phases.mark('supersede');
    // A first load or a clean delta applies every valid row: no need to join each row to the winners.
    await warehouse.run(
      result.everyValidRowWins
        ? `INSERT INTO ${history} (${columns.join(', ')}, load_id, source_line, applied, current)
           SELECT ${columns.join(', ')}, $load_id, _line, true, true FROM _parsed WHERE _errors IS NULL`
        : `INSERT INTO ${history} (${columns.join(', ')}, load_id, source_line, applied, current)
           SELECT ${columns.map((c) => `p.${c}`).join(', ')}, $load_id, p._line, w._line IS NOT NULL, w._line IS NOT NULL
           FROM _parsed p LEFT JOIN _winners w ON w._line = p._line
           WHERE p._errors IS NULL`,
      { load_id: record.loadId },
    );
    phases.mark('history');
    // Composing the messages costs planning time even over no rows: a clean file skips it.
    if (result.rowsQuarantined > 0) await warehouse.run(
      `INSERT INTO quarantine (file, line, table_name, column_name, value, message, loaded_at, load_id, source_column)
       SELECT $file, q._line, $table, q.column_name, q.value, q.message, CAST($started AS TIMESTAMPTZ), $load_id, q.source_column
       FROM (${quarantine.sql}) q
       ORDER BY q._line, q._check`,
      { ...quarantine.params, file: record.file, table: record.table, started: record.startedAt.toISOString(), load_id: record.loadId },
    );
    await warehouse.run(
      `INSERT INTO load_log VALUES ($load_id, $file, $sha256, $table, $format, $encoding, $read, $stored, $quarantined, $stale, $superseded,
                                   CAST($started AS TIMESTAMPTZ), now(), 'loaded')`,
      {
        load_id: record.loadId,
        file: record.file,
        sha256: record.sha256,
        table: record.table,
        format: record.format,
        encoding: record.encoding,
        read: result.rowsRead,
        stored: result.rowsStored,
        quarantined: result.rowsQuarantined,
        stale: result.rowsStale,
        superseded: result.rowsSuperseded,
        started: record.startedAt.toISOString(),
      },
    );
    phases.mark('quarantine+log');
  });
  phases.mark('commit');
  await warehouse.run('DROP TABLE IF EXISTS _ranked; DROP TABLE IF EXISTS _winners');
  const { everyValidRowWins: _all, storedBefore: _stored, ...counts } = result;
  return counts;
}

interface Outcome extends StoreCounts {
  /** No row is stale or superseded: the valid rows are history's new current versions, no winners table. */
  everyValidRowWins: boolean;
  /** Whether history held a current version of the table before (else nothing is superseded). */
  storedBefore: boolean;
}

/**
 * The common case without the window ranking: when the file's valid rows have distinct ids (one aggregate tells)
 * and none is older than its stored current version, every valid row wins. Null otherwise: rankRows decides.
 */
async function everyValidRowWins(warehouse: Warehouse, record: LoadRecord, phases: Phases): Promise<Outcome | null> {
  const table = EXPORT_TABLES[record.table];
  const key = id(table.key);
  const history = `history.${id(table.name)}`;
  const [counts] = await warehouse.all<{ read: number; valid: number; ids: number; stored: boolean }>(`SELECT
    count(*) AS read, count(*) FILTER (WHERE _errors IS NULL) AS valid, count(DISTINCT ${key}) FILTER (WHERE _errors IS NULL) AS ids,
    EXISTS (SELECT 1 FROM ${history} WHERE current) AS stored FROM _parsed`);
  phases.mark('rank');
  if (counts.ids !== counts.valid) return null;
  if (counts.stored) {
    const [{ stale }] = await warehouse.all<{ stale: number }>(`SELECT count(*) AS stale FROM _parsed p JOIN ${history} s USING (${key})
      WHERE p._errors IS NULL AND s.current AND p.updated_at < s.updated_at`);
    phases.mark('winners');
    if (stale > 0) return null;
  }
  return {
    rowsRead: counts.read,
    rowsStored: counts.valid,
    rowsQuarantined: counts.read - counts.valid,
    rowsStale: 0,
    rowsSuperseded: 0,
    everyValidRowWins: true,
    storedBefore: counts.stored,
  };
}

/** Each valid row with its rank in the file and the stored current version it competes with; the winners. */
async function rankRows(warehouse: Warehouse, record: LoadRecord, phases: Phases): Promise<Outcome> {
  const table = EXPORT_TABLES[record.table];
  const key = id(table.key);
  const history = `history.${id(table.name)}`;
  await warehouse.run(`CREATE OR REPLACE TEMP TABLE _ranked AS
    SELECT p._line, p.${key}, p.updated_at, s.updated_at AS stored_updated_at,
           row_number() OVER (PARTITION BY p.${key} ORDER BY p.updated_at DESC, p._line DESC) = 1 AS last_in_file
    FROM _parsed p
    LEFT JOIN (SELECT ${key}, updated_at FROM ${history}
               WHERE current AND ${key} IN (SELECT ${key} FROM _parsed WHERE _errors IS NULL)) s USING (${key})
    WHERE p._errors IS NULL`);
  phases.mark('rank');
  await warehouse.run(`CREATE OR REPLACE TEMP TABLE _winners AS
    SELECT _line, ${key} FROM _ranked
    WHERE last_in_file AND (stored_updated_at IS NULL OR updated_at >= stored_updated_at)`);
  const [counts] = await warehouse.all<{ read: number; valid: number; stored: number; stale: number }>(`SELECT
    (SELECT count(*) FROM _parsed) AS read, (SELECT count(*) FROM _ranked) AS valid, (SELECT count(*) FROM _winners) AS stored,
    (SELECT count(*) FROM _ranked WHERE updated_at < stored_updated_at) AS stale`);

  phases.mark('winners');
  return {
    rowsRead: counts.read,
    rowsStored: counts.stored,
    rowsQuarantined: counts.read - counts.valid,
    rowsStale: counts.stale,
    rowsSuperseded: counts.valid - counts.stored - counts.stale,
    everyValidRowWins: counts.stored === counts.valid,
    storedBefore: true,
  };
}
