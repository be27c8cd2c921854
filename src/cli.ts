/**
 * The command line. Options are parsed by cac; each action imports its command lazily so `mreorg --help` loads
 * almost nothing. Exit codes: 0 ok, 1 a script failed or timed out, 2 usage or config error, 130 interrupted.
 */
import { cac } from 'cac';
import { isUserError, messageOf } from './util/errors.js';
import { printable, printableBlock } from './util/printable.js';
import { checkOptions, tidyHelp, unknownCommand } from './util/usage.js';

import { VERSION } from './version.js';

type Flags = Record<string, unknown>;

function list(v: unknown): string[] {
  if (v === undefined || v === null || v === false) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

function jobs(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) usage(`-j/--jobs needs a whole number of at least 1, got "${String(v)}".`);
  return n;
}

function executorKind(v: unknown): 'local' | 'slurm' | undefined {
  if (v === undefined) return undefined;
  if (v !== 'local' && v !== 'slurm') usage(`--executor is "local" or "slurm", got "${String(v)}".`);
  return v;
}

class UsageError extends Error {}
function usage(msg: string): never {
  throw new UsageError(msg);
}

function globals(f: Flags) {
  return { config: f.config as string | undefined, python: f.python as string | undefined, jobs: jobs(f.jobs) };
}

/** What the command actions share: where mreorg runs, and the exit code an action sets. */
interface Ctx {
  cwd: string;
  exitCode: number;
}

async function main(argv: string[]): Promise<number> {
  const cli = cac('mreorg');
  const ctx: Ctx = { cwd: process.cwd(), exitCode: 0 };
  cli.option('--config <file>', 'Config file (default: the nearest mreorg.config.{ts,mts,js,mjs} in this folder or above)');
  cli.option('--python <path>', 'Python interpreter (overrides the config and MREORG_PYTHON)');
  buildCommand(cli, ctx);
  queryCommands(cli, ctx);
  projectCommands(cli, ctx);
  liveCommands(cli, ctx);
  coverageCommand(cli, ctx);
  cli.help(tidyHelp);
  cli.version(VERSION);
  const parsed = cli.parse(argv, { run: false });
  if (!cli.matchedCommand) {
    if (parsed.options.help || parsed.options.version) return 0;
    const name = parsed.args[0];
    if (name !== undefined) throw unknownCommand(cli, name);
    checkOptions(cli, argv);
    cli.outputHelp();
    return 0;
  }
  if (parsed.options.help) return 0;
  checkOptions(cli, argv);
  await cli.runMatchedCommand();
  return ctx.exitCode;
}


type Cli = ReturnType<typeof cac>;

function buildCommand(cli: Cli, ctx: Ctx): void {
  cli
    .command('build [...paths]', 'Run every stale script (or those under PATHS) and write the report')
    .option('-g, --group <name>', 'Only scripts of this filegroup (repeatable)')
    .option('-r, --runconfig <name>', 'Runconfig to run under (default: the config\'s defaultRunconfig)')
    .option('-j, --jobs <n>', 'Scripts to run at once (default: config "jobs", else the CPU count)')
    .option('-B, --force', 'Run every selected tracked script, stale or not')
    .option('--retry-failed', 'Also rerun scripts whose last run failed though nothing changed')
    .option('-n, --dry-run', 'Show what would run and why, run nothing')
    .option('--fail-fast', 'Start nothing new after the first failure')
    .option('--no-report', 'Do not write the HTML report')
    .option('--json', 'Print one JSON document on stdout (human output goes to stderr)')
    .option('--junit <file>', 'Also write the results as JUnit XML (for CI test reports)')
    .option('--fail-on-change', 'Exit 1 when a figure, stdout or written file differs from its baseline (or previous run)')
    .option('--executor <kind>', 'Run scripts "local"ly or as "slurm" jobs (default: the runconfig\'s executor)')
    .option('--coverage', 'Run the scripts under coverage.py: which library lines and functions each script runs')
    .option('--warm', 'Fork scripts from warm interpreters that imported their packages once (see README)')
    .option('--no-warm', 'Start a fresh python for every script, whatever the runconfig says')
    .action(async (paths: string[], f: Flags) => {
      const { runBuild } = await import('./commands/build-cli.js');
      ctx.exitCode = await runBuild(ctx.cwd, paths, {
        ...globals(f),
        groups: list(f.group),
        runconfig: f.runconfig as string | undefined,
        force: Boolean(f.force),
        retryFailed: Boolean(f.retryFailed),
        dryRun: Boolean(f.dryRun),
        failFast: Boolean(f.failFast),
        json: Boolean(f.json),
        report: f.report !== false,
        junit: f.junit as string | undefined,
        failOnChange: Boolean(f.failOnChange),
        executor: executorKind(f.executor),
        coverage: Boolean(f.coverage),
        // cac makes `warm` true by default because of --no-warm: only an explicit --warm turns it on.
        warm: f.warm === false ? false : process.argv.includes('--warm') ? true : undefined,
      });
    });
}

