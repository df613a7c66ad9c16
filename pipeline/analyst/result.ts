// A query result as the analyst commands see it: columns with their DuckDB type, and rows of plain values in one
// agreed representation, so every output format (table, csv, json, arrow, parquet) reads the same thing whatever
// the driver gives. Produced by pipeline/warehouse/sandbox.ts, consumed by pipeline/analyst/formats.ts.

/** The DuckDB type of a column, as DuckDB spells it ('INTEGER', 'DECIMAL(18,3)', 'TIMESTAMP WITH TIME ZONE', 'VARCHAR[]'). */
export interface ResultColumn {
  name: string;
  type: string;
}

/**
 * One value of a row, by the column's DuckDB type:
 *   NULL                                   null
 *   BOOLEAN                                boolean
 *   TINYINT SMALLINT INTEGER UTINYINT USMALLINT UINTEGER FLOAT DOUBLE   number
 *   BIGINT UBIGINT HUGEINT UHUGEINT        bigint
 *   DECIMAL(p,s)                           string, exact ('12.500')
 *   DATE                                   string 'YYYY-MM-DD' (a year beyond 9999 or before 1 as DuckDB prints it)
 *   TIME                                   string 'HH:MM:SS[.ffffff]'
 *   TIMESTAMP (and _S, _MS, _NS)           string 'YYYY-MM-DD HH:MM:SS[.ffffff]' (no zone: wall-clock time)
 *   TIMESTAMP WITH TIME ZONE               string ISO 8601 in UTC with 'Z': 'YYYY-MM-DDTHH:MM:SS[.ffffff]Z'
 *   INTERVAL, UUID, ENUM, VARCHAR, BIT, anything else textual   string
 *   BLOB                                   Uint8Array
 *   LIST / ARRAY                           array of values of the child type (same rules)
 *   STRUCT / MAP                           plain object / array of {key, value} (same rules inside)
 */
export type ResultValue = null | boolean | number | bigint | string | Uint8Array | ResultValue[] | { [key: string]: ResultValue };

export interface QueryResult {
  columns: ResultColumn[];
  rows: ResultValue[][];
  /** Seconds the query took in DuckDB (fetching included). */
  seconds: number;
}
