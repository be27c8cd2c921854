/**
 * `mreorg serve`: the report of the project, live, with controls; `--workers N` worker processes run the queue
 * (each a `mreorg worker`, so they are exactly the workers one can start by hand, and die with the server).
 * Ctrl-C stops the workers the way a build stops (running scripts recorded as interrupted), then the server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Server } from 'node:http';
import { openProject, type GlobalOptions } from '../project/project.js';
import { requireConfig } from '../config/index.js';
import { reportFolderRefusal } from '../report/folder.js';
import { UserError } from '../util/errors.js';
import { printable } from '../util/printable.js';
import { guardFor, isLoopback, newToken } from './security.js';
import { createServer } from './server.js';
import { LiveProject } from './state.js';

export interface ServeOptions extends GlobalOptions {
  port: number;
  host: string;
  /** Workers run inside the server (default: the config's jobs). */
  workers?: number | undefined;
  open?: boolean;
  token?: string | undefined;
}

export async function serveCommand(cwd: string, opts: ServeOptions): Promise<number> {
  if (!isLoopback(opts.host) && !opts.token) {
    throw new UserError(
      `--host ${opts.host} lets other machines reach this server, which runs code: give it a secret with --token TOKEN (at least 16 characters), then open http://${opts.host}:${opts.port}/?token=TOKEN. Without --host it listens on 127.0.0.1 only.`,
    );
  }
  if (opts.token !== undefined && opts.token.length < 16) throw new UserError('--token needs at least 16 characters (a long random string).');
  const project = await openProject(cwd, opts);
  requireConfig(project.config, cwd, 'serve');
  const refusal = reportFolderRefusal(project.config.reportDir);
  if (refusal) throw refusal;
  const live = new LiveProject(project, true);
  await live.start();
  const token = opts.token ?? newToken();
  const guard = guardFor(opts.host, opts.port, token);
  const server = createServer({ live, guard, reportDir: project.config.reportDir, title: project.config.reportTitle });
  const port = await listen(server, opts.host, opts.port);
  // With --port 0 the system picks the port: the Host check must name the one it picked.
  Object.assign(guard, guardFor(opts.host, port, token));
  const url = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}/`;
  const nWorkers = opts.workers ?? project.config.jobs;
  process.stdout.write(printable(`mreorg serve: ${url} (project ${project.config.root}; ${nWorkers} worker${nWorkers === 1 ? '' : 's'}; Ctrl-C stops)`) + '\n');
  if (opts.open) openBrowser(url);
  const workers = Array.from({ length: nWorkers }, (_, i) => startWorker(i + 1, project.config.root, opts));
  await untilStopped(workers);
  live.stop();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  return 130;
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') reject(new UserError(`Port ${port} on ${host} is in use (another mreorg serve, or another program). Choose another port with --port, for example --port ${port + 1}.`));
      else if (e.code === 'EACCES') reject(new UserError(`Not allowed to listen on port ${port} of ${host} (ports below 1024 need privileges). Choose another port with --port.`));
      else if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') reject(new UserError(`Cannot listen on ${host}: not an address of this machine (--host).`));
      else reject(e);
    });
    server.listen(port, host, () => {
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

/** A `mreorg worker` child: in its own process group (the server forwards Ctrl-C once), its lines prefixed. */
function startWorker(n: number, root: string, opts: ServeOptions): ChildProcess {
  const args = [process.argv[1]!, 'worker'];
  if (opts.config) args.push('--config', opts.config);
  if (opts.python) args.push('--python', opts.python);
  const child = spawn(process.execPath, args, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: { ...process.env, MREORG_SERVE_PID: String(process.pid) },
  });
  for (const stream of [child.stdout!, child.stderr!]) {
    let rest = '';
    stream.on('data', (d: Buffer) => {
      const lines = (rest + d.toString('utf8')).split('\n');
      rest = lines.pop()!;
      for (const l of lines) process.stdout.write(`[worker ${n}] ${l}\n`);
    });
  }
  return child;
}

/** Resolves once Ctrl-C (SIGTERM, SIGHUP) has stopped every worker; a second one makes them quit at once. */
function untilStopped(workers: ChildProcess[]): Promise<void> {
  return new Promise((resolve) => {
    let signals = 0;
    const forward = (): void => {
      signals++;
      if (signals === 1) process.stderr.write('\nmreorg: stopping the workers (running scripts are recorded as interrupted; Ctrl-C again to quit at once)...\n');
      for (const w of workers) if (w.exitCode === null && w.pid) process.kill(w.pid, 'SIGINT');
      if (workers.every((w) => w.exitCode !== null)) finish();
    };
    const finish = (): void => {
      for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(s, forward);
      resolve();
    };
    for (const w of workers) w.on('exit', () => signals > 0 && workers.every((x) => x.exitCode !== null || x.signalCode !== null) && finish());
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, forward);
  });
}

function openBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : 'xdg-open';
  const child = spawn(cmd, [url], { stdio: 'ignore', detached: true });
  child.on('error', () => process.stderr.write(`mreorg: could not start ${cmd}; open ${url} yourself\n`));
  child.unref();
}
