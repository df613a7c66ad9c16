// The `bulletin` command: argument parsing, one lazy import per command, and the one top-level error handler that
// turns every failure into a single line on stderr and the exit status of cli.md (0 ok, 1 input refused, 2 usage).
import { Command, CommanderError, Option } from 'commander';
import { InputRefused, UsageError, exitCodeOf, oneLine } from './errors.ts';
import { defaultWarehousePath } from './paths.ts';

interface GlobalOptions {
  db?: string;
  config?: string;
  debug?: boolean;
}

export async function main(argv: string[]): Promise<number> {
  let debug = argv.includes('--debug');
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with code 0; parsing errors were already printed by commander as one line.
      return error.exitCode === 0 ? 0 : 2;
    }
    debug ||= Boolean((program.opts() as GlobalOptions).debug);
    process.stderr.write(`bulletin: ${oneLine(error)}\n`);
    if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return exitCodeOf(error);
  }
}

function buildProgram(): Command {
  const program = new Command('bulletin')
    .description('Statistics and reporting pipeline of the "Reunion" operation bulletins')
    .addOption(new Option('--db <path>', 'warehouse file').env('BULLETIN_DB').default(defaultWarehousePath))
    .addOption(new Option('--config <path>', 'configuration file (default: config/bulletin.yaml of the checkout)').env('BULLETIN_CONFIG'))
    .option('--debug', 'print stack traces of errors')
    .exitOverride()
    .showHelpAfterError(false)
    .configureOutput({ writeErr: (text) => process.stderr.write(text.split('\n').filter(Boolean)[0] + '\n') })
    .enablePositionalOptions(false);

  program
    .command('load')
    .description('load export files, or folders of them, into the warehouse (exports.md)')
    .argument('<paths...>', 'export files or folders (folders recursively, files in name order)')
    .addHelpText(
      'after',
      '\nExamples:\n  bulletin load data/demo/exports/batch1 data/demo/exports/batch2\n  bulletin load --db /tmp/w.duckdb persons-2021-11.csv',
    )
    .action(async (paths: string[], _options: unknown, command: Command) => {
      const { runLoad } = await import('./load/command.ts');
      const globals = command.optsWithGlobals() as GlobalOptions;
      const rejected = await runLoad({ dbPath: globals.db ?? defaultWarehousePath, paths });
      if (rejected.length > 0) {
        throw new InputRefused(
          rejected.length === 1 ? rejected[0] : `${rejected.length} files rejected: ${rejected.join('; ')}`,
        );
      }
    });

  program
    .command('metrics')
    .description('print the figures of metrics.md as of a date')
    .requiredOption('--as-of <date>', 'the bulletin date D, YYYY-MM-DD, inclusive (China Standard Time)')
    .option('--operation-start <date>', 'first day S of the operation window (default: start of the configured operation containing D)')
    .option('--json', 'print one JSON object (cli.md) instead of a table')
    .option('--provenance', 'add where each figure comes from: SQL file, its sha256, bound parameters, snapshot')
    .option('--release', 'record the figures as released, after checking no cumulative figure fell since the last release')
    .option('--revision <reason>', 'with --release: release although a cumulative figure fell, recorded as a revision')
    .addHelpText(
      'after',
      '\nExamples:\n  bulletin metrics --as-of 2021-11-30\n  bulletin metrics --as-of 2021-09-16 --operation-start 2021-01-01 --json --provenance',
    )
    .action(async (options: { asOf: string; operationStart?: string; json?: boolean; provenance?: boolean; release?: boolean; revision?: string }, command: Command) => {
      const { runMetrics } = await import('./figures/command.ts');
      const globals = command.optsWithGlobals() as GlobalOptions;
      await runMetrics({ dbPath: globals.db ?? defaultWarehousePath, configPath: globals.config, ...options });
    });

  program
    .command('releases')
    .description('list the released bulletins recorded by metrics --release')
    .option('--json', 'print a JSON array instead of a table')
    .addHelpText('after', '\nExample:\n  bulletin releases --json')
    .action(async (options: { json?: boolean }, command: Command) => {
      const { listReleases } = await import('./publish/releases.ts');
      const globals = command.optsWithGlobals() as GlobalOptions;
      const rows = await listReleases(globals.db ?? defaultWarehousePath);
      if (options.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      else for (const r of rows) process.stdout.write(`${r.release_id}\t${r.operation}\t${r.as_of}\t${r.snapshot_id}\t${r.released_at}${r.revision ? `\trevision: ${r.reason}` : ''}\n`);
    });

  program
    .command('render')
    .description('write the bulletin PDF, its HTML twin, chart SVGs and figures file as of a date, per language')
    .requiredOption('--as-of <date>', 'the bulletin date D, YYYY-MM-DD, inclusive (China Standard Time)')
    .option('--operation-start <date>', 'first day S of the operation window (default: start of the configured operation containing D)')
    .option('--lang <lang>', 'en, zh or all', 'all')
    .option('--template <name>', 'press (public monthly bulletin) or briefing (internal leadership briefing)', 'press')
    .option('--out <dir>', 'output folder (default: reports/<operation>/<as-of>/)')
    .addHelpText(
      'after',
      '\nExamples:\n  bulletin render --as-of 2021-11-30\n  bulletin render --as-of 2021-11-30 --template briefing --lang zh --out /tmp/briefing',
    )
    .action(async (options: { asOf: string; operationStart?: string; lang: string; template: string; out?: string }, command: Command) => {
      const { renderBulletin } = await import('./render/render.ts');
      const globals = command.optsWithGlobals() as GlobalOptions;
      const result = await renderBulletin({ dbPath: globals.db ?? defaultWarehousePath, configPath: globals.config, ...options });
      for (const file of result.files) process.stdout.write(`${file.pdf}\n`);
      process.stderr.write(
        `rendered ${result.template} of ${result.operation} as of ${result.asOf} from snapshot ${result.snapshot}: ${result.files.length} PDF${result.files.length === 1 ? '' : 's'} in ${result.outDir}\n`,
      );
    });

  // Subcommands inherit the error handling and the one-line error output.
  for (const sub of program.commands) sub.exitOverride().configureOutput(program.configureOutput());
  return program;
}

export { UsageError };
