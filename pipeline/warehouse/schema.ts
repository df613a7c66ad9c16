// Creates the warehouse schema once per file: bookkeeping tables from queries/schema/warehouse.sql, then for each
// export table its history table (every version) and its live view (current, not withdrawn), all commented.
import { provincesCsv, sqlFile } from '../paths.ts';
import { EXPORT_TABLES, HISTORY_COLUMNS, TABLE_NAMES, storedColumns } from './tables.ts';
import { quoteIdent, quoteLiteral, type Warehouse } from './warehouse.ts';

/** Bump when the layout changes; a file with an older version is migrated (or refused) on open. */
const SCHEMA_VERSION = '1';

async function schemaVersion(warehouse: Warehouse): Promise<string | null> {
  const exists = await warehouse.all(`SELECT 1 FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = 'bulletin_meta'`);
  if (exists.length === 0) return null;
  const version = await warehouse.all<{ value: string }>(`SELECT value FROM bulletin_meta WHERE key = 'schema_version'`);
  return version[0]?.value ?? null;
}

/** Creates whatever is missing. Writes nothing to a warehouse that is already up to date. */
export async function ensureSchema(warehouse: Warehouse): Promise<void> {
  const version = await schemaVersion(warehouse);
  if (version === SCHEMA_VERSION) return;
  if (version !== null) throw new Error(`${warehouse.path}: schema version ${version} is not ${SCHEMA_VERSION}; no migration is known`);
  await warehouse.transaction(async () => {
    await warehouse.run(sqlFile('schema/warehouse.sql'));
    for (const name of TABLE_NAMES) await warehouse.run(exportTableDdl(name));
    await warehouse.run(
      `INSERT INTO provinces SELECT code, name_zh, full_name_zh, name_en, aliases
       FROM read_csv($path, header = true, all_varchar = true, delim = ',', quote = '"')`,
      { path: provincesCsv },
    );
    await warehouse.run(`INSERT INTO bulletin_meta VALUES ('schema_version', $version)`, { version: SCHEMA_VERSION });
  });
}

function exportTableDdl(name: (typeof TABLE_NAMES)[number]): string {
  const table = EXPORT_TABLES[name];
  const columns = storedColumns(table);
  const history = `history.${quoteIdent(name)}`;
  const historyColumns = [...columns, ...HISTORY_COLUMNS];
  const liveColumns = columns.filter((c) => c.name !== 'deleted');
  const statements = [
    `CREATE TABLE ${history} (${historyColumns.map((c) => `${quoteIdent(c.name)} ${c.sqlType}`).join(', ')})`,
    `COMMENT ON TABLE ${history} IS ${quoteLiteral(`every valid version of every ${name} record loaded, withdrawals and stale versions included`)}`,
    ...historyColumns.map((c) => `COMMENT ON COLUMN ${history}.${quoteIdent(c.name)} IS ${quoteLiteral(c.comment)}`),
    `CREATE VIEW ${quoteIdent(name)} AS SELECT ${[...liveColumns.map((c) => c.name), 'load_id', 'source_line'].map(quoteIdent).join(', ')}
       FROM ${history} WHERE current AND NOT deleted`,
    `COMMENT ON VIEW ${quoteIdent(name)} IS ${quoteLiteral(table.comment)}`,
    ...[...liveColumns, ...HISTORY_COLUMNS.filter((c) => c.name === 'load_id' || c.name === 'source_line')].map(
      (c) => `COMMENT ON COLUMN ${quoteIdent(name)}.${quoteIdent(c.name)} IS ${quoteLiteral(c.comment)}`,
    ),
  ];
  return statements.join(';\n') + ';';
}
