// The analysts' sandboxed session on the newest published snapshot (`bulletin sql`, `schema`, the shell): the
// warehouse's sandboxed reader (pipeline/warehouse/sandboxed.ts: read-only, everything that could reach outside the
// warehouse switched off, the configuration locked), a gate that lets only reads run, a time limit that cancels through the connection's
// interrupt, and a normalizer that turns DuckDB's values into the one representation of analyst/result.ts.
//
//   1. open:   the warehouse's openSandboxedSnapshot (pointer `latest` -> snapshot file -> settings -> locked);
//              DuckDB's list of functions that change state
//   2. gate:   extractStatements -> exactly one -> parse tree (json_serialize_sql): no function that changes state,
//              query('…') only with a literal text, vetted the same way -> prepare -> DuckDB's statement type must
//              be a read -> bound plan (json_serialize_plan): every table function known to read, no scalar one
//              that changes state
//   3. run:    bind $params by name -> stream chunks under the time limit (and, in the CLI's engine process, the
//              process's RSS cap) -> normalize each value -> hand each chunk to the caller's sink
//   or copy:   the checked statement, and nothing else of the analyst's, inside DuckDB's own writer:
//              COPY (FROM (<statement>)) TO $path (FORMAT parquet|csv), the path bound, and the one file DuckDB may
//              write named in allowed_paths before external access is switched off and the configuration locked
//
// A stop the engine does not answer (DuckDB's statement splitting and parsing never look at the interrupt) is
// reported through onStuck after STOP_GRACE_MS: only ending the process ends it (analyst/engine.ts).
import type {
  DuckDBType,
  DuckDBConnection,
  DuckDBInstance,
  DuckDBPreparedStatement,
  DuckDBValue,
} from '@duckdb/node-api';
import { duckdb } from '../warehouse/duckdb.ts';
import { InputRefused, UsageError } from '../errors.ts';
import { duckdbMessage } from '../warehouse/messages.ts';
import { openSandboxedSnapshot, type SandboxSettings } from '../warehouse/sandboxed.ts';
import type { QueryResult, ResultColumn, ResultValue, ValueType } from './result.ts';
import { STOP_GRACE_MS, byteSize, memoryLimitMessage, timeLimitMessage } from './limits.ts';

/** How often a stop sends DuckDB's interrupt again until the query has ended (one sent as it begins is lost). */
const INTERRUPT_RESEND_MS = 100;

const {
  DuckDBArrayValue,
  DuckDBBitValue,
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBGeometryValue,
  DuckDBIntervalValue,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  DuckDBTimeNSValue,
  DuckDBTimeTZValue,
  DuckDBTimeValue,
  DuckDBUnionValue,
  DuckDBUUIDValue,
  DuckDBVariantValue,
  StatementType,
} = duckdb;
// The enum is a type too.
type StatementType = import('@duckdb/node-api').StatementType;

/** The warehouse's settings (memoryLimit: the result handed back is held to the same budget), and the session's limits. */
export interface SandboxOptions extends SandboxSettings {
  timeoutMs: number;
  /** Date.now() at which the whole command's time is up: a query stops then at the latest (bulletin sql one-shot). */
  deadline?: number;
  /**
   * Watch this process's resident memory while a query runs: past this many bytes the query stops with the memory
   * error. Only for a process that runs nothing else (the CLI's engine): a test runner's own memory would count.
   */
  rssCap?: number;
  /** The engine did not answer a stop within STOP_GRACE_MS; gets the one line to print before ending the process. */
  onStuck?: (message: string) => void;
  /** Told when a query starts (with the Date.now() at which it must have stopped) and when it has ended. */
  onQueryStart?: (deadline: number) => void;
  onQueryEnd?: () => void;
}

export { RSS_ALLOWANCE_BYTES, STOP_GRACE_MS, memoryLimitMessage, rssCapOf, timeLimitMessage } from './limits.ts';

/** Where the rows of a query go, chunk by chunk, as they come (nothing is gathered unless the sink gathers it). */
export interface ResultSink {
  columns(columns: ResultColumn[]): void;
  rows(rows: ResultValue[][]): void;
}

/** Exit 1 (cli.md): the SQL is not a read, or reaches outside the warehouse (a file, an extension, a setting). */
export class RefusedStatement extends InputRefused {}

/** Exit 1 (cli.md): DuckDB could not run the query (syntax, unknown column, bad cast…), on one line. */
export class QueryFailed extends InputRefused {}

/** Exit 1: the query ran past the time limit and was cancelled. */
export class QueryTimeout extends InputRefused {}

/** Exit 1: cancelled on request (Ctrl-C in the shell). */
export class QueryCancelled extends InputRefused {}

/** Exit 1: the query, or its result, needs more memory than the limit. */
export class QueryOutOfMemory extends InputRefused {}

type Param = string | number | boolean | null;
type StopReason = 'timeout' | 'user' | 'memory';

/** What copy() writes: DuckDB's Parquet, or its CSV (RFC 4180: a header, CRLF). */
export interface CopyTarget {
  path: string;
  format: 'parquet' | 'csv';
}

/** The parameter copy() binds the file name to; a statement of the analyst's may not use the name. */
const PATH_PARAM = 'bulletin_copy_path';

/** The sandbox's time zone (warehouse/sandboxed.ts SANDBOX_TIME_ZONE, China Standard Time), as timestamps are shown. */
const SESSION_OFFSET_MICROS = 8n * 3_600_000_000n;
const SESSION_OFFSET_TEXT = '+08';

/**
 * Table functions known to only read (checked in the bound plan; anything else is refused): table scans, series,
 * unnest, DuckDB's catalog and the PRAGMA-like readers. checkpoint(), enable_logging(), enable_profiling(),
 * truncate_duckdb_logs(), enable_peg_parser(), json_execute_serialized_sql() and any function not named here are
 * not.
 */
