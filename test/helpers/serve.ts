/** A real `mreorg serve` in a rig project, and plain HTTP requests to it with any headers (Host included). */
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { CliResult, Rig } from './rig.js';

export interface Served {
  child: ChildProcess;
  done: Promise<CliResult>;
  port: number;
  base: string;
  /** Everything the server printed so far. */
  out: () => string;
}

/** Starts `mreorg serve --port 0 ...args` and waits for the address it prints. */
export async function startServe(rig: Rig, args: string[], env: Record<string, string> = {}, timeoutMs = 170_000): Promise<Served> {
  const s = rig.start(['serve', '--port', '0', ...args], { env, timeoutMs });
  let out = '';
  s.child.stdout!.on('data', (d) => (out += d));
  s.child.stderr!.on('data', (d) => (out += d));
  let port = 0;
  await rig.until('the server to listen', () => {
    const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
    if (m) port = Number(m[1]);
    if (s.child.exitCode !== null) throw new Error(`mreorg serve exited ${s.child.exitCode}: ${out}`);
    return port > 0;
  });
  return { child: s.child, done: s.done, port, base: `http://127.0.0.1:${port}`, out: () => out };
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function request(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** The token the served overview carries. */
export async function tokenOf(port: number): Promise<string> {
  const page = await request(port, 'GET', '/');
  const m = /<meta name="mreorg-token" content="([0-9a-f]+)">/.exec(page.body);
  if (!m) throw new Error(`no token in the served page (status ${page.status})`);
  return m[1]!;
}

/** A POST as the served page sends it; `headers` override. */
export function post(port: number, token: string, doc: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return request(port, 'POST', '/_mreorg/api', { origin: `http://127.0.0.1:${port}`, 'content-type': 'application/json', 'x-mreorg-token': token, ...headers }, JSON.stringify(doc));
}
