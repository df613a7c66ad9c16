// The small DuckDB files kept beside the warehouse for what is not export data: released figures
// (<db>.releases.duckdb), deliveries (<db>.deliveries.duckdb), job runs (<db>.jobs.duckdb). The warehouse itself is
// written only by loads. A log is opened for one piece of work and closed again, so processes sharing it (a
// scheduler, a `bulletin deliver`, `bulletin jobs`) only wait for each other's lock a moment; every write is its own
// committed transaction, so what was recorded survives a kill -9.
import { sqlFile } from '../paths.ts';
import { Warehouse } from './warehouse.ts';

export interface LogFileOptions {
  /** Only reading: no schema is created (the file must exist). */
  readOnly?: boolean;
  lockWaitMs?: number;
}

/** Opens the log file `path`, creates its tables from queries/`schemaFile` if missing, runs `fn`, closes it. */
export async function withLogFile<T>(path: string, schemaFile: string, fn: (log: Warehouse) => Promise<T>, options: LogFileOptions = {}): Promise<T> {
  const log = await Warehouse.open(path, { readOnly: options.readOnly, lockWaitMs: options.lockWaitMs ?? 120_000, memoryLimit: '256MB' });
  try {
    if (!options.readOnly) await log.run(sqlFile(schemaFile));
    return await fn(log);
  } finally {
    log.close();
  }
}