/** status and show: they read, and run nothing. */
function queryCommands(cli: Cli, ctx: Ctx): void {
  cli
    .command('status [...paths]', 'Every script\'s state and the reasons it would run')
    .option('-g, --group <name>', 'Only scripts of this filegroup (repeatable)')
    .option('-r, --runconfig <name>', 'Runconfig (default: the config\'s defaultRunconfig)')
    .option('--json', 'Print one JSON document')
    .option('--warm', 'What the warm interpreters preload under the runconfig, and why (instead of the scripts)')
    .action(async (paths: string[], f: Flags) => {
      if (f.warm) {
        const { warmStatus, formatWarmStatus } = await import('./commands/warm-status.js');
        const doc = await warmStatus(ctx.cwd, { ...globals(f), runconfig: f.runconfig as string | undefined });
        process.stdout.write(f.json ? JSON.stringify(doc, null, 2) + '\n' : formatWarmStatus(doc));
        return;
      }
      const { status, formatStatus } = await import('./commands/status.js');
      const doc = await status(ctx.cwd, { ...globals(f), paths, groups: list(f.group), runconfig: f.runconfig as string | undefined });
      if (f.json) process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
      else process.stdout.write(formatStatus(doc));
    });

  cli
    .command('show <path>', 'A script\'s recent runs, the last one\'s output in full, and what it used')
    .option('-r, --runconfig <name>', 'Runconfig for the state (default: the config\'s defaultRunconfig)')
    .option('--json', 'Print one JSON document')
    .action(async (target: string, f: Flags) => {
      const { show, showJson, formatShow } = await import('./commands/show.js');
      const doc = await show(ctx.cwd, target, { ...globals(f), runconfig: f.runconfig as string | undefined });
      process.stdout.write(f.json ? JSON.stringify(showJson(doc), null, 2) + '\n' : formatShow(doc));
    });
}

/** coverage: what of the library the scripts run (from the data of build --coverage). */
function coverageCommand(cli: Cli, ctx: Ctx): void {
  cli
    .command('coverage [file]', 'Library coverage across the scripts; for one FILE, its functions and the scripts that reach each')
    .option('-r, --runconfig <name>', 'Runconfig (default: the config\'s defaultRunconfig)')
    .option('--json', 'Print one JSON document')
    .action(async (file: string | undefined, f: Flags) => {
      const { coverage, coverageJson, formatCoverage } = await import('./commands/coverage.js');
      const doc = await coverage(ctx.cwd, file, { ...globals(f), runconfig: f.runconfig as string | undefined });
      process.stdout.write(f.json ? JSON.stringify(coverageJson(doc), null, 2) + '\n' : formatCoverage(doc));
    });
}

