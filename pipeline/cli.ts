// The `bulletin` command: argument parsing, one lazy import per command, and the one top-level error handler that
// turns every failure into a single line on stderr and the exit status of cli.md (0 ok, 1 input refused, 2 usage).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, Option, type HelpContext } from 'commander';
import { InputRefused, UsageError, exitCodeOf, oneLine } from './errors.ts';
import { defaultWarehousePath, repoRoot } from './paths.ts';

interface GlobalOptions {
  db?: string;
  config?: string;
  debug?: boolean;
}

/** Bits no file or folder the command creates may have: nothing for others (the warehouse, logs, snapshots, reports). */
const UMASK_BITS = 0o027;

export async function main(argv: string[]): Promise<number> {
  // Whatever the caller's umask (usually 022: files 644), created files are 640 and folders 750; DuckDB, Chromium
  // and every writer here create theirs through it. A stricter umask of the caller is kept.
  process.umask(process.umask(UMASK_BITS) | UMASK_BITS);
  for (const stream of [process.stdout, process.stderr]) stream.on('error', dropOutputOnceReaderLeft);
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

/**
 * `bulletin … | head`: when the reader has gone (EPIPE), the stream is closed and what is left to print is dropped,
 * without a stack trace; the command itself runs to its end and exits as it would have (a load stored is stored).
 */
function dropOutputOnceReaderLeft(error: NodeJS.ErrnoException): void {
  if (error.code !== 'EPIPE') throw error;
}

/** Commander's Command, but a command of commands given none (`bulletin`, `bulletin desk`) prints its full help. */
class BulletinCommand extends Command {
  override createCommand(name?: string): Command {
    return new BulletinCommand(name);
  }

  // Commander shows a usage error there (exit 1, and on stderr, cut to its first line below); asking for nothing is
  // asking what there is: the help as --help prints it, on stdout, exit 0.
  override help(context?: HelpContext | ((text: string) => string)): never {
    const missingCommand = typeof context === 'object' && context.error && this.args.length === 0;
    return missingCommand ? super.help() : super.help(context as HelpContext);
  }
}

function buildProgram(): Command {
  const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  const program = new BulletinCommand('bulletin')
    .description('Statistics and reporting pipeline of the "Reunion" operation bulletins')
    .version(version, '-V, --version', 'print the version of bulletin')
    // --db and --config are the program's: shown in the help of every command, where they apply too.
    .configureHelp({ showGlobalOptions: true })
    .addOption(new Option('--db <path>', 'warehouse file').env('BULLETIN_DB').default(defaultWarehousePath))
    .addOption(new Option('--config <path>', 'configuration file (default: config/bulletin.yaml of the checkout)').env('BULLETIN_CONFIG'))
    .option('--debug', 'print stack traces of errors')
    .exitOverride()
    .showHelpAfterError(false)
    // One line, with commander's "(Did you mean metrics?)" kept on it.
    .configureOutput({ writeErr: (text) => process.stderr.write(text.split('\n').filter(Boolean).join(' ') + '\n') })
    .enablePositionalOptions(false);

  program
    .command('load')
    .description('load export files, or folders of them, into the warehouse (exports.md)')
    .argument('<paths...>', 'export files or folders (folders recursively, files in name order)')
    .option('--table <name>', "the table of every file given, for files whose name does not say it (exports.md's tables)")
    .addHelpText(
      'after',
      '\nExamples:\n  bulletin load data/demo/exports/batch1 data/demo/exports/batch2\n  bulletin load --db /tmp/w.duckdb persons-2021-11.csv\n  bulletin load --table persons registry-export.csv',
    )
    .action(async (paths: string[], options: { table?: string }, command: Command) => {
      const { runLoad } = await import('./load/command.ts');
      const globals = command.optsWithGlobals() as GlobalOptions;
      const rejected = await runLoad({ dbPath: globals.db ?? defaultWarehousePath, paths, table: options.table });
      if (rejected.length > 0) {
        throw new InputRefused(
          rejected.length === 1 ? rejected[0] : `${rejected.length} files rejected: ${rejected.join('; ')}`,
        );
      }
    });

  program
    .command('metrics')
    .description('print the figures of metrics.md as of a date')
    .addOption(asOfOption())
    .addOption(operationStartOption())
    .option('--json', 'print one JSON object (cli.md) instead of a table')
    .option('--provenance', 'add where each figure comes from: SQL file, its sha256, bound parameters, snapshot')
    .option('--release', 'record the figures as released, after checking no cumulative figure fell since the last release')
    .option('--revision <reason>', 'with --release: release although a cumulative figure fell, recorded as a revision')
    .addHelpText(
      'after',
      '\nExamples:\n  bulletin metrics --as-of 2021-11-30\n  bulletin metrics --as-of 2021-09-16 --operation-start 2021-01-01 --json --provenance',
    )
    .action(async (options: { asOf: string; operationStart?: string; json?: boolean; provenance?: boolean; release?: boolean; revision?: string }, command: Command) => {
      const dbPath = existingWarehouse(command);
      const { release, revision, ...shown } = options;
      if (revision !== undefined && !release) throw new UsageError('--revision goes with --release');
      const globals = command.optsWithGlobals() as GlobalOptions;
      if (release) {
        // Recording figures as released is publish's; the figures stage only computes and prints them.
        const { runMetricsRelease } = await import('./publish/command.ts');
        await runMetricsRelease({ dbPath, configPath: globals.config, ...shown, revision });
      } else {
        const { runMetrics } = await import('./figures/command.ts');
        await runMetrics({ dbPath, configPath: globals.config, ...shown });
      }
    });

  program
    .command('releases')
    .description('list the released bulletins recorded by metrics --release')
    .option('--json', 'print a JSON array instead of a table')
    .addHelpText('after', '\nExample:\n  bulletin releases --json')
    .action(async (options: { json?: boolean }, command: Command) => {
      const dbPath = existingWarehouse(command);
      const { listReleases } = await import('./publish/releases.ts');
      const rows = await listReleases(dbPath);
      if (options.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      else for (const r of rows) process.stdout.write(`${r.release_id}\t${r.operation}\t${r.as_of}\t${r.snapshot_id}\t${r.released_at}${r.revision ? `\trevision: ${r.reason}` : ''}\n`);
    });

  program
    .command('render')
    .description('write the bulletin PDF, its HTML twin, chart SVGs and figures file as of a date, per language')
    .addOption(asOfOption())
    .addOption(operationStartOption())
    .addOption(langOption('en, zh or all'))
    .addOption(templateOption())
    .option('--out <dir>', 'output folder (default: reports/<operation>/<as-of>/)')
    .addHelpText(
      'after',
      '\nExamples:\n  bulletin render --as-of 2021-11-30\n  bulletin render --as-of 2021-11-30 --template briefing --lang zh --out /tmp/briefing',
    )
    .action(async (options: { asOf: string; operationStart?: string; lang: string; template: string; out?: string }, command: Command) => {
      const dbPath = existingWarehouse(command);
      const { renderBulletin } = await import('./render/render.ts');
      const globals = command.optsWithGlobals() as GlobalOptions;
      const result = await renderBulletin({ dbPath, configPath: globals.config, ...options });
      for (const file of result.files) process.stdout.write(`${file.pdf}\n`);
      const { displayPath } = await import('./config.ts');
      const { shownText } = await import('./characters.ts');
      const editorial = result.editorialFile === null ? 'no editorial file' : `editorial file ${shownText(displayPath(result.editorialFile))}`;
      process.stderr.write(
        `rendered ${result.template} of ${result.operation} as of ${result.asOf} from snapshot ${result.snapshot}, ${editorial}: ${result.files.length} PDF${result.files.length === 1 ? '' : 's'} in ${result.outDir}\n`,
      );
      for (const warning of result.editorialWarnings) process.stderr.write(`bulletin: warning: ${warning}\n`);
    });

  program
    .command('deliver')
    .description('mail a bulletin to each recipient once: a press bulletin as its released edition (bulletin edition …), a briefing rendered first unless already rendered from the newest snapshot; nothing while the desk holds')
    .addOption(asOfOption())
    .addOption(operationStartOption())
    .addOption(templateOption())
    .addOption(langOption('en, zh or all (one mail with both PDFs)'))
    .requiredOption('--to <recipients...>', 'e-mail addresses and/or list names of mail.lists in the configuration')
    .option('--out <dir>', 'where the bulletin is (or is rendered) (default: reports/<operation>/<as-of>/)')
    .option('--retry-uncertain', 'send again, with the same Message-ID, where an earlier attempt may have been delivered')
    .addHelpText(
      'after',
      '\nSMTP server from BULLETIN_SMTP_URL (smtp://user:pass@host:587, smtps://user:pass@host:465), sender from BULLETIN_MAIL_FROM.\n' +
        '\nExamples:\n  bulletin deliver --as-of 2021-11-30 --to press        # the released edition of the press bulletin\n  bulletin deliver --as-of 2021-11-30 --template briefing --lang zh --to chief@example.org deputy@example.org',
    )
    .action(async (options: { asOf: string; operationStart?: string; template: string; lang: string; to: string[]; out?: string; retryUncertain?: boolean }, command: Command) => {
      const dbPath = existingWarehouse(command);
      const [{ deliveryFailure }, { deliverThroughDesk }, { deskContext }] = await Promise.all([import('./deliver/deliver.ts'), import('./desk/release.ts'), import('./desk/command.ts')]);
      const globals = command.optsWithGlobals() as GlobalOptions;
      const ctx = await deskContext(dbPath, globals.config);
      // The desk decides: no mail during a hold; a press bulletin only as its released edition.
      const result = await deliverThroughDesk(ctx, { dbPath: ctx.dbPath, ...options });
      for (const r of result.recipients) process.stdout.write(`${r.outcome}\t${r.recipient}\t${r.messageId}\t${r.code ?? ''}\t${r.response}\n`);
      const failure = deliveryFailure(result);
      if (failure) throw failure;
    });

  program
    .command('deliveries')
    .description('show the delivery log: each recipient\'s state and every sending attempt')
    .option('--bulletin <id>', 'only this bulletin, e.g. reunion-2021/press/2021-11-30/en+zh')
    .option('--json', 'print one JSON object {deliveries, attempts}')
    .addHelpText('after', '\nExample:\n  bulletin deliveries --bulletin reunion-2021/press/2021-11-30/en+zh')
    .action(async (options: { bulletin?: string; json?: boolean }, command: Command) => {
      const dbPath = existingWarehouse(command);
      const { readDeliveryLog } = await import('./deliver/deliveries.ts');
      const logged = await readDeliveryLog(dbPath, options.bulletin);
      if (options.json) {
        process.stdout.write(JSON.stringify(logged, null, 2) + '\n');
        return;
      }
      process.stdout.write('bulletin\trecipient\tstate\tupdated (China time)\tSMTP answer\tMessage-ID\n');
      for (const d of logged.deliveries) process.stdout.write(`${d.bulletin}\t${d.recipient}\t${d.state}\t${d.updated_at}\t${d.smtp_code ?? ''} ${d.smtp_response ?? ''}\t${d.message_id}\n`);
      process.stdout.write('\nattempts:\nstarted (China time)\tbulletin\trecipient\t#\toutcome\tSMTP answer\n');
      for (const a of logged.attempts) process.stdout.write(`${a.started_at}\t${a.bulletin}\t${a.recipient}\t${a.attempt}\t${a.outcome ?? 'cut short'}\t${a.smtp_code ?? ''} ${a.response ?? ''}\n`);
    });

  program
    .command('schedule')
    .description('run the scheduled jobs of the configuration until SIGTERM (one scheduler per warehouse)')
    .addHelpText('after', '\nExample:\n  bulletin schedule        # as a service: see README, "Running the scheduler"')
    .action(async (_options: unknown, command: Command) => {
      const [{ runScheduler }, { configPath, loadConfig }] = await Promise.all([import('./schedule/scheduler.ts'), import('./config.ts')]);
      const globals = command.optsWithGlobals() as GlobalOptions;
      const config = loadConfig(configPath(globals.config));
      await runScheduler({ dbPath: globals.db ?? defaultWarehousePath, config });
    });

  program
    .command('run')
    .description('run one job of the configuration now')
    .argument('<job>', 'the job name (bulletin jobs lists them)')
    .option('--as-of <date>', 'for a monthly or briefing job: the bulletin date (default: as its schedule would, from today)')
    .addHelpText('after', '\nExamples:\n  bulletin run ingest\n  bulletin run monthly --as-of 2021-11-30')
    .action(async (name: string, options: { asOf?: string }, command: Command) => {
      // The cheap checks first (configuration, --as-of): a job that cannot run stops before its modules load.
      const [{ configPath, loadConfig }, { isIsoDate }] = await Promise.all([import('./config.ts'), import('./dates.ts')]);
      const globals = command.optsWithGlobals() as GlobalOptions;
      const config = loadConfig(configPath(globals.config));
      if (options.asOf !== undefined && !isIsoDate(options.asOf)) throw new UsageError(`--as-of '${options.asOf}' is not a date YYYY-MM-DD`);
      const { runJob, jobNamed } = await import('./schedule/jobs.ts');
      const job = jobNamed(config, name);
      const result = await runJob(
        job,
        { dbPath: globals.db ?? defaultWarehousePath, config, log: (line) => process.stderr.write(`${line}\n`) },
        { slot: null, trigger: 'manual', asOf: options.asOf },
      );
      if (result.outcome !== 'ok') throw new InputRefused(`job ${name}: ${result.error ?? result.outcome}`);
    });

  program
    .command('jobs')
    .description('list the configured jobs, their next run and last outcome')
    .option('--json', 'print a JSON array')
    .addHelpText('after', '\nExample:\n  bulletin jobs')
    .action(async (options: { json?: boolean }, command: Command) => {
      const [{ listJobs, jobsTable }, { configPath, loadConfig }] = await Promise.all([import('./schedule/list.ts'), import('./config.ts')]);
      const globals = command.optsWithGlobals() as GlobalOptions;
      const db = warehouseOf(command);
      // The configured jobs are listed before the first ingest too (no warehouse yet), but a mistyped --db is said.
      if (!existsSync(db)) process.stderr.write(`bulletin: note: no warehouse at ${db}: no job has run on it\n`);
      const rows = await listJobs(db, loadConfig(configPath(globals.config)));
      if (options.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      else process.stdout.write(jobsTable(rows));
    });

  program
    .command('sql')
    .description('run read-only SQL on the newest snapshot (interactive without SQL on a terminal)')
    .argument('[sql]', 'one statement; or --file, --query, standard input')
    .option('--file <file>', 'read the statement from a file')
    .option('--query <name>', 'run a saved query of queries/analysis (bulletin queries lists them)')
    .option('--param <name=value...>', 'a parameter of the saved query (repeatable)')
    .addOption(new Option('--format <format>', 'table, csv, json, parquet, arrow or xlsx (default: from the extension of --out, else table)'))
    .option('--out <file>', 'write the result to this file instead of standard output')
    .option('--bom', 'csv: start with a UTF-8 byte-order mark (for spreadsheets)')
    .option('--timeout <seconds>', 'query time limit (default 60; env BULLETIN_SQL_TIMEOUT)')
    .option('--memory-limit <size>', 'memory limit of the query engine (default 1GB; env BULLETIN_SQL_MEMORY)')
    .option('--interactive', 'the interactive shell even when standard input is not a terminal')
    .option('--force', 'with --out: replace an existing file')
    .addHelpText(
      'after',
      '\nExamples:\n  bulletin sql "SELECT province, count(*) FROM persons GROUP BY ALL ORDER BY 2 DESC"\n' +
        '  bulletin sql --query recoveries_by_province_method --param as_of=2021-11-30 --out recoveries.parquet\n' +
        '  bulletin sql --file my.sql --format csv --bom --out my.csv\n  bulletin sql            # interactive shell',
    )
    .action(async (sql: string | undefined, options: Record<string, unknown>, command: Command) => {
      const dbPath = existingWarehouse(command);
      const { runSql } = await import('./analyst/command.ts');
      await runSql({ dbPath, sql, ...(options as object) });
    });

  program
    .command('queries')
    .description('list the saved queries of queries/analysis with their parameters')
    .option('--json', 'print a JSON array')
    .addHelpText('after', '\nExample:\n  bulletin queries')
    .action(async (options: { json?: boolean }) => {
      const { listSavedQueries } = await import('./analyst/command.ts');
      process.stdout.write(listSavedQueries(Boolean(options.json)));
    });

  program
    .command('schema')
    .description('print every table and view of the warehouse with its columns, types and comments')
    .option('--json', 'print one JSON object')
    .addHelpText('after', '\nExample:\n  bulletin schema')
    .action(async (options: { json?: boolean }, command: Command) => {
      const dbPath = existingWarehouse(command);
      const { describeSchema, sandboxOptions } = await import('./analyst/command.ts');
      process.stdout.write(await describeSchema(dbPath, Boolean(options.json), sandboxOptions({})));
    });

  const desk = program.command('desk').description('the press desk: desk users, the hold switch (desk.md)');
  const users = desk.command('user').description('desk users: name, role, password (scrypt)');
  users
    .command('add')
    .description('add a desk user; the password comes from BULLETIN_DESK_PASSWORD, a prompt, or the first line of stdin')
    .argument('<name>', 'user name: letters, digits, dots, dashes, underscores')
    .requiredOption('--role <role>', 'drafter, approver (may also draft) or admin')
    .option('--email <address>', "the user's own e-mail address (where a test send goes)")
    .addHelpText('after', '\nExample:\n  bulletin desk user add wang.fang --role approver --email wang.fang@reunion.example')
    .action(async (name: string, options: { role: string; email?: string }, command: Command) => {
      const { runUserAdd } = await import('./desk/command.ts');
      await runUserAdd(warehouseOf(command), name, options.role, process.env, options.email);
    });
  users
    .command('email')
    .description("set or change a desk user's own e-mail address (where a test send goes)")
    .argument('<name>', 'the desk user')
    .argument('<address>', 'one bare e-mail address')
    .addHelpText('after', '\nExample:\n  bulletin desk user email li.na li.na@reunion.example')
    .action(async (name: string, address: string, _options: unknown, command: Command) => {
      const { runUserEmail } = await import('./desk/command.ts');
      runUserEmail(warehouseOf(command), name, address);
    });
  users
    .command('list')
    .description('list the desk users, their roles and e-mail addresses')
    .action(async (_options: unknown, command: Command) => {
      // The users file may come before any warehouse (users are added first); only a mistyped --db is refused.
      const db = existsSync(`${warehouseOf(command)}.desk-users.json`) ? warehouseOf(command) : existingDesk(command);
      const { usersTable } = await import('./desk/command.ts');
      process.stdout.write(usersTable(db));
    });
  desk
    .command('hold')
    .description('stop every delivery (scheduled, manual, pre-release, test) until resume')
    .requiredOption('--reason <text>', 'why: shown on every desk page and recorded with each held run')
    .option('--as <user>', 'the desk user acting (password from BULLETIN_DESK_PASSWORD or a prompt)')
    .addHelpText('after', '\nExample:\n  bulletin desk hold --reason "figures under review" --as wang.fang')
    .action(async (options: { reason: string; as?: string }, command: Command) => {
      const { runHold } = await import('./desk/command.ts');
      await runHold(warehouseOf(command), options.as, options.reason);
    });
  desk
    .command('resume')
    .description('lift the hold')
    .option('--as <user>', 'the desk user acting')
    .action(async (options: { as?: string }, command: Command) => {
      const { runResume } = await import('./desk/command.ts');
      await runResume(warehouseOf(command), options.as);
    });
  desk
    .command('serve')
    .description('the press desk web page (desk.md): editions, sign-off, release, for the press office in a browser; until SIGTERM')
    .option('--listen <host:port>', 'address to listen on; anything but loopback must be said here', '127.0.0.1:8080')
    .addHelpText('after', '\nExamples:\n  bulletin --db data/demo/warehouse.duckdb desk serve\n  bulletin desk serve --listen 10.0.0.5:8080   # the intranet address of this machine')
    .action(async (options: { listen: string }, command: Command) => {
      const dbPath = existingDesk(command);
      const [{ startDeskServer, isLoopbackHost, parseListen }, { configPath, loadConfig }] = await Promise.all([import('./desk/web/server.ts'), import('./config.ts')]);
      const globals = command.optsWithGlobals() as GlobalOptions;
      const config = loadConfig(configPath(globals.config));
      const log = (line: string) => process.stderr.write(`${line}\n`);
      const server = await startDeskServer({ dbPath, config, listen: options.listen, env: process.env, log });
      log(`desk page on ${server.url} (warehouse ${warehouseOf(command)})`);
      if (!isLoopbackHost(parseListen(options.listen).host)) log(`note: listening beyond this machine (${options.listen}): anyone who reaches it can try to log in`);
      await new Promise<void>((resolve) => {
        const stop = () => void server.close().then(resolve);
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
      log('desk page stopped');
    });

  const edition = program.command('edition').description('editions of bulletins: draft, sign-off, release (desk.md)');
  edition
    .command('list')
    .description('every edition: id, state, release time, last change')
    .option('--json', 'print a JSON array')
    .action(async (options: { json?: boolean }, command: Command) => {
      const db = existingDesk(command);
      const { editionList } = await import('./desk/command.ts');
      process.stdout.write(await editionList(db, Boolean(options.json)));
    });
  edition
    .command('draft')
    .description('make or refresh the open draft edition of a bulletin (both languages, marked DRAFT); prints its id first')
    .addOption(asOfOption())
    .addOption(operationStartOption())
    .addOption(templateOption())
    .option('--as <user>', 'the desk user acting (password from BULLETIN_DESK_PASSWORD or a prompt)')
    .addHelpText('after', '\nExample:\n  bulletin edition draft --as-of 2021-11-30 --as li.na')
    .action(async (options: { asOf: string; operationStart?: string; template: string; as?: string }, command: Command) => {
      const [{ actingUser, deskContext }, { draftEdition, shownPath }] = await Promise.all([import('./desk/command.ts'), import('./desk/editions.ts')]);
      const db = warehouseOf(command);
      const actor = await actingUser(db, options.as);
      const ctx = await deskContext(db, (command.optsWithGlobals() as GlobalOptions).config);
      const edition = await draftEdition(ctx, { asOf: options.asOf, operationStart: options.operationStart, template: options.template, actor });
      process.stdout.write(`${edition.edition_id}\n`);
      for (const [language, pdf] of Object.entries(edition.pdfs)) process.stdout.write(`${language}\t${shownPath(pdf.path)}\n`);
      process.stderr.write(`${edition.edition_id}: ${edition.state}; editorial file: ${edition.editorial_file ? shownPath(edition.editorial_file) : 'none'}; bulletin edition show ${edition.edition_id} lists its checklist\n`);
    });
  edition
    .command('show')
    .description('an edition: state, content hash, PDFs with sha256, checklist (errors, warnings), history')
    .argument('<id>', 'e.g. reunion-2021/press/2021-11-30#1')
    .option('--json', 'print one JSON object')
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      const db = existingDesk(command);
      const [{ deskContext, describeEdition, editionJson }, { showEdition }] = await Promise.all([import('./desk/command.ts'), import('./desk/editions.ts')]);
      const view = await showEdition(await deskContext(db, (command.optsWithGlobals() as GlobalOptions).config), id);
      process.stdout.write(options.json ? editionJson(view) : describeEdition(view));
    });
  const acting = (name: string, description: string, example: string) =>
    edition
      .command(name)
      .description(description)
      .argument('<id>', 'the edition, e.g. reunion-2021/press/2021-11-30#1')
      .option('--as <user>', 'the desk user acting (password from BULLETIN_DESK_PASSWORD or a prompt)')
      .addHelpText('after', `\nExample:\n  ${example}`);
  /** Runs a desk action as the --as user and prints the edition's new state. */
  const act = (run: (ctx: import('./desk/editions.ts').DeskContext, id: string, actor: import('./desk/workflow.ts').Actor, options: Record<string, string>) => Promise<{ edition_id: string; state: string }>) =>
    async (id: string, options: Record<string, string>, command: Command) => {
      const { actingUser, deskContext } = await import('./desk/command.ts');
      const db = warehouseOf(command);
      const actor = await actingUser(db, options.as);
      const edition = await run(await deskContext(db, (command.optsWithGlobals() as GlobalOptions).config), id, actor, options);
      process.stdout.write(`${edition.edition_id}\t${edition.state}\n`);
    };
  acting('submit', 'draft -> submitted, for a second person to approve (refused while the checklist has errors)', 'bulletin edition submit "reunion-2021/press/2021-11-30#1" --as li.na')
    .option('--note <text>', 'a note for the approver')
    .action(act(async (ctx, id, actor, o) => (await import('./desk/editions.ts')).submitEdition(ctx, id, actor, o.note)));
  acting('approve', 'submitted -> approved by a second approver: re-rendered, checked, final PDFs written once, release time set', 'bulletin edition approve "reunion-2021/press/2021-11-30#1" --as wang.fang --release-at "2021-12-03 09:30"')
    .option('--release-at <time>', 'China time "YYYY-MM-DD HH:MM" (default: the configured release time on the next working day)')
    .action(act(async (ctx, id, actor, o) => (await import('./desk/editions.ts')).approveEdition(ctx, id, actor, o.releaseAt)));
  acting('reject', 'submitted -> draft, with a note saying what to change', 'bulletin edition reject "reunion-2021/press/2021-11-30#1" --as wang.fang --note "check the Guangxi case"')
    .requiredOption('--note <text>', 'what to change')
    .action(act(async (ctx, id, actor, o) => (await import('./desk/editions.ts')).rejectEdition(ctx, id, actor, o.note)));
  acting('withdraw', 'any unreleased edition -> withdrawn', 'bulletin edition withdraw "reunion-2021/press/2021-11-30#1" --as wang.fang --reason "superseded by new data"')
    .requiredOption('--reason <text>', 'why')
    .action(act(async (ctx, id, actor, o) => (await import('./desk/editions.ts')).withdrawEdition(ctx, id, actor, o.reason)));
  acting('correct', 'open the next edition of a released one as a correction or revision (same sign-off; mailed only to those who got it)', 'bulletin edition correct "reunion-2021/press/2021-11-30#1" --kind correction --note-en "The Guangxi case was in 1998." --note-zh "广西案件发生于1998年。" --as li.na')
    .requiredOption('--kind <kind>', 'correction or revision (a revision may lower a cumulative figure)')
    .requiredOption('--note-en <text>', 'what was corrected, in English (printed on page 1)')
    .requiredOption('--note-zh <text>', 'what was corrected, in Chinese (printed on page 1)')
    .action(act(async (ctx, id, actor, o) => (await import('./desk/editions.ts')).correctEdition(ctx, id, actor, { kind: o.kind, noteEn: o.noteEn, noteZh: o.noteZh })));
  acting('prerelease', 'an embargoed copy of an approved edition to one named person, logged (at most 24 h before release)', 'bulletin edition prerelease "reunion-2021/press/2021-11-30#1" --to minister-office@reunion.example --reason "briefing the minister" --as wang.fang')
    .requiredOption('--to <address>', 'one e-mail address')
    .requiredOption('--reason <text>', 'why this person has it before release (printed in the released bulletin\'s annex)')
    .action(async (id: string, options: Record<string, string>, command: Command) => {
      const [{ actingUser, deskContext }, { prereleaseEdition }] = await Promise.all([import('./desk/command.ts'), import('./desk/release.ts')]);
      const db = warehouseOf(command);
      const actor = await actingUser(db, options.as);
      const result = await prereleaseEdition(await deskContext(db, (command.optsWithGlobals() as GlobalOptions).config), id, actor, options.to, options.reason);
      process.stdout.write(`${result.outcome}\t${result.recipient}\t${result.messageId}\t${result.code ?? ''}\t${result.response}\n`);
      if (result.outcome !== 'sent' && result.outcome !== 'already sent') throw new InputRefused(`prerelease of ${id} to ${result.recipient}: ${result.outcome}: ${result.response}`);
    });
  acting('test-send', "the edition's current PDFs (draft or final) to the acting user's own address only, subject \"[TEST]\"; not a delivery of the edition", 'bulletin edition test-send "reunion-2021/press/2021-11-30#1" --as li.na')
    .action(async (id: string, options: Record<string, string>, command: Command) => {
      const [{ actingUser, deskContext }, { testSendEdition }] = await Promise.all([import('./desk/command.ts'), import('./desk/release.ts')]);
      const db = warehouseOf(command);
      const actor = await actingUser(db, options.as);
      const result = await testSendEdition(await deskContext(db, (command.optsWithGlobals() as GlobalOptions).config), id, actor);
      process.stdout.write(`${result.outcome}\t${result.recipient}\t${result.messageId}\t${result.code ?? ''}\t${result.response}\n`);
      if (result.outcome !== 'sent') throw new InputRefused(`test send of ${id} to ${result.recipient}: ${result.outcome}: ${result.response}`);
    });
  edition
    .command('release')
    .description('approved and due -> released: figures recorded as released, mailed to the bulletin\'s recipients once (refused before its time)')
    .argument('<id>', 'the edition')
    .option('--as <user>', 'the desk user acting (default: recorded as system, as the scheduler is)')
    .option('--retry-uncertain', 'send again, with the same Message-ID, where an earlier attempt may have been delivered')
    .addHelpText('after', '\nExample:\n  bulletin edition release "reunion-2021/press/2021-11-30#1"')
    .action(async (id: string, options: { as?: string; retryUncertain?: boolean }, command: Command) => {
      const [{ actingUser, deskContext }, { releaseEdition }, { deliveryFailure }] = await Promise.all([import('./desk/command.ts'), import('./desk/release.ts'), import('./deliver/deliver.ts')]);
      const db = warehouseOf(command);
      const actor = options.as ? await actingUser(db, options.as) : 'system';
      const { edition: released, recipients } = await releaseEdition(await deskContext(db, (command.optsWithGlobals() as GlobalOptions).config), id, actor, { retryUncertain: options.retryUncertain });
      for (const r of recipients) process.stdout.write(`${r.outcome}\t${r.recipient}\t${r.messageId}\t${r.code ?? ''}\t${r.response}\n`);
      process.stderr.write(`${released.edition_id}: ${released.state}\n`);
      const failure = deliveryFailure({ bulletin: released.edition_id, snapshot: released.snapshot_id ?? '', rendered: false, pdfs: [], recipients });
      if (failure) throw failure;
    });
  edition
    .command('log')
    .description('the desk log: every transition, pre-release, delivery and hold, oldest first')
    .argument('[id]', 'only this edition, e.g. reunion-2021/press/2021-11-30#1')
    .option('--json', 'print a JSON array')
    .action(async (id: string | undefined, options: { json?: boolean }, command: Command) => {
      const db = existingDesk(command);
      const { editionLog } = await import('./desk/command.ts');
      process.stdout.write(await editionLog(db, id, Boolean(options.json)));
    });

  // Subcommands (and theirs) inherit the error handling and the one-line error output.
  const inherit = (parent: Command) => {
    for (const sub of parent.commands) {
      sub.exitOverride().configureOutput(program.configureOutput());
      inherit(sub);
    }
  };
  inherit(program);
  return program;
}

/** The warehouse a command works on: --db, else BULLETIN_DB, else the default. */
const warehouseOf = (command: Command) => (command.optsWithGlobals() as GlobalOptions).db ?? defaultWarehousePath;

/**
 * The warehouse of a command that reads it: a mistyped --db is one line naming the path, instead of an empty answer
 * and new empty files beside a warehouse that is not there (loading creates the warehouse).
 */
function existingWarehouse(command: Command): string {
  const db = warehouseOf(command);
  if (!existsSync(db)) throw new UsageError(`no warehouse at ${db} (--db, BULLETIN_DB; bulletin load creates one)`);
  return db;
}

/** As existingWarehouse, for the desk's reading commands: the desk's own file (desk/store.ts) may come first. */
function existingDesk(command: Command): string {
  const db = warehouseOf(command);
  return existsSync(`${db}.desk.duckdb`) ? db : existingWarehouse(command);
}

// The options metrics, render and deliver share.
const asOfOption = () => new Option('--as-of <date>', 'the bulletin date D, YYYY-MM-DD, inclusive (China Standard Time)').makeOptionMandatory();
const operationStartOption = () =>
  new Option('--operation-start <date>', 'first day S of the operation window (default: start of the configured operation containing D)');
const langOption = (description: string) => new Option('--lang <lang>', description).default('all');
const templateOption = () => new Option('--template <name>', 'press (public monthly bulletin) or briefing (internal leadership briefing)').default('press');

export { UsageError };
