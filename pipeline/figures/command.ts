// The `metrics` command's face: checks the dates, reads the configuration, picks the operation, reads the newest
// published snapshot and prints the figures as the JSON of cli.md or as a table. `--release` is publish's
// (pipeline/publish/command.ts): it records the figures computed here before they are printed.
import { configPath, loadConfig } from '../config.ts';
import { openLatestSnapshot } from '../warehouse/snapshots.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';
import { computeFigures, type FiguresResult } from './figures.ts';
import { figureParameters } from './parameters.ts';
import { metricsJson, metricsTable } from './report.ts';
import { checkedDate, operationWindow } from '../window.ts';

export interface MetricsCommandOptions {
  dbPath: string;
  /** --config; else BULLETIN_CONFIG, else config/bulletin.yaml. */
  configPath?: string;
  asOf: string;
  operationStart?: string;
  json?: boolean;
  provenance?: boolean;
}

/** The figures as computed, handed to a step between computing and printing them (publish's release). */
export interface ComputedMetrics {
  reader: Warehouse;
  snapshotId: string;
  result: FiguresResult;
  operationKey: string;
  asOf: string;
}

export async function runMetrics(options: MetricsCommandOptions, beforePrint?: (computed: ComputedMetrics) => Promise<void>): Promise<void> {
  const asOf = checkedDate('--as-of', options.asOf);
  const config = loadConfig(configPath(options.configPath));
  const { operation, operationStart, key: operationKey } = operationWindow(config.file, config.operations, asOf, options.operationStart);

  const reader = await openLatestSnapshot(options.dbPath, 'metrics');
  try {
    const result = await computeFigures(reader.warehouse, figureParameters(config, asOf, operationStart), reader.snapshotId);
    await beforePrint?.({ reader: reader.warehouse, snapshotId: reader.snapshotId, result, operationKey, asOf });
    const provenance = Boolean(options.provenance);
    process.stdout.write(
      options.json ? JSON.stringify(metricsJson(result, provenance), null, 2) + '\n' : metricsTable(result, operation, provenance),
    );
  } finally {
    reader.warehouse.close();
  }
}