const READING_TABLE_FUNCTIONS = new Set([
  'seq_scan', 'range', 'generate_series', 'unnest', 'repeat', 'repeat_row', 'summary', 'test_all_types', 'test_vector_types',
  'json_each', 'json_tree', 'pg_timezone_names', 'icu_calendar_names',
  'duckdb_columns', 'duckdb_constraints', 'duckdb_databases', 'duckdb_dependencies', 'duckdb_functions', 'duckdb_indexes',
  'duckdb_keywords', 'duckdb_optimizers', 'duckdb_schemas', 'duckdb_sequences', 'duckdb_settings', 'duckdb_tables',
  'duckdb_types', 'duckdb_views', 'duckdb_memory', 'duckdb_temporary_files', 'duckdb_variables', 'duckdb_prepared_statements',
  'duckdb_approx_database_count', 'duckdb_connection_count', 'duckdb_coordinate_systems', 'duckdb_secret_types',
  'duckdb_profiling_settings', 'duckdb_logs', 'duckdb_log_contexts', 'duckdb_external_file_cache', 'duckdb_secrets',
  'duckdb_extensions', 'which_secret',
  'pragma_table_info', 'pragma_show', 'pragma_version', 'pragma_platform', 'pragma_database_size', 'pragma_storage_info',
  'pragma_metadata_info', 'pragma_collations', 'pragma_user_agent',
  // File readers only read; with external access off DuckDB refuses the file itself (while binding, or for
  // sniff_csv and the parquet_* ones when they run), and that refusal is the one the analyst sees.
  'read_csv', 'read_csv_auto', 'read_text', 'read_blob', 'read_json', 'read_json_auto', 'read_json_objects',
  'read_json_objects_auto', 'read_ndjson', 'read_ndjson_auto', 'read_ndjson_objects', 'read_parquet', 'parquet_scan',
  'parquet_metadata', 'parquet_file_metadata', 'parquet_kv_metadata', 'parquet_schema', 'parquet_full_metadata',
  'parquet_bloom_probe', 'glob', 'sniff_csv',
]);

/** Scalar functions DuckDB marks as having side effects that only read (random numbers, ids, the query's own text). */
const HARMLESS_SIDE_EFFECTS = new Set([
  'random', 'uuid', 'uuidv4', 'uuidv7', 'gen_random_uuid', 'error', 'current_query', 'current_query_id',
  'current_connection_id', 'current_transaction_id', 'stats',
]);

/** Refused whatever DuckDB says of them: they change the session (seed, log, sequences) or only hold a thread. */
const STATE_CHANGING_FUNCTIONS = ['setseed', 'write_log', 'nextval', 'currval', 'sleep_ms'];

const READS = 'only reads run here (SELECT, WITH, VALUES, FROM, EXPLAIN, DESCRIBE, SHOW, SUMMARIZE)';

/** How each refused statement type is named to the analyst: DuckDB's enum name is not always the keyword typed. */
const STATEMENT_LABELS: Partial<Record<StatementType, string>> = {
  [StatementType.SET]: 'SET/RESET/USE', // SET VARIABLE as well
  [StatementType.VARIABLE_SET]: 'SET VARIABLE',
  [StatementType.LOAD]: 'INSTALL/LOAD',
  [StatementType.EXTENSION]: 'INSTALL/LOAD',
  [StatementType.UPDATE_EXTENSIONS]: 'UPDATE EXTENSIONS',
  [StatementType.CALL]: 'CALL/CHECKPOINT',
  [StatementType.VACUUM]: 'VACUUM/ANALYZE',
  [StatementType.TRANSACTION]: 'BEGIN/COMMIT/ROLLBACK',
  [StatementType.EXPORT]: 'EXPORT DATABASE',
  [StatementType.COPY_DATABASE]: 'COPY FROM DATABASE',
  [StatementType.MERGE_INTO]: 'MERGE INTO',
  [StatementType.DROP]: 'DROP/DEALLOCATE',
  [StatementType.CREATE_FUNC]: 'CREATE FUNCTION',
};

/** Statement keywords that may start a read; any other first keyword names the refusal when DuckDB cannot bind it. */
const READ_KEYWORDS = new Set(['SELECT', 'WITH', 'VALUES', 'FROM', 'TABLE', 'EXPLAIN', 'DESCRIBE', 'SHOW', 'SUMMARIZE', 'PIVOT', 'UNPIVOT', '(']);