/** track, untrack, report, unlock, init, clean, shim-path: they change the project's files, or say where things are. */
function projectCommands(cli: Cli, ctx: Ctx): void {
  for (const [name, tracked] of [['track', true], ['untrack', false]] as const) {
    cli.command(`${name} [...paths]`, tracked ? 'Track scripts (build them even where autoTrack is off)' : 'Stop tracking scripts').action(async (paths: string[], f: Flags) => {
      const { setTracking } = await import('./commands/track.js');
      const changed = await setTracking(ctx.cwd, paths, tracked, globals(f));
      process.stdout.write(`${tracked ? 'Tracking' : 'Untracked'} ${changed.length} script${changed.length === 1 ? '' : 's'}${changed.length ? ':\n' + changed.map((p) => `  ${printable(p)}\n`).join('') : '.\n'}`);
    });
  }

  cli
    .command('accept [...paths]', 'Pin the results of the scripts\' last runs (figures, stdout, files written) as their baseline')
    .option('-r, --runconfig <name>', 'Runconfig (default: the config\'s defaultRunconfig)')
    .action(async (paths: string[], f: Flags) => {
      const { accept, formatAccept } = await import('./commands/accept.js');
      process.stdout.write(formatAccept(await accept(ctx.cwd, paths, { ...globals(f), runconfig: f.runconfig as string | undefined })));
    });

  cli.command('report', 'Write the HTML report from the ledger, running nothing').action(async (f: Flags) => {
    const { writeProjectReport } = await import('./report/project-report.js');
    const { openProject } = await import('./project/project.js');
    const project = await openProject(ctx.cwd, globals(f));
    (await import('./config/index.js')).requireConfig(project.config, ctx.cwd, 'report');
    const dir = await writeProjectReport(project, ctx.cwd, false, true);
    process.stdout.write(`Report written to ${dir}/index.html\n`);
  });

  cli
    .command('unlock', 'List claims and locks left in the ledger folder; remove the stale ones after a confirmation')
    .option('-y, --yes', 'Remove without asking (needed when not run from a terminal)')
    .option('--force', 'Also remove claims and locks of builds that are still running')
    .action(async (f: Flags) => {
      const { unlockCommand } = await import('./commands/unlock.js');
      ctx.exitCode = await unlockCommand(ctx.cwd, { config: f.config as string | undefined, yes: Boolean(f.yes), force: Boolean(f.force) });
    });

  cli.command('init', 'Write a commented starter mreorg.config.ts and add mreorg\'s folders to .gitignore').action(async () => {
    const { init } = await import('./commands/init.js');
    process.stdout.write(await init(ctx.cwd));
  });

  cli
    .command('clean', 'Remove what mreorg made: _output/ folders beside the scripts, and the report')
    .option('--all', 'Also remove the ledger folder (every recorded run: all scripts run again)')
    .option('-n, --dry-run', 'List what would be removed, remove nothing')
    .option('-y, --yes', 'Remove without asking (needed when not on a terminal)')
    .action(async (f: Flags) => {
      const { clean } = await import('./commands/clean.js');
      ctx.exitCode = await clean(ctx.cwd, { config: f.config as string | undefined, all: Boolean(f.all), dryRun: Boolean(f.dryRun), yes: Boolean(f.yes) });
    });

  cli.command('shim-path', 'Print the folder to put on PYTHONPATH to use `import mreorg` outside mreorg').action(async () => {
    const { shimDir } = await import('./util/paths.js');
    process.stdout.write(shimDir + '\n');
  });
}

