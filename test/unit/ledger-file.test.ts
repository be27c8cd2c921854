/** The ledger file's schema, its fast check, and the sweep of what dead builds leave in the ledger's folder. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sweepLedgerLitter } from '../../src/ledger/litter.js';
import { checkLedger, ledgerSchemas } from '../../src/ledger/schema.js';
import { isLedgerShape } from '../../src/util/checks.generated.js';

const entry = () => ({
  runId: 'r1',
  result: 'success',
  startedAt: '2026-01-01T00:00:00.000Z',
  durationMs: 5,
  fingerprint: { hash: 'h', env: { A: 'x', B: null }, argv: ['-q'], python: '3.11.2', modules: { 'lib.py': 'h2' }, data: { 'd.csv': null }, packages: { numpy: '1.26' } },
  writes: ['out.csv'],
  figures: 1,
  error: { type: 'ValueError', message: 'bad' },
});
const good = () => ({ version: 1, tracked: ['a.py'], untracked: [], latest: { 'a.py': { std: entry() }, 'b.py': { std: entry(), short: entry() } } });

/** One change at a time to a good ledger: each must be judged alike by zod and by the compiled check. */
const MUTATIONS: Array<[string, (l: any) => void]> = [
  ['nothing', () => {}],
  ['version string', (l) => (l.version = '1')],
  ['version 0', (l) => (l.version = 0)],
  ['version 1.5', (l) => (l.version = 1.5)],
  ['tracked missing', (l) => delete l.tracked],
  ['tracked object', (l) => (l.tracked = {})],
  ['tracked holds a number', (l) => l.tracked.push(3)],
  ['latest string', (l) => (l.latest = 'x')],
  ['latest array', (l) => (l.latest = [])],
  ['entry empty', (l) => (l.latest['a.py'].std = {})],
  ['entry null', (l) => (l.latest['a.py'].std = null)],
  ['result unknown', (l) => (l.latest['a.py'].std.result = 'ok')],
  ['durationMs string', (l) => (l.latest['a.py'].std.durationMs = '5')],
  ['error null', (l) => (l.latest['a.py'].std.error = null)],
  ['error without message', (l) => delete l.latest['a.py'].std.error.message],
  ['env value a number', (l) => (l.latest['a.py'].std.fingerprint.env.A = 1)],
  ['modules digest null', (l) => (l.latest['a.py'].std.fingerprint.modules['lib.py'] = null)],
  ['packages version null', (l) => (l.latest['a.py'].std.fingerprint.packages.numpy = null)],
  ['argv holds null', (l) => l.latest['a.py'].std.fingerprint.argv.push(null)],
  ['fingerprint missing', (l) => delete l.latest['b.py'].short.fingerprint],
  ['an unknown key', (l) => (l.latest['a.py'].std.extra = 1)],
];

test('the generated check accepts exactly what the zod schema accepts', () => {
  const { ledgerSchema } = ledgerSchemas();
  const isLedger = isLedgerShape;
  for (const [name, mutate] of MUTATIONS) {
    const l = good();
    mutate(l);
    assert.is(isLedger(l), ledgerSchema.safeParse(l).success, name);
  }
  for (const x of [null, [], 'x', 1, {}]) assert.is(isLedger(x), ledgerSchema.safeParse(x).success, JSON.stringify(x));
});

test('checkLedger: a wrong top level is invalid, a bad entry is dropped alone, a higher version is newer', () => {
  assert.equal(checkLedger({ ...good(), version: 7 }, 1), { kind: 'newer', version: 7 });
  const invalid = checkLedger({ ...good(), tracked: {} }, 1);
  assert.is(invalid.kind, 'invalid');
  assert.match((invalid as { reason: string }).reason, /^tracked: /);
  const l = good();
  (l.latest['b.py'] as any).short = { runId: 'r2' };
  const got = checkLedger(l, 1);
  assert.is(got.kind, 'ok');
  if (got.kind !== 'ok') return;
  assert.equal(Object.keys(got.data.latest['b.py']!), ['std']);
  assert.ok(got.data.latest['a.py']!.std);
  assert.is(got.dropped.length, 1);
  assert.match(got.dropped[0]!, /^b\.py under short \(latest\.b\.py\.short\./);
  const defaults = checkLedger({ version: 1 }, 1);
  assert.equal(defaults, { kind: 'ok', data: { version: 1, tracked: [], untracked: [], monitors: [], latest: {} }, dropped: [] });
  // The defaults filled in without zod are the schema's own.
  assert.equal((defaults as { data: unknown }).data, ledgerSchemas().ledgerSchema.parse({ version: 1 }));
});

test('sweep: orphan manifests go unless a live build holds a claim; temp files go only when their writer is dead', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mreorg-litter-'));
  const dead = spawnSync('true').pid!;
  const put = (rel: string, body = ''): string => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), body);
    return rel;
  };
  const manifest = put('tmp/20260101T000000000Z-abc123.manifest.json', '{}');
  const claim = (pid: number): void => void put('claims/a.py-1x@std', JSON.stringify({ pid, host: os.hostname(), at: new Date().toISOString() }));
  // Another build (a live process that is not us: our parent) is running a.py: its manifest may be read yet.
  claim(process.ppid);
  sweepLedgerLitter(path.join(dir, 'ledger.json'));
  assert.ok(fs.existsSync(path.join(dir, manifest)), 'kept while a live build holds a claim');
  claim(dead);
  const gone = [put(`.ledger.json.${dead}.abc.tmp`), put(`runs/.a.py-1x.json.${dead}.q1.tmp`), put(`tmp/.x.manifest.json.${dead}.tmp`), put(`claims/a.py-1x@std.stale-${dead}-zz`)];
  const kept = [put(`.ledger.json.${process.pid}.abc.tmp`), put('claims/a.py-1x@x.123.tmp'), put('notes.1.tmp')];
  assert.is(sweepLedgerLitter(path.join(dir, 'ledger.json')), gone.length + 1);
  assert.not.ok(fs.existsSync(path.join(dir, manifest)));
  for (const f of gone) assert.not.ok(fs.existsSync(path.join(dir, f)), f);
  for (const f of kept) assert.ok(fs.existsSync(path.join(dir, f)), f);
  fs.rmSync(dir, { recursive: true, force: true });
});

test.run();