export class AnalystSession {
  /** Serializes queries and catalog look-ups: one DuckDB connection runs one statement at a time. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Stops the statement running now (set while one runs). */
  private stopRunning: ((reason: StopReason) => void) | null = null;
  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    readonly snapshotId: string,
    readonly snapshotPath: string,
    private readonly options: SandboxOptions,
    /** Lower-case names of the scalar and aggregate functions refused wherever they appear. */
    private readonly refusedFunctions: Set<string>,
  ) {}

  static async open(dbPath: string, options: SandboxOptions): Promise<AnalystSession> {
    const { instance, connection, snapshotId, snapshotPath } = await openSandboxedSnapshot(dbPath, options, 'sql');
    try {
      // DuckDB's own word on which functions change something, less the harmless ones, plus the stated blocklist.
      const marked = await connection.runAndReadAll(`SELECT DISTINCT lower(function_name) FROM duckdb_functions() WHERE has_side_effects`);
      const refused = new Set([...marked.getRows().map(([name]) => String(name)).filter((name) => !HARMLESS_SIDE_EFFECTS.has(name)), ...STATE_CHANGING_FUNCTIONS]);
      return new AnalystSession(instance, connection, snapshotId, snapshotPath, options, refused);
    } catch (error) {
      connection.closeSync();
      instance.closeSync();
      throw new UsageError(`${snapshotPath}: cannot read the snapshot: ${duckdbMessage(error)}`);
    }
  }

  /** The whole result, held to the memory limit (the shell, the tests, Arrow and Parquet output). */
  async query(sql: string, params: Record<string, Param> = {}): Promise<QueryResult> {
    let columns: ResultColumn[] = [];
    const rows: ResultValue[][] = [];
    const budget = { left: byteSize(this.options.memoryLimit) };
    const { seconds } = await this.stream(sql, params, {
      columns: (names) => (columns = names),
      rows: (chunk) => {
        for (const values of chunk) {
          for (const value of values) budget.left -= estimatedBytes(value);
          // The JS copy of a result lives outside DuckDB's limit: hold it to the same budget rather than crash.
          if (budget.left < 0) throw this.outOfMemory();
          rows.push(values);
        }
      },
    });
    return { columns, rows, seconds };
  }

  /** Runs one read, handing its rows to `sink` chunk by chunk as DuckDB produces them; nothing is kept here. */
  stream(sql: string, params: Record<string, Param>, sink: ResultSink): Promise<{ rows: number; seconds: number }> {
    return this.exclusive(() => this.runQuery(sql, params, sink));
  }

  /**
   * Runs one read with DuckDB's own writer into `target.path`, the session's writableFile: streamed by DuckDB, no
   * row passes through JavaScript. Under the same gate, time limit and memory watch as stream().
   */
  copy(sql: string, params: Record<string, Param>, target: CopyTarget): Promise<{ rows: number; seconds: number }> {
    return this.exclusive(() => this.runCopy(sql, params, target));
  }

  /** Cancels the running query, which rejects with QueryCancelled ('query cancelled'); no-op when none runs. */
  interrupt(): void {
    this.stopRunning?.('user');
  }

  async tables(): Promise<{ name: string; kind: 'table' | 'view'; comment: string | null }[]> {
    const rows = await this.catalog(
      `SELECT ${qualifiedName('schema_name', 'table_name')} AS name, 'table' AS kind, comment, schema_name <> 'main' AS other_schema
         FROM duckdb_tables() WHERE database_name = current_database() AND NOT temporary
       UNION ALL
       SELECT ${qualifiedName('schema_name', 'view_name')}, 'view', comment, schema_name <> 'main'
         FROM duckdb_views() WHERE database_name = current_database() AND NOT internal AND NOT temporary
       ORDER BY other_schema, name`,
    );
    return rows.map(([name, kind, comment]) => ({ name: String(name), kind: kind as 'table' | 'view', comment: comment === null ? null : String(comment) }));
  }

  /** The columns of `table` ('persons', 'history.persons'), or of every table and view; [] for an unknown name. */
  async columns(table?: string): Promise<{ table: string; name: string; type: string; comment: string | null }[]> {
    const rows = await this.catalog(
      `SELECT ${qualifiedName('schema_name', 'table_name')} AS table_name, column_name, data_type, comment
         FROM duckdb_columns()
        WHERE database_name = current_database() AND NOT internal
          AND ($table IS NULL OR ${qualifiedName('schema_name', 'table_name')} = $table OR schema_name || '.' || table_name = $table)
        ORDER BY schema_name <> 'main', table_name, column_index`,
      { table: table ?? null },
    );
    return rows.map(([name, column, type, comment]) => ({ table: String(name), name: String(column), type: String(type), comment: comment === null ? null : String(comment) }));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopRunning?.('user');
    this.connection.closeSync();
    this.instance.closeSync();
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      if (this.closed) throw new UsageError('the SQL session is closed');
      return work();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Our own query of DuckDB's catalog functions: no gate, no time limit, but in turn with the analyst's queries. */
  private catalog(sql: string, params?: Record<string, string | null>): Promise<DuckDBValue[][]> {
    return this.exclusive(async () => (await this.connection.runAndReadAll(sql, params)).getRows());
  }

  private async runQuery(sql: string, params: Record<string, Param>, sink: ResultSink): Promise<{ rows: number; seconds: number }> {
    const started = performance.now();
    return this.watched(async (check) => {
      const prepared = await this.gate(sql, params, check);
      try {
        check();
        bindParams(prepared, params);
        const result = await prepared.stream();
        check();
        sink.columns(result.columnNames().map((name, i) => ({ name, type: result.columnType(i).toString(), valueType: valueTypeOf(result.columnType(i)) })));
        let count = 0;
        for (;;) {
          const chunk = await result.fetchChunk();
          check();
          if (!chunk || chunk.rowCount === 0) break;
          const rows = chunk.getRows().map((row) => row.map(normalizeValue));
          check();
          sink.rows(rows);
          count += rows.length;
          check();
        }
        return { rows: count, seconds: (performance.now() - started) / 1000 };
      } finally {
        prepared.destroySync();
      }
    });
  }

  private async runCopy(sql: string, params: Record<string, Param>, target: CopyTarget): Promise<{ rows: number; seconds: number }> {
    const started = performance.now();
    // DuckDB may write no other file than the one named when the session was opened.
    if (target.path !== this.options.writableFile) throw new UsageError(`${target.path}: this SQL session was not opened to write that file`);
    return this.watched(async (check) => {
      const checked = await this.gate(sql, params, check);
      let type: StatementType;
      try {
        type = checked.statementType;
        for (let index = 1; index <= checked.parameterCount; index++) {
          if (checked.parameterName(index) === PATH_PARAM) throw new RefusedStatement(`refused: $${PATH_PARAM} is the name of the output file's parameter; call yours something else`);
        }
      } finally {
        checked.destroySync();
      }
      if (type !== StatementType.SELECT) throw new RefusedStatement('refused: EXPLAIN output is shown, not written to a file: run it without --out, in the table format');
      const statement = await this.sameStatementWithoutEnd(sql);
      check();
      // DESCRIBE, SHOW and SUMMARIZE are reads DuckDB takes only as a FROM item inside another statement.
      const copy = `COPY (FROM (\n${statement}\n)) TO $${PATH_PARAM} (${copyOptions(target)})`;
      const extracted = await this.connection.extractStatements(copy);
      if (extracted.count !== 1) throw new RefusedStatement('refused: the statement could not be written to a file as one statement');
      const prepared = await extracted.prepare(0);
      try {
        if (prepared.statementType !== StatementType.COPY) throw new RefusedStatement('refused: the statement could not be written to a file as one statement');
        bindParams(prepared, { ...params, [PATH_PARAM]: target.path });
        check();
        const result = await prepared.runAndReadAll();
        check();
        return { rows: Number(result.getRows()[0]?.[0] ?? 0), seconds: (performance.now() - started) / 1000 };
      } finally {
        prepared.destroySync();
      }
    });
  }

  /**
   * Runs `work` under the time limit (cancelling through the connection's interrupt) and, in the engine process,
   * the RSS cap; `check` throws once the work has been stopped. DuckDB's own errors come out as one line.
   */
  private async watched<T>(work: (check: () => void) => Promise<T>): Promise<T> {
    const { timeoutMs, deadline, rssCap, onStuck } = this.options;
    const stopAt = Math.min(Date.now() + timeoutMs, deadline ?? Number.POSITIVE_INFINITY);
    let stopped: StopReason | null = null;
    let stuck: NodeJS.Timeout | undefined;
    let resend: NodeJS.Timeout | undefined;
    this.stopRunning = (reason) => {
      if (stopped) return;
      stopped = reason;
      this.connection.interrupt();
      // DuckDB clears the flag when a query begins: an interrupt that lands while the query is being handed over is
      // lost. It is sent again until the work ends.
      resend = setInterval(() => this.connection.interrupt(), INTERRUPT_RESEND_MS);
      resend.unref();
      // DuckDB does not look at the interrupt while it splits or parses a text: past the grace only the process
      // ending stops it.
      stuck = setTimeout(() => onStuck?.(this.stopError(reason).message), STOP_GRACE_MS);
      stuck.unref();
    };
    this.options.onQueryStart?.(stopAt);
    const timer = setTimeout(() => this.stopRunning?.('timeout'), Math.max(0, stopAt - Date.now()));
    // The engine's memory outside its limit (a repeat() string, the driver's copy of a chunk) shows only in the
    // process's RSS: sampled while the query runs, and its high-water mark checked at every step.
    const peakBefore = rssCap === undefined ? 0 : peakRss();
    const sampler = rssCap === undefined ? undefined : setInterval(() => process.memoryUsage.rss() > rssCap && this.stopRunning?.('memory'), 20);
    // Cancelling while DuckDB binds is not seen by DuckDB itself, so it is checked again after every step.
    const check = () => {
      if (rssCap !== undefined && !stopped) {
        const peak = peakRss();
        if (peak > rssCap && peak > peakBefore) this.stopRunning?.('memory');
      }
      if (stopped) throw this.stopError(stopped);
    };
    try {
      check();
      return await work(check);
    } catch (error) {
      if (stopped) throw this.stopError(stopped);
      throw this.failure(error);
    } finally {
      clearTimeout(timer);
      clearTimeout(stuck);
      clearInterval(resend);
      clearInterval(sampler);
      this.stopRunning = null;
      this.options.onQueryEnd?.();
    }
  }

  /**
   * The statement of `sql` without what may follow it (a ';', comments, spaces), to be put inside COPY; refused
   * unless DuckDB parses the cut text to the very tree it parses `sql` to, so a cut in the wrong place cannot
   * change what runs.
   */
  private async sameStatementWithoutEnd(sql: string): Promise<string> {
    const statement = sql.slice(0, statementEnd(sql));
    const whole = await this.serializedText(sql);
    const cut = await this.serializedText(statement);
    if (whole === null || whole !== cut) throw new RefusedStatement('refused: the statement could not be written to a file as one statement');
    return statement;
  }

  /** The one statement of `sql`, prepared, if it is a read; refused before it runs otherwise. */
  private async gate(sql: string, params: Record<string, Param>, check: () => void): Promise<DuckDBPreparedStatement> {
    if (afterSpaceAndComments(sql, 0) >= sql.length) throw new QueryFailed('no SQL statement given');
    // Allowing is DuckDB's call (its statement type); the first keyword only names a refusal DuckDB cannot type.
    const keyword = firstKeyword(sql);
    const notARead = () => new RefusedStatement(`refused: ${keyword} is not a read; ${READS}`);
    const extracted = await this.connection.extractStatements(sql).catch((error: unknown) => {
      // The driver's only words for a text of bare semicolons.
      if (duckdbMessage(error) === 'Error in native callback') throw new QueryFailed('no SQL statement given');
      throw this.failure(error);
    });
    if (extracted.count !== 1) {
      // COPY FROM DATABASE, a PIVOT without IN list: DuckDB makes several statements of one.
      if (!READ_KEYWORDS.has(keyword)) throw notARead();
      const pivot = keyword === 'PIVOT' ? ' (a PIVOT needs an explicit IN list here: PIVOT t ON c IN (…))' : '';
      throw new RefusedStatement(`refused: the SQL holds ${extracted.count} statements; run one statement at a time${pivot}`);
    }
    check();
    // Binding evaluates a table function's arguments (range(setseed(0.5)::INT) runs setseed): the parse tree is
    // vetted before anything is bound. For EXPLAIN, the statement it explains.
    const explained = keyword === 'EXPLAIN' ? explainedStatement(sql) : null;
    for (const text of explained ? [explained.statement, explained.withOptions].filter((t): t is string => t !== null) : [sql]) await this.vetParseTree(text, 0);
    check();
    const prepared = await extracted.prepare(0).catch((error: unknown) => {
      // Nothing ran: DuckDB could not bind it (a view written to, a file refused, a typo).
      throw READ_KEYWORDS.has(keyword) ? this.failure(error) : notARead();
    });
    const type = prepared.statementType;
    // DuckDB rewrites some PRAGMAs into SELECTs; the issue refuses PRAGMA whatever it reads (.schema and
    // `bulletin schema` show the tables, the duckdb_* table functions the rest).
    if (keyword === 'PRAGMA') {
      prepared.destroySync();
      throw new RefusedStatement(`refused: PRAGMA is not a read; ${READS}`);
    }
    try {
      if (type === StatementType.SELECT) {
        await this.vetPlan(sql, prepared.parameterCount > 0 ? params : null);
        return prepared;
      }
      const read = type === StatementType.EXPLAIN ? await this.explainsARead(sql) : null;
      if (read !== null) {
        // EXPLAIN ANALYZE runs it; a plain EXPLAIN is held to the same rule, so both answer alike.
        await this.vetPlan(read, prepared.parameterCount > 0 ? params : null);
        return prepared;
      }
    } catch (error) {
      prepared.destroySync();
      throw error;
    }
    prepared.destroySync();
    if (type === StatementType.EXPLAIN) throw new RefusedStatement(`refused: EXPLAIN of a statement that is not a SELECT; ${READS}`);
    throw new RefusedStatement(`refused: ${labelOf(type)} is not a read; ${READS}`);
  }

  /** EXPLAIN ANALYZE runs the statement it explains: that one must be a read as well. Its text, or null. */
  private async explainsARead(sql: string): Promise<string | null> {
    const cut = explainedStatement(sql);
    if (cut === null) return null;
    if ((await this.statementTypeOf(cut.statement)) === StatementType.SELECT) return cut.statement;
    // `EXPLAIN (SELECT …) UNION …`: a parenthesis that was a query, not options. A statement can only start with
    // '(' when it is a SELECT, so this never reads options as a query.
    return cut.withOptions !== null && (await this.statementTypeOf(cut.withOptions)) === StatementType.SELECT ? cut.withOptions : null;
  }

  /**
   * Refuses a function that changes state anywhere in the parse tree of `sql` (DuckDB's own parser, nothing bound
   * yet), and query('…') unless its text is a literal, whose tree is vetted the same way. A text that is not a
   * SELECT has no tree here: the statement type decides on it.
   */
  private async vetParseTree(sql: string, depth: number): Promise<void> {
    const tree = await this.serialized('SELECT json_serialize_sql($sql::VARCHAR)', sql);
    if (tree === null || tree.error) return;
    const inner: string[] = [];
    walkJson(tree.statements, (node) => {
      if (node.class === 'FUNCTION' && typeof node.function_name === 'string') this.refuseFunction(node.function_name);
      if (node.type === 'TABLE_FUNCTION' && isJsonObject(node.function) && typeof node.function.function_name === 'string') {
        const name = node.function.function_name.toLowerCase();
        if (name === 'query' || name === 'query_table') {
          const args = Array.isArray(node.function.children) ? node.function.children : [];
          for (const arg of args) {
            const value = isJsonObject(arg) && arg.class === 'CONSTANT' && isJsonObject(arg.value) ? arg.value.value : undefined;
            if (typeof value !== 'string' && !(name === 'query_table' && Array.isArray(value) && value.every((v) => typeof v === 'string'))) {
              throw new RefusedStatement(`refused: ${name}() takes a literal text here, not an expression`);
            }
            if (name === 'query') inner.push(value as string);
          }
        }
      }
    });
    if (depth > 8 && inner.length > 0) throw new RefusedStatement('refused: query() nested too deeply');
    for (const text of inner) await this.vetParseTree(text, depth + 1);
  }

  /**
   * The bound plan of `sql` (json_serialize_plan: DuckDB's binder, views and macros expanded, query('…') inlined):
   * every table function must be one known to read, and no scalar or aggregate function may change state.
   * With parameters, their values stand in the parse tree as constants for this check (the statement itself is run
   * with them bound).
   */
  private async vetPlan(sql: string, params: Record<string, Param> | null): Promise<void> {
    const text = params === null ? sql : await this.withValuesInline(sql, params);
    const plan = await this.serialized('SELECT json_serialize_plan($sql::VARCHAR)', text);
    if (plan === null || plan.error) {
      const why = plan && typeof plan.error_message === 'string' ? `: ${plan.error_message}` : '';
      throw new RefusedStatement(`refused: the query plan cannot be checked${why}`);
    }
    walkJson(plan.plans, (node) => {
      if (node.type === 'LOGICAL_GET' && typeof node.name === 'string' && !READING_TABLE_FUNCTIONS.has(node.name.toLowerCase())) {
        throw new RefusedStatement(`refused: ${node.name}() is not a function known to only read; ${READS}`);
      }
      if (typeof node.expression_class === 'string' && /^BOUND_(FUNCTION|AGGREGATE|WINDOW)$/.test(node.expression_class) && typeof node.name === 'string') {
        this.refuseFunction(node.name);
      }
    });
  }

  private refuseFunction(name: string): void {
    const lower = name.toLowerCase();
    if (this.refusedFunctions.has(lower)) throw new RefusedStatement(`refused: ${lower}() changes the session's state; ${READS}`);
  }

  /** The text of `sql` with each $parameter replaced by its value as a constant, through DuckDB's own parse tree. */
  private async withValuesInline(sql: string, params: Record<string, Param>): Promise<string> {
    const tree = await this.serialized('SELECT json_serialize_sql($sql::VARCHAR)', sql);
    if (tree === null || tree.error) throw new RefusedStatement('refused: the query plan cannot be checked');
    const replaced = mapJson(tree, (node) => {
      if (node.class !== 'PARAMETER' || typeof node.identifier !== 'string') return undefined;
      const value = Object.hasOwn(params, node.identifier) ? params[node.identifier] : null;
      const type = value === null ? 'NULL' : typeof value === 'boolean' ? 'BOOLEAN' : typeof value === 'string' ? 'VARCHAR' : Number.isSafeInteger(value) ? 'BIGINT' : 'DOUBLE';
      const constant: JsonObject = { type: { id: type, type_info: null }, is_null: value === null };
      if (value !== null) constant.value = value;
      return { class: 'CONSTANT', type: 'VALUE_CONSTANT', alias: node.alias ?? '', query_location: 0, value: constant };
    });
    try {
      const reader = await this.connection.runAndReadAll('SELECT json_deserialize_sql($tree::JSON)', { tree: stringifyWithBigIntegers(replaced) });
      return String(reader.getRows()[0]?.[0] ?? '');
    } catch (error) {
      throw new RefusedStatement(`refused: the query plan cannot be checked: ${duckdbMessage(error)}`);
    }
  }

  /** One of DuckDB's JSON serializations of `sql` (bound as a value, never spliced), parsed; null when DuckDB fails. */
  private async serialized(query: string, sql: string): Promise<JsonObject | null> {
    try {
      const reader = await this.connection.runAndReadAll(query, { sql });
      const parsed = parseWithBigIntegers(String(reader.getRows()[0]?.[0] ?? 'null'));
      return isJsonObject(parsed) ? parsed : null;
    } catch {
      return null;
    }
  }

  /** DuckDB's parse tree of `sql` as its JSON text (json_serialize_sql), or null when it has none. */
  private async serializedText(sql: string): Promise<string | null> {
    try {
      const reader = await this.connection.runAndReadAll('SELECT json_serialize_sql($sql::VARCHAR)', { sql });
      const text = reader.getRows()[0]?.[0];
      return typeof text === 'string' && !/^\{"error":true/.test(text) ? text : null;
    } catch {
      return null;
    }
  }

  private async statementTypeOf(sql: string): Promise<StatementType | null> {
    try {
      const extracted = await this.connection.extractStatements(sql);
      if (extracted.count !== 1) return null;
      const prepared = await extracted.prepare(0);
      const type = prepared.statementType;
      prepared.destroySync();
      return type;
    } catch {
      return null;
    }
  }

  private stopError(reason: StopReason): Error {
    if (reason === 'memory') return this.outOfMemory();
    if (reason === 'user') return new QueryCancelled('query cancelled');
    return new QueryTimeout(timeLimitMessage(this.options.timeoutMs));
  }

  private outOfMemory(): Error {
    return new QueryOutOfMemory(memoryLimitMessage(this.options.memoryLimit));
  }

  private failure(error: unknown): Error {
    if (error instanceof UsageError || error instanceof InputRefused) return error;
    const message = duckdbMessage(error);
    if (/^Out of Memory Error/i.test(message)) return this.outOfMemory();
    if (/^INTERRUPT Error/i.test(message)) return new QueryCancelled('query cancelled');
    if (isPermissionError(error)) {
      // String operations, not a regex: a path of many spaces would make `\s*-\s*…$` backtrack quadratically.
      const suffix = ' - file system operations are disabled by configuration';
      let detail = message.replace(/^Permission Error: ?/i, '').replace(/\.$/, '');
      if (detail.endsWith(suffix)) detail = detail.slice(0, -suffix.length);
      return new RefusedStatement(`refused: SQL may not reach outside the warehouse (${detail}); a result file is written by the command (--out), not by SQL`);
    }
    return new QueryFailed(message);
  }
}

/** The process's resident-set high-water mark in bytes (Linux: VmHWM). */
function peakRss(): number {
  return process.resourceUsage().maxRSS * 1024;
}

type JsonObject = { [key: string]: JsonValue };
type JsonValue = null | boolean | number | string | BigIntText | JsonValue[] | JsonObject;

/** An integer too big for a double in DuckDB's JSON (a uint64 'no location' marker, a big constant), kept as its digits. */
class BigIntText {
  constructor(readonly digits: string) {}
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof BigIntText);
}

