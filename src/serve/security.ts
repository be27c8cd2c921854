/**
 * Who may talk to `mreorg serve`. The server runs code (it queues scripts), so:
 * - every request must name this server in its Host header (a page of another site whose name was re-pointed at
 *   127.0.0.1, DNS rebinding, sends its own name);
 * - every request that changes anything must come from one of the server's own pages: an Origin equal to the
 *   server's, and the per-server random token the pages carry, sent in a header (another site's page can neither
 *   read the token nor send that header without the server's consent, which it never gives);
 * - on a non-loopback address, where other people can reach the port, reading needs the token too (given once in
 *   the URL, then kept in a cookie only this server receives).
 */
import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export interface Guard {
  token: string;
  /** Host header values that name this server. */
  hosts: Set<string>;
  /** Not on loopback: reading needs the token as well. */
  private: boolean;
}

export const TOKEN_HEADER = 'x-mreorg-token';
export const TOKEN_COOKIE = 'mreorg_token';

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function newToken(): string {
  return crypto.randomBytes(24).toString('hex');
}

export function guardFor(host: string, port: number, token: string): Guard {
  const names = isLoopback(host) ? ['127.0.0.1', 'localhost', '[::1]', host.includes(':') && !host.startsWith('[') ? `[${host}]` : host] : [host.includes(':') ? `[${host}]` : host];
  return { token, hosts: new Set(names.map((n) => `${n}:${port}`)), private: !isLoopback(host) };
}

function sameToken(given: string | undefined, token: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Null when the request may read; else why not (answered 403). */
export function readRefusal(req: IncomingMessage, guard: Guard, queryToken: string | null): string | null {
  const host = header(req, 'host');
  if (!host || !guard.hosts.has(host.toLowerCase())) return `this server answers only to ${[...guard.hosts].join(', ')}, not to the host "${host ?? ''}"`;
  if (!guard.private) return null;
  if (sameToken(queryToken ?? undefined, guard.token) || sameToken(cookieToken(req), guard.token)) return null;
  return 'this server needs its token: open the address it printed, with ?token=...';
}

/** Null when the request may change things; else why not (answered 403). */
export function writeRefusal(req: IncomingMessage, guard: Guard): string | null {
  const read = readRefusal(req, guard, null);
  if (read) return read;
  const origin = header(req, 'origin');
  const host = header(req, 'host')!.toLowerCase();
  if (origin !== `http://${host}`) return `requests that change anything must come from this server's own pages (Origin ${origin ?? 'missing'})`;
  if (!sameToken(header(req, TOKEN_HEADER), guard.token)) return 'missing or wrong token: reload the page (the server may have been restarted)';
  if (!(header(req, 'content-type') ?? '').startsWith('application/json')) return 'requests that change anything must send JSON';
  return null;
}

function cookieToken(req: IncomingMessage): string | undefined {
  for (const part of (header(req, 'cookie') ?? '').split(';')) {
    const [k, v] = part.trim().split('=');
    if (k === TOKEN_COOKIE) return v;
  }
  return undefined;
}