/** queue, worker, serve: the live lab book (src/queue/, src/commands/worker.ts, src/serve/). */
function liveCommands(cli: Cli, ctx: Ctx): void {
  cli
    .command('queue <action> [...paths]', 'The run queue: add, list, cancel or clear (workers and `mreorg serve` run it)')
    .option('-r, --runconfig <name>', 'Runconfig (default: the config\'s defaultRunconfig; for cancel: every runconfig)')
    .option('-g, --group <name>', 'add: the scripts of this filegroup (repeatable)')
    .option('--stale', 'add: every script a build would run now')
    .option('--failed', 'add: every script whose last run failed or timed out')
    .option('--json', 'Print one JSON document')
    .action(async (action: string, paths: string[], f: Flags) => {
      const { queueCommand } = await import('./commands/queue-cli.js');
      ctx.exitCode = await queueCommand(ctx.cwd, action, { ...globals(f), paths, groups: list(f.group), runconfig: f.runconfig as string | undefined, stale: Boolean(f.stale), failed: Boolean(f.failed) }, Boolean(f.json));
    });

  cli
    .command('worker', 'Run scripts from the queue, one at a time, until Ctrl-C')
    .option('-r, --runconfig <name>', 'Only take scripts queued under this runconfig')
    .option('--until-empty', 'Stop once the queue has nothing left for this worker')
    .option('--executor <kind>', 'Run the scripts "local"ly or as "slurm" jobs (default: the runconfig\'s executor)')
    .action(async (f: Flags) => {
      const { workerCommand } = await import('./commands/worker.js');
      ctx.exitCode = await workerCommand(ctx.cwd, { ...globals(f), runconfig: f.runconfig as string | undefined, untilEmpty: Boolean(f.untilEmpty), executor: executorKind(f.executor) });
    });

  cli
    .command('serve', 'Serve the report live, with Run/Cancel controls and workers that run the queue')
    .option('--port <n>', 'Port (default 8000; 0: any free port)')
    .option('--host <address>', 'Address to listen on (default 127.0.0.1; another needs --token)')
    .option('--workers <n>', 'Workers run by the server (default: config "jobs"; 0: only separate `mreorg worker`s)')
    .option('--token <secret>', 'The secret requests must carry (generated when not given)')
    .option('--open', 'Open the page in the browser')
    .action(async (f: Flags) => {
      const { serveCommand } = await import('./serve/serve-cli.js');
      ctx.exitCode = await serveCommand(ctx.cwd, {
        ...globals(f),
        port: whole(f.port, '--port', 8000, 0, 65535),
        host: f.host === undefined ? '127.0.0.1' : String(f.host),
        workers: f.workers === undefined ? undefined : whole(f.workers, '--workers', 0, 0, 256),
        open: Boolean(f.open),
        token: f.token === undefined ? undefined : String(f.token),
      });
    });
}

function whole(v: unknown, flag: string, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) usage(`${flag} needs a whole number from ${min} to ${max}, got "${String(v)}".`);
  return n;
}

/** `-j2` means `-j 2`, as in make and ninja (cac would read it as the flags -j and -2). */
export function splitJobsFlag(argv: string[]): string[] {
  return argv.flatMap((a) => (/^-j\d+$/.test(a) ? ['-j', a.slice(2)] : [a]));
}

// Node exits when nothing is left to wait for, even if the command is still awaiting something that will never
// happen (a promise nobody settles): that must never pass for success.
let settled = false;
process.on('beforeExit', () => {
  if (settled) return;
  settled = true;
  process.stderr.write('mreorg: internal error: the command ended with work still pending (a promise that never settled).\nPlease report this as a bug.\n');
  process.exitCode = 70;
});

main(splitJobsFlag(process.argv)).then(
  (code) => {
    settled = true;
    process.exitCode = code;
  },
  (e: unknown) => {
    settled = true;
    if (isUserError(e)) {
      // Messages name files a script may have named: print them safely.
      process.stderr.write(`mreorg: ${printableBlock(e.message)}\n`);
      process.exitCode = e.exitCode;
      // Code of the user's that never finished (a config that never settled) may hold Node open forever.
      if ((e as { abandoned?: boolean }).abandoned) process.exit();
    } else if (e instanceof UsageError || (e instanceof Error && e.name === 'CACError')) {
      process.stderr.write(`mreorg: ${messageOf(e)}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`mreorg: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\nPlease report this as a bug.\n`);
      process.exitCode = 70;
    }
  },
);
