// A query result as the analyst commands see it: columns with their DuckDB type, and rows of plain values in one
// agreed representation, so every text format (table, csv, json) and the Excel workbook read the same thing
// whatever the driver gives. Produced by pipeline/analyst/sandbox.ts, consumed by pipeline/analyst/formats.ts and
// xlsx.ts. (Parquet, CSV files and Arrow are written by DuckDB itself and never pass through here.)

/** What a column's values are, as far as writing them goes: DuckDB's own type object, mapped (never its text parsed). */
export type ValueType =
  | { kind: 'boolean' | 'integer' | 'float' | 'double' | 'decimal' | 'date' | 'time' | 'timestamp' | 'timestamptz' | 'blob' | 'text' }
  | { kind: 'list'; child: ValueType }
  | { kind: 'struct'; fields: { name: string; type: ValueType }[] }
  | { kind: 'map'; key: ValueType; value: ValueType };

/** A column: its name, its DuckDB type as DuckDB spells it ('DECIMAL(18,3)', 'VARCHAR[]'), and what its values are. */
export interface ResultColumn {
  name: string;
  type: string;
  valueType: ValueType;
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
 *   TIMESTAMP WITH TIME ZONE               string in China time as DuckDB prints it in the session's time zone:
 *                                          'YYYY-MM-DD HH:MM:SS[.ffffff]+08'
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