/** Calls `visit` on every object in `value`, depth first, with an explicit stack (a deep tree cannot overflow it). */
function walkJson(value: JsonValue | undefined, visit: (node: JsonObject) => void): void {
  const stack: (JsonValue | undefined)[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    // One by one, not push(...items): a select list of a million columns is more arguments than a call takes.
    if (Array.isArray(item)) for (const child of item) stack.push(child);
    else if (isJsonObject(item)) {
      visit(item);
      for (const child of Object.values(item)) stack.push(child);
    }
  }
}

/** A copy of `value` with each object `replace` returns a replacement for replaced by it. */
function mapJson(value: JsonValue, replace: (node: JsonObject) => JsonObject | undefined): JsonValue {
  if (Array.isArray(value)) return value.map((item) => mapJson(item, replace));
  if (!isJsonObject(value)) return value;
  const replacement = replace(value);
  if (replacement !== undefined) return replacement;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapJson(item, replace)]));
}

/** Marks an integer's digits inside a JSON string while parsing and writing DuckDB's JSON. */
const BIG_MARK = '\u0000bigint:';

/** JSON.parse, keeping integers of 16 digits and more exact (as BigIntText), so they can be written back unchanged. */
function parseWithBigIntegers(text: string): JsonValue {
  // One pass over the text: a long integer outside a string becomes a marked string before JSON.parse sees it.
  const parts: string[] = [];
  let last = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      i++;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      let j = i + 1;
      while (j < text.length && /[\d.eE+-]/.test(text[j])) j++;
      const token = text.slice(i, j);
      if (/^-?\d{16,}$/.test(token)) {
        parts.push(text.slice(last, i), `"\\u0000bigint:${token}"`);
        last = j;
      }
      i = j;
    } else i++;
  }
  parts.push(text.slice(last));
  return JSON.parse(parts.join(''), (_key, value: unknown) => (typeof value === 'string' && value.startsWith(BIG_MARK) ? new BigIntText(value.slice(BIG_MARK.length)) : value)) as JsonValue;
}

