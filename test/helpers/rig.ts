/**
 * A temporary project on disk and a way to run the real, compiled `mreorg` CLI in it (as a user would), with a
 * hard timeout on every process so a hang fails the test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cliPath = path.join(repoRoot, 'bin', 'mreorg.js');
/** Debian's python3 has matplotlib; the first python3 on PATH may not. */
export const PYTHON = process.env.MREORG_PYTHON || '/usr/bin/python3';

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The config every rig project starts with (mreorg runs nothing without one); a test's own mreorg.config.ts wins. */
export const EMPTY_CONFIG = 'mreorg.config.mjs';

export class Rig {
  readonly dir: string;
  /** `bare`: no config file at all (for `init` and the no-config refusal). */
  constructor(prefix = 'mreorg-test-', opts: { bare?: boolean } = {}) {
    this.dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
    if (!opts.bare) this.write({ [EMPTY_CONFIG]: '// The defaults: every .py file below this folder, tracked.\nexport default {};\n' });
  }

  /** Writes files (project-relative path -> content); folders are created. */
  write(files: Record<string, string>): this {
    for (const [rel, content] of Object.entries(files)) {
      const abs = path.join(this.dir, rel);
      fs.mkdirSync(path.dirname(abs), { recursive: true });
      fs.writeFileSync(abs, content);
    }
    return this;
  }

  read(rel: string): string {
    return fs.readFileSync(path.join(this.dir, rel), 'utf8');
  }

  exists(rel: string): boolean {
    return fs.existsSync(path.join(this.dir, rel));
  }

  path(rel: string): string {
    return path.join(this.dir, rel);
  }

  /** Runs `mreorg ...args` in the project (or `cwd`), with MREORG_PYTHON set to a python that has matplotlib. */
  run(args: string[], opts: { env?: Record<string, string | undefined>; timeoutMs?: number; cwd?: string } = {}): Promise<CliResult> {
    const env: NodeJS.ProcessEnv = { ...process.env, MREORG_PYTHON: PYTHON, NO_COLOR: '1', ...opts.env };
    delete env.CI;
    for (const [k, v] of Object.entries(opts.env ?? {})) if (v === undefined) delete env[k];
    return runNode([cliPath, ...args], opts.cwd ?? this.dir, env, opts.timeoutMs ?? 60_000);
  }

  /** Runs with --json and parses stdout; fails loudly with stderr when stdout is not JSON. */
  async json<T = any>(args: string[], opts: { env?: Record<string, string | undefined>; timeoutMs?: number } = {}): Promise<{ doc: T; res: CliResult }> {
    const res = await this.run([...args, '--json'], opts);
    try {
      return { doc: JSON.parse(res.stdout) as T, res };
    } catch {
      throw new Error(`mreorg ${args.join(' ')} --json printed no JSON (exit ${res.code}).\nstdout: ${res.stdout}\nstderr: ${res.stderr}`);
    }
  }

  /** Starts `mreorg ...args` without waiting: for signals sent mid-build. */
  start(args: string[], opts: { env?: Record<string, string | undefined>; timeoutMs?: number } = {}): { child: ChildProcess; done: Promise<CliResult> } {
    const env: NodeJS.ProcessEnv = { ...process.env, MREORG_PYTHON: PYTHON, NO_COLOR: '1', ...opts.env };
    delete env.CI;
    for (const [k, v] of Object.entries(opts.env ?? {})) if (v === undefined) delete env[k];
    const child = spawn(process.execPath, [cliPath, ...args], { cwd: this.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    return { child, done: collect(child, args, opts.timeoutMs ?? 60_000) };
  }

  /** Polls until `cond` holds (checked every 50 ms), failing after `ms`. */
  async until(what: string, cond: () => boolean, ms = 30_000): Promise<void> {
    const t0 = Date.now();
    while (!cond()) {
      if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * SIGKILL the processes named in the project's `*.pid` files that still run in the project (their working
   * folder is inside it). Pids are reused within minutes on a busy machine: a bare kill of a recorded pid could
   * hit an unrelated process.
   */
  killLeftovers(): void {
    for (const f of fs.readdirSync(this.dir)) {
      if (!f.endsWith('.pid')) continue;
      const pid = Number(this.read(f));
      try {
        const cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
        if (cwd === this.dir || cwd.startsWith(this.dir + path.sep)) process.kill(pid, 'SIGKILL');
      } catch {
        // gone, or not ours to look at
      }
    }
  }

  cleanup(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export function runNode(args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<CliResult> {
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  return collect(child, args.slice(1), timeoutMs);
}

/** Runs any program (npm, git...) with no stdin, killed after `timeoutMs`. */
export function runCommand(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<CliResult> {
  const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  return collect(child, [cmd, ...args], timeoutMs);
}

function collect(child: ChildProcess, args: string[], timeoutMs: number): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mreorg ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * Two `mreorg build --json` at once on scripts `names` (each sleeps `sleepS` seconds): both exit codes and documents,
 * and how many times each script ran (each run leaves a `<name>.ran.<pid>` file).
 */
export async function twoBuildsAtOnce(rig: Rig, names: string[], sleepS: number, env: Record<string, string> = {}): Promise<{ results: CliResult[]; ranTimes: Record<string, number> }> {
  for (const n of names) rig.write({ [`${n}.py`]: `import time, os\nopen("${n}.ran." + str(os.getpid()), "w").close()\ntime.sleep(${sleepS})\n` });
  const args = ['build', '-j', '2', '--json', '--no-report'];
  const results = await Promise.all([rig.start(args, { env }).done, rig.start(args, { env }).done]);
  const files = fs.readdirSync(rig.dir);
  const ranTimes = Object.fromEntries(names.map((n) => [n, files.filter((f) => f.startsWith(`${n}.ran.`)).length]));
  return { results, ranTimes };
}

/** The entry for one script in a build/status JSON document. */
export function entry<T extends { path: string }>(doc: { scripts: T[] }, p: string): T {
  const e = doc.scripts.find((s) => s.path === p);
  if (!e) throw new Error(`no script ${p} in ${JSON.stringify(doc.scripts.map((s) => s.path))}`);
  return e;
}

export function ranPaths(doc: { scripts: Array<{ path: string; ran: boolean }> }): string[] {
  return doc.scripts.filter((s) => s.ran).map((s) => s.path).sort();
}

/** Alive and not a zombie (a killed orphan may wait for a reaper that this container does not run). */
export function isRunning(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
