// The `metrics` command's face: checks the dates, reads the configuration, picks the operation, reads the newest
// published snapshot and prints the figures as the JSON of cli.md or as a table.
import { configPath, loadConfig } from '../config.ts';
import { UsageError } from '../errors.ts';
import { openLatestSnapshot } from '../warehouse/snapshots.ts';
import { computeFigures } from './figures.ts';
import { figureParameters } from './parameters.ts';
import { metricsJson, metricsTable } from './report.ts';
import { checkedDate, operationWindow } from './window.ts';

export interface MetricsCommandOptions {
  dbPath: string;
  /** --config; else BULLETIN_CONFIG, else config/bulletin.yaml. */
  configPath?: string;
  asOf: string;
  operationStart?: string;
  json?: boolean;
  provenance?: boolean;
  /** Record the figures as released, after the consistency guard (pipeline/publish/releases.ts). */
  release?: boolean;
  /** With release: release although a cumulative figure fell, recorded as a revision with this reason. */
  revision?: string;
}

export async function runMetrics(options: MetricsCommandOptions): Promise<void> {
  const asOf = checkedDate('--as-of', options.asOf);
  if (options.revision !== undefined && !options.release) throw new UsageError('--revision goes with --release');
  const config = loadConfig(configPath(options.configPath));
  const { operation, operationStart, key: operationKey } = operationWindow(config.file, config.operations, asOf, options.operationStart);

  const reader = await openLatestSnapshot(options.dbPath, 'metrics');
  try {
    const result = await computeFigures(reader.warehouse, figureParameters(config, asOf, operationStart), reader.snapshotId);
    if (options.release) {
      const { releaseFigures } = await import('../publish/releases.ts');
      const { releaseId, falls } = await releaseFigures(options.dbPath, reader.warehouse, result, operationKey, options.revision);
      const note = falls.length > 0 ? ` as a revision (${falls.map((f) => f.figure).join(', ')} fell): ${options.revision}` : '';
      process.stderr.write(`released ${operationKey} as of ${asOf} from snapshot ${reader.snapshotId} (release ${releaseId})${note}\n`);
    }
    const provenance = Boolean(options.provenance);
    process.stdout.write(
      options.json ? JSON.stringify(metricsJson(result, provenance), null, 2) + '\n' : metricsTable(result, operation, provenance),
    );
  } finally {
    reader.warehouse.close();
  }
}