function stringifyWithBigIntegers(value: JsonValue): string {
  return JSON.stringify(value, (_key, item: unknown) => (item instanceof BigIntText ? BIG_MARK + item.digits : item)).replace(/"\\u0000bigint:(-?\d+)"/g, '$1');
}

function bindParams(prepared: DuckDBPreparedStatement, params: Record<string, Param>): void {
  for (let index = 1; index <= prepared.parameterCount; index++) {
    const name = prepared.parameterName(index);
    if (!Object.hasOwn(params, name)) throw new QueryFailed(`the query uses $${name}, which was given no value`);
    const value = params[name];
    if (value === null) prepared.bindNull(index);
    else if (typeof value === 'boolean') prepared.bindBoolean(index, value);
    else if (typeof value === 'number' && Number.isSafeInteger(value)) prepared.bindBigInt(index, BigInt(value));
    else if (typeof value === 'number') prepared.bindDouble(index, value);
    else prepared.bindVarchar(index, value);
  }
}

// ---- values -------------------------------------------------------------------------------------------------

const POSITIVE_INFINITY_MICROS = 9223372036854775807n;
const NEGATIVE_INFINITY_MICROS = -9223372036854775807n;
const INFINITY_DAYS = 2 ** 31 - 1;

/** One DuckDB value in the representation of analyst/result.ts. */
function normalizeValue(value: DuckDBValue): ResultValue {
  if (value === null || typeof value === 'boolean' || typeof value === 'number' || typeof value === 'bigint' || typeof value === 'string') return value;
  if (value instanceof DuckDBDecimalValue) return value.toString();
  if (value instanceof DuckDBDateValue) {
    if (value.days === INFINITY_DAYS) return 'infinity';
    if (value.days === -INFINITY_DAYS) return '-infinity';
    return value.toString();
  }
  if (value instanceof DuckDBTimestampTZValue) return sessionTimeText(value.micros);
  if (value instanceof DuckDBTimestampValue) return value.toString();
  if (value instanceof DuckDBTimestampSecondsValue || value instanceof DuckDBTimestampMillisecondsValue || value instanceof DuckDBTimestampNanosecondsValue) return value.toString();
  if (value instanceof DuckDBTimeValue || value instanceof DuckDBTimeNSValue || value instanceof DuckDBTimeTZValue) return value.toString();
  if (value instanceof DuckDBIntervalValue || value instanceof DuckDBUUIDValue || value instanceof DuckDBBitValue) return value.toString();
  // The driver gives a Buffer; a plain Uint8Array view of the same bytes is what result.ts promises.
  if (value instanceof DuckDBBlobValue || value instanceof DuckDBGeometryValue) return new Uint8Array(value.bytes.buffer, value.bytes.byteOffset, value.bytes.byteLength);
  if (value instanceof DuckDBListValue || value instanceof DuckDBArrayValue) return value.items.map(normalizeValue);
  // fromEntries defines own properties, so a field named __proto__ stays a field.
  if (value instanceof DuckDBStructValue) return Object.fromEntries(Object.entries(value.entries).map(([key, inner]) => [key, normalizeValue(inner)]));
  if (value instanceof DuckDBMapValue) return value.entries.map(({ key, value: inner }) => ({ key: normalizeValue(key), value: normalizeValue(inner) }));
  // A UNION holds one value of one of its member types; a VARIANT one value of any type.
  if (value instanceof DuckDBUnionValue || value instanceof DuckDBVariantValue) return normalizeValue(value.value);
  return String(value);
}

