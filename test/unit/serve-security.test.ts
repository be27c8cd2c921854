/** The server's guard: Host names, Origin, token, JSON, and the token cookie on a non-loopback address. */
import type { IncomingMessage } from 'node:http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { guardFor, isLoopback, readRefusal, writeRefusal } from '../../src/serve/security.js';

const TOKEN = 'a'.repeat(48);
const req = (headers: Record<string, string>): IncomingMessage => ({ headers }) as unknown as IncomingMessage;
const good = { host: '127.0.0.1:8000', origin: 'http://127.0.0.1:8000', 'x-mreorg-token': TOKEN, 'content-type': 'application/json' };

test('loopback names', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1']) assert.ok(isLoopback(h), h);
  for (const h of ['0.0.0.0', '192.168.1.2', 'example.org', '::', '127.0.0.1.evil.com']) assert.not.ok(isLoopback(h), h);
});

test('a POST from the page passes; each missing piece is refused', () => {
  const g = guardFor('127.0.0.1', 8000, TOKEN);
  assert.is(writeRefusal(req(good), g), null);
  assert.is(writeRefusal(req({ ...good, host: 'localhost:8000', origin: 'http://localhost:8000' }), g), null);
  assert.match(writeRefusal(req({ ...good, host: 'evil.com:8000', origin: 'http://evil.com:8000' }), g) ?? '', 'host');
  assert.match(writeRefusal(req({ ...good, host: '127.0.0.1:8001', origin: 'http://127.0.0.1:8001' }), g) ?? '', 'host');
  assert.match(writeRefusal(req({ ...good, origin: 'http://evil.com' }), g) ?? '', 'Origin');
  assert.match(writeRefusal(req({ ...good, origin: 'null' }), g) ?? '', 'Origin');
  const { origin: _o, ...noOrigin } = good;
  assert.match(writeRefusal(req(noOrigin), g) ?? '', 'Origin');
  assert.match(writeRefusal(req({ ...good, 'x-mreorg-token': 'a'.repeat(47) + 'b' }), g) ?? '', 'token');
  assert.match(writeRefusal(req({ ...good, 'x-mreorg-token': 'a' }), g) ?? '', 'token');
  assert.match(writeRefusal(req({ ...good, 'content-type': 'text/plain' }), g) ?? '', 'JSON');
});

test('on loopback anyone local may read; elsewhere reading needs the token (URL once, then the cookie)', () => {
  const local = guardFor('127.0.0.1', 8000, TOKEN);
  assert.is(readRefusal(req({ host: '127.0.0.1:8000' }), local, null), null);
  const lan = guardFor('192.168.1.5', 8000, TOKEN);
  const host = { host: '192.168.1.5:8000' };
  assert.match(readRefusal(req(host), lan, null) ?? '', 'token');
  assert.match(readRefusal(req({ host: '127.0.0.1:8000' }), lan, TOKEN) ?? '', 'host', 'the loopback names are not this server there');
  assert.is(readRefusal(req(host), lan, TOKEN), null);
  assert.is(readRefusal(req({ ...host, cookie: `x=1; mreorg_token=${TOKEN}` }), lan, null), null);
  assert.match(readRefusal(req({ ...host, cookie: 'mreorg_token=wrong' }), lan, null) ?? '', 'token');
});

test.run();
