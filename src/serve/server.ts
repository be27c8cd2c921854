/**
 * The HTTP side of `mreorg serve` (node:http: a handful of routes need no framework). It serves the report folder
 * as the build writes it, with the live controls added to each HTML page (a token, a stylesheet and a script,
 * all served from /_mreorg/), the project's state as JSON, its changes as server-sent events, and one POST route
 * that changes the queue. Every request passes security.ts first.
 */
import fs from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { liveLogFile, readTail } from '../queue/live-log.js';
import { paths, type RunconfigPageKind } from '../report/slug.js';
import { escapeHtml } from '../report/escape.js';
import { templatesDir } from '../util/paths.js';
import { handleApi } from './api.js';
import { readRefusal, TOKEN_COOKIE, writeRefusal, type Guard } from './security.js';
import type { LiveProject } from './state.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.pdf': 'application/pdf',
  '.eps': 'application/postscript',
  '.txt': 'text/plain; charset=utf-8',
};

/** The pages' own policy plus what the live script needs (fetch and events from this server). */
const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const STATIC_META_CSP = "form-action 'none'\">";
const MAX_BODY = 1 << 20;
const KINDS: RunconfigPageKind[] = ['index', 'output', 'failures', 'timing', 'changes'];

export interface ServerOptions {
  live: LiveProject;
  guard: Guard;
  reportDir: string;
  title: string;
}

export function createServer(opts: ServerOptions): http.Server {
  const server = http.createServer((req, res) => {
    handle(opts, req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `internal error: ${e instanceof Error ? e.message : String(e)}`);
      else res.destroy();
    });
  });
  // Server-sent event streams stay open: no request timeout for them, but a bound on idle sockets.
  server.requestTimeout = 0;
  server.headersTimeout = 20_000;
  return server;
}

async function handle(opts: ServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://server.invalid');
  const queryToken = url.searchParams.get('token');
  const refused = readRefusal(req, opts.guard, queryToken);
  if (refused) return send(res, 403, 'text/plain; charset=utf-8', `Forbidden: ${refused}\n`);
  if (queryToken !== null) {
    // The token given once in the URL: kept in a cookie only this server gets, and taken out of the address bar.
    res.setHeader('set-cookie', `${TOKEN_COOKIE}=${opts.guard.token}; HttpOnly; SameSite=Strict; Path=/`);
    res.writeHead(303, { location: url.pathname }).end();
    return;
  }
  if (req.method === 'POST' && url.pathname === '/_mreorg/api') return api(opts, req, res);
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'Method not allowed\n');
  switch (url.pathname) {
    case '/_mreorg/live.js':
    case '/_mreorg/live.css':
      return sendFile(res, path.join(templatesDir, 'live', path.basename(url.pathname)), opts, null);
    case '/_mreorg/events':
      return events(opts.live, req, res);
    case '/_mreorg/state':
      return send(res, 200, TYPES['.json']!, JSON.stringify(stateDoc(opts.live, url.searchParams.get('runconfig'))));
    case '/_mreorg/tail':
      return tail(opts.live, url.searchParams, res);
    case '/_mreorg/queue.html':
      return send(res, 200, TYPES['.html']!, queuePage(opts));
    default:
      return staticFile(opts, url.pathname, res);
  }
}