/** An instant as DuckDB prints a TIMESTAMPTZ in the session's time zone (UTC+8): '2021-11-30 02:22:05+08'. */
function sessionTimeText(micros: bigint): string {
  if (micros === POSITIVE_INFINITY_MICROS) return 'infinity';
  if (micros === NEGATIVE_INFINITY_MICROS) return '-infinity';
  // The wall-clock time in China, printed as DuckDB prints a TIMESTAMP (BC years and all), then the offset.
  return new DuckDBTimestampValue(micros + SESSION_OFFSET_MICROS).toString() + SESSION_OFFSET_TEXT;
}

/** What a column's values are, from DuckDB's type object (its text is never parsed). */
export function valueTypeOf(type: DuckDBType): ValueType {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return { kind: 'boolean' };
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.BIGNUM:
      return { kind: 'integer' };
    case DuckDBTypeId.FLOAT:
      return { kind: 'float' };
    case DuckDBTypeId.DOUBLE:
      return { kind: 'double' };
    case DuckDBTypeId.DECIMAL:
      return { kind: 'decimal' };
    case DuckDBTypeId.DATE:
      return { kind: 'date' };
    case DuckDBTypeId.TIME:
    case DuckDBTypeId.TIME_NS:
      return { kind: 'time' };
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
      return { kind: 'timestamp' };
    case DuckDBTypeId.TIMESTAMP_TZ:
      return { kind: 'timestamptz' };
    case DuckDBTypeId.BLOB:
    case DuckDBTypeId.GEOMETRY:
      return { kind: 'blob' };
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return { kind: 'list', child: valueTypeOf(type.valueType) };
    case DuckDBTypeId.STRUCT:
      return { kind: 'struct', fields: type.entryNames.map((name, i) => ({ name, type: valueTypeOf(type.entryTypes[i]) })) };
    case DuckDBTypeId.MAP:
      return { kind: 'map', key: valueTypeOf(type.keyType), value: valueTypeOf(type.valueType) };
    default:
      // VARCHAR, ENUM, UUID, INTERVAL, BIT, TIME WITH TIME ZONE, UNION, VARIANT…: written as their text or value.
      return { kind: 'text' };
  }
}

