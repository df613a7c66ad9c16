// `bulletin metrics --release`: the figures of `bulletin metrics` (pipeline/figures/command.ts), recorded as released
// after the consistency guard (releases.ts) and before they are printed. Publishing follows the figures stage, so
// the release lives here and figures imports nothing of publish.
import { runMetrics, type MetricsCommandOptions } from '../figures/command.ts';
import { releaseFigures } from './releases.ts';

export interface ReleaseCommandOptions extends MetricsCommandOptions {
  /** Release although a cumulative figure fell, recorded as a revision with this reason. */
  revision?: string;
}

export async function runMetricsRelease(options: ReleaseCommandOptions): Promise<void> {
  await runMetrics(options, async ({ reader, snapshotId, result, operationKey, asOf }) => {
    const { releaseId, falls } = await releaseFigures(options.dbPath, reader, result, operationKey, options.revision);
    const note = falls.length > 0 ? ` as a revision (${falls.map((f) => f.figure).join(', ')} fell): ${options.revision}` : '';
    process.stderr.write(`released ${operationKey} as of ${asOf} from snapshot ${snapshotId} (release ${releaseId})${note}\n`);
  });
}