async function api(opts: ServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const refused = writeRefusal(req, opts.guard);
  if (refused) {
    req.resume();
    return send(res, 403, 'application/json', JSON.stringify({ error: refused }));
  }
  let body: unknown;
  try {
    body = JSON.parse(await readBody(req));
  } catch (e) {
    return send(res, 400, 'application/json', JSON.stringify({ error: `the request is not JSON: ${e instanceof Error ? e.message : String(e)}` }));
  }
  const answer = await handleApi(opts.live, body);
  send(res, answer.status, 'application/json', JSON.stringify(answer.doc));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The state of every script under one runconfig, and the queue, for the page's live view. */
function stateDoc(live: LiveProject, runconfig: string | null): Record<string, unknown> {
  const snap = live.snapshot;
  const rc = runconfig !== null && Object.hasOwn(snap.states, runconfig) ? runconfig : live.project.config.defaultRunconfig;
  return {
    version: snap.version,
    error: snap.error,
    now: new Date().toISOString(),
    runconfig: rc,
    scripts: snap.states[rc] ?? [],
    queue: snap.queue.map((e) => ({ id: e.id, path: e.path, runconfig: e.runconfig, status: e.status, cancel: Boolean(e.cancel), addedAt: e.addedAt, taker: e.status === 'running' ? e.taker : null })),
  };
}

/** The end of what a script running under a worker printed so far (only a tracked script's). */
function tail(live: LiveProject, q: URLSearchParams, res: ServerResponse): void {
  const p = q.get('path') ?? '';
  const rc = q.get('runconfig') ?? '';
  if (!live.snapshot.tracked.has(p) || !Object.hasOwn(live.project.config.runconfigs, rc)) return send(res, 400, TYPES['.json']!, JSON.stringify({ error: 'not a tracked script and runconfig' }));
  send(res, 200, TYPES['.json']!, JSON.stringify({ text: readTail(liveLogFile(live.project.ledger.dir, p, rc)) }));
}

/** Server-sent events: "change" with the snapshot's version whenever it changes; a comment now and then. */
function events(live: LiveProject, req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.write(`retry: 1000\nevent: change\ndata: ${live.snapshot.version}\n\n`);
  const off = live.onChange((s) => res.write(`event: change\ndata: ${s.version}\n\n`));
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  req.on('close', () => {
    off();
    clearInterval(keepAlive);
  });
}

/** A file of the report folder; never one outside it, whatever the URL says. */
async function staticFile(opts: ServerOptions, pathname: string, res: ServerResponse): Promise<void> {
  let rel: string;
  try {
    rel = decodeURIComponent(pathname);
  } catch {
    return send(res, 400, 'text/plain; charset=utf-8', 'Bad path\n');
  }
  if (rel.includes('\0') || rel.split('/').includes('..')) return send(res, 400, 'text/plain; charset=utf-8', 'Bad path\n');
  rel = path.posix.normalize(rel).replace(/^\/+/, '');
  if (rel === '' || rel === '.') rel = 'index.html';
  const root = fs.realpathSync(opts.reportDir);
  let abs: string;
  try {
    abs = fs.realpathSync(path.join(root, rel));
  } catch {
    return send(res, 404, 'text/plain; charset=utf-8', 'Not found\n');
  }
  if (!abs.startsWith(root + path.sep) || !fs.statSync(abs).isFile() || path.basename(abs).startsWith('.')) return send(res, 404, 'text/plain; charset=utf-8', 'Not found\n');
  return sendFile(res, abs, opts, rel);
}

async function sendFile(res: ServerResponse, abs: string, opts: ServerOptions, rel: string | null): Promise<void> {
  const ext = path.extname(abs).toLowerCase();
  const type = TYPES[ext] ?? 'application/octet-stream';
  let data: Buffer;
  try {
    data = await fs.promises.readFile(abs);
  } catch {
    return send(res, 404, 'text/plain; charset=utf-8', 'Not found\n');
  }
  if (ext === '.html' && rel !== null) return send(res, 200, type, withControls(data.toString('utf8'), opts, runconfigOf(opts, rel), scriptOf(opts, rel)));
  send(res, 200, type, data);
}

/** The runconfig of a per-runconfig page (overview, output...), else the default. */
function runconfigOf(opts: ServerOptions, rel: string): string {
  const { config } = opts.live.project;
  for (const rc of Object.keys(config.runconfigs)) {
    if (KINDS.some((k) => paths.perRunconfig(k, rc, config.defaultRunconfig) === rel)) return rc;
  }
  return config.defaultRunconfig;
}

/** The script a script page is about (its file name is the script's page name), or null. */
function scriptOf(opts: ServerOptions, rel: string): string | null {
  if (!rel.startsWith('scripts/')) return null;
  for (const p of opts.live.snapshot.tracked) if (paths.script(p) === rel) return p;
  return null;
}

/** A report page as served: the connect-src its live script needs, and the token, stylesheet and script. */
function withControls(html: string, opts: ServerOptions, runconfig: string, script: string | null = null): string {
  const head = html.indexOf('</head>');
  if (head < 0) return html;
  const add = (script === null ? '' : `<meta name="mreorg-script" content="${escapeHtml(script)}">`) + liveHead(opts, runconfig);
  return (html.slice(0, head) + add + html.slice(head)).replace(STATIC_META_CSP, "form-action 'none'; connect-src 'self'\">");
}

function liveHead(opts: ServerOptions, runconfig: string): string {
  return (
    `<meta name="mreorg-token" content="${escapeHtml(opts.guard.token)}">` +
    `<meta name="mreorg-runconfig" content="${escapeHtml(runconfig)}">` +
    '<link rel="stylesheet" href="/_mreorg/live.css"><script src="/_mreorg/live.js" defer></script>\n'
  );
}

/** The queue page: a frame the live script fills (everything it shows is set as text, never as HTML). */
function queuePage(opts: ServerOptions): string {
  const title = escapeHtml(opts.title);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Queue · ${title}</title>
<link rel="stylesheet" href="/assets/report.css">
${liveHead(opts, opts.live.project.config.defaultRunconfig)}</head>
<body>
<header class="top"><div class="wrap"><a class="brand" href="/index.html">${title}</a>
<nav class="nav" aria-label="Pages"><a href="/index.html">Overview</a></nav></div></header>
<main class="wrap"><div class="pagehead"><h1>Queue</h1></div><div id="mreorg-queue" aria-live="polite"></div></main>
</body>
</html>
`;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  const html = type.startsWith('text/html');
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'content-security-policy': html ? PAGE_CSP : "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
    ...(html ? { 'x-frame-options': 'DENY' } : {}),
  });
  res.end(body);
}