/** A rough size of a value on the JS heap, to hold a result to the memory limit. */
function estimatedBytes(value: ResultValue): number {
  if (typeof value === 'string') return 24 + value.length * 2;
  if (value instanceof Uint8Array) return 64 + value.byteLength;
  if (Array.isArray(value)) return value.reduce<number>((sum, item) => sum + estimatedBytes(item), 32);
  if (value !== null && typeof value === 'object') return Object.values(value).reduce<number>((sum, item) => sum + 16 + estimatedBytes(item), 48);
  return 16;
}

// ---- statement text ---------------------------------------------------------------------------------------

/** DuckDB's COPY options of a target: all ours, none of the analyst's. */
function copyOptions(target: CopyTarget): string {
  // The file is fresh (a .partial name): no temporary file beside it, which DuckDB could not write anyway.
  if (target.format === 'parquet') return 'FORMAT parquet, USE_TMP_FILE false';
  // RFC 4180 as the streamed CSV: a header, CRLF.
  return `FORMAT csv, HEADER true, NEW_LINE '\\r\\n', USE_TMP_FILE false`;
}

/**
 * Where the statement of `sql` ends: past its last character that is not a space, a comment or a ';' (strings,
 * quoted names, dollar-quoted texts and nested block comments skipped as DuckDB reads them). Only a cut that
 * DuckDB parses to the same tree is ever used (sameStatementWithoutEnd).
 */
