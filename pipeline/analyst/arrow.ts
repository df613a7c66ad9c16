// Arrow IPC files for `bulletin sql --format arrow`: made from the Parquet file DuckDB wrote (sandbox.ts copy), so
// the column types are DuckDB's own Parquet mapping read back by arrow-rs (parquet-wasm): DATE a Date32, TIMESTAMPTZ
// a Timestamp(µs, UTC), DECIMAL a Decimal128, lists, structs and maps nested, HUGEINT a Float64 (as DuckDB writes
// it to Parquet). The Parquet file is read a batch at a time from disk and each batch written on at once, so the
// result is never held whole.
import { openAsBlob } from 'node:fs';
import { RecordBatchFileWriter, RecordBatchReader, tableFromIPC } from 'apache-arrow';
import * as parquet from 'parquet-wasm/node';

/** Rows per batch read from the Parquet file and written to the Arrow file. */
const BATCH_ROWS = 64 * 1024;

/** Writes the Arrow IPC file of the Parquet file at `parquetPath` through `write`, piece by piece; its row count. */
export async function writeArrowFromParquet(parquetPath: string, write: (bytes: Uint8Array) => void): Promise<number> {
  const file = await parquet.ParquetFile.fromFile(await openAsBlob(parquetPath));
  const writer = new RecordBatchFileWriter();
  // The writer hands out its bytes as they are made; taken as they come, nothing piles up.
  const drained = (async () => {
    for await (const bytes of writer) write(bytes);
  })();
  let rows = 0;
  try {
    const batches = (await file.stream({ batchSize: BATCH_ROWS })) as ReadableStream<parquet.RecordBatch>;
    for await (const batch of batches) {
      for (const arrowBatch of RecordBatchReader.from(batch.intoIPCStream())) {
        writer.write(arrowBatch);
        rows += arrowBatch.numRows;
      }
    }
    // No row: the file still carries the columns and their types.
    if (rows === 0) writer.write(tableFromIPC(file.schema().intoIPCStream()));
    writer.finish();
    writer.close();
  } catch (error) {
    writer.abort(error);
    await drained.catch(() => undefined);
    throw error;
  } finally {
    file.free();
  }
  await drained;
  return rows;
}