function statementEnd(sql: string): number {
  let end = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (/\s/.test(c) || c === ';') i++;
    else if (sql.startsWith('--', i)) {
      const next = sql.indexOf('\n', i);
      i = next === -1 ? sql.length : next + 1;
    } else if (sql.startsWith('/*', i)) {
      let depth = 0;
      while (i < sql.length) {
        if (sql.startsWith('/*', i)) (depth++, (i += 2));
        else if (sql.startsWith('*/', i)) {
          i += 2;
          if (--depth === 0) break;
        } else i++;
      }
    } else {
      i = tokenEnd(sql, i);
      end = i;
    }
  }
  return end;
}

/** The end of the token at `i` (a quoted text or name whole, else one character). */
function tokenEnd(sql: string, i: number): number {
  const c = sql[i];
  if (c === "'" || c === '"') {
    // E'…' strings take backslash escapes; every quoted text doubles its quote.
    const escapes = c === "'" && i > 0 && /[eE]/.test(sql[i - 1]) && (i < 2 || !/[\w$]/.test(sql[i - 2]));
    let j = i + 1;
    while (j < sql.length) {
      if (escapes && sql[j] === '\\') j += 2;
      else if (sql[j] === c && sql[j + 1] === c) j += 2;
      else if (sql[j] === c) return j + 1;
      else j++;
    }
    return sql.length;
  }
  if (c === '$') {
    const tag = /^\$(?:[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/.exec(sql.slice(i, i + 256));
    if (tag && !(i > 0 && /[\w$]/.test(sql[i - 1]))) {
      const close = sql.indexOf(tag[0], i + tag[0].length);
      return close === -1 ? sql.length : close + tag[0].length;
    }
  }
  return i + 1;
}

function labelOf(type: StatementType): string {
  return STATEMENT_LABELS[type] ?? StatementType[type] ?? `statement type ${type}`;
}

/** The index of the first character of `sql` from `from` on that is not whitespace or a comment (block comments nest, as in DuckDB). */
function afterSpaceAndComments(sql: string, from: number): number {
  let i = from;
  for (;;) {
    while (i < sql.length && /\s/.test(sql[i])) i++;
    if (sql.startsWith('--', i)) {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
    } else if (sql.startsWith('/*', i)) {
      let depth = 0;
      while (i < sql.length) {
        if (sql.startsWith('/*', i)) (depth++, (i += 2));
        else if (sql.startsWith('*/', i)) {
          depth--;
          i += 2;
          if (depth === 0) break;
        } else i++;
      }
    } else return i;
  }
}

function wordAt(sql: string, at: number): string {
  if (sql[at] === '(') return '(';
  return (/^[A-Za-z_]+/.exec(sql.slice(at, at + 40))?.[0] ?? sql.slice(at, at + 1)).toUpperCase();
}

/** The first keyword of the statement, for naming a refusal (never for letting one through). */
function firstKeyword(sql: string): string {
  return wordAt(sql, afterSpaceAndComments(sql, 0));
}

/**
 * The statement an EXPLAIN explains: the text after EXPLAIN [ANALYZE] [(options)] (and, when there was a
 * parenthesis, the text with it), or null when the text does not start with EXPLAIN. Only ever used to check that
 * statement is a SELECT too, so a wrong cut refuses, never lets a write through.
 */
function explainedStatement(sql: string): { statement: string; withOptions: string | null } | null {
  let at = afterSpaceAndComments(sql, 0);
  if (wordAt(sql, at) !== 'EXPLAIN') return null;
  at = afterSpaceAndComments(sql, at + 'EXPLAIN'.length);
  if (wordAt(sql, at) === 'ANALYZE') at = afterSpaceAndComments(sql, at + 'ANALYZE'.length);
  if (sql[at] !== '(') return { statement: sql.slice(at), withOptions: null };
  const close = sql.indexOf(')', at);
  // Options are bare words (FORMAT JSON, ANALYZE); a parenthesis holding anything else is left in place.
  if (close === -1 || !/^[\s\w,]*$/.test(sql.slice(at + 1, close))) return { statement: sql.slice(at), withOptions: null };
  return { statement: sql.slice(close + 1), withOptions: sql.slice(at) };
}

function qualifiedName(schemaColumn: string, nameColumn: string): string {
  return `CASE WHEN ${schemaColumn} = 'main' THEN ${nameColumn} ELSE ${schemaColumn} || '.' || ${nameColumn} END`;
}

function isPermissionError(error: unknown): boolean {
  return /^Permission Error/i.test(duckdbMessage(error));
}
