import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RerunOn, Runconfig } from '../../src/config/types.js';
import type { LatestEntry } from '../../src/model/entry.js';
import { describeReason } from '../../src/model/reason.js';
import { plan as planRaw, topoSort, type PlanInput } from '../../src/plan/plan.js';

/** The plan with its reasons as the sentences users read. */
function plan(inp: PlanInput) {
  const p = planRaw(inp);
  return { ...p, entries: p.entries.map((e) => ({ ...e, reasons: e.reasons.map(describeReason), notes: e.notes.map(describeReason) })) };
}

const rc: Runconfig = { name: 'std', timeout: 10, env: { A: '1' }, argv: [] };
const allOn: RerunOn = { script: true, modules: true, data: true, upstream: true, env: true, argv: true, python: true, packages: false };

function latest(over: Partial<LatestEntry> & { hash?: string; data?: Record<string, string | null>; modules?: Record<string, string | null> } = {}): LatestEntry {
  return {
    runId: 'r1',
    result: over.result ?? 'success',
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 5,
    fingerprint: { hash: over.hash ?? 'h', env: { A: '1' }, argv: [], python: '3.11.2', modules: over.modules ?? {}, data: over.data ?? {}, packages: {} },
    writes: over.writes ?? [],
    figures: 0,
    error: null,
  };
}

function input(over: Partial<PlanInput>): PlanInput {
  return {
    scripts: [{ path: 'a.py', tracked: true, hash: 'h' }],
    runconfig: rc,
    python: '3.11.2',
    rerunOn: allOn,
    latest: () => undefined,
    digest: () => null,
    ...over,
  };
}

test('never run under this runconfig: runs, says so', () => {
  const p = plan(input({}));
  assert.equal(p.entries[0]!.state, 'never-run');
  assert.ok(p.entries[0]!.run);
  assert.match(p.entries[0]!.reasons[0]!, /never run under runconfig std/);
});

test('unchanged success is up to date and does not run; --force runs it', () => {
  const base = input({ latest: () => latest() });
  assert.equal(plan(base).entries[0]!.state, 'up-to-date');
  assert.not.ok(plan(base).entries[0]!.run);
  const forced = plan({ ...base, force: true }).entries[0]!;
  assert.ok(forced.run);
  assert.equal(forced.reasons, ['forced (--force)']);
});

test('content change names the script', () => {
  const e = plan(input({ latest: () => latest({ hash: 'old' }) })).entries[0]!;
  assert.equal(e.state, 'changed');
  assert.equal(e.reasons, ['a.py changed']);
});

test('env set, unset and argv changes are reasons; timeout is not', () => {
  const e = plan(input({ runconfig: { ...rc, env: { B: null }, argv: ['--quick'], timeout: 99 }, latest: () => latest() })).entries[0]!;
  assert.equal(e.reasons, ['runconfig env A changed', 'runconfig env B changed', 'runconfig argv changed: [] -> ["--quick"]']);
});

test('interpreter version change', () => {
  const e = plan(input({ python: '3.12.1', latest: () => latest() })).entries[0]!;
  assert.equal(e.reasons, ['python 3.11.2 -> 3.12.1']);
});

test('failed and unchanged: not rerun unless --retry-failed or --force', () => {
  const base = input({ latest: () => latest({ result: 'failed' }) });
  assert.equal(plan(base).entries[0]!.state, 'failed');
  assert.not.ok(plan(base).entries[0]!.run);
  assert.ok(plan({ ...base, retryFailed: true }).entries[0]!.run);
  assert.ok(plan({ ...base, force: true }).entries[0]!.run);
});

test('untracked never runs', () => {
  const e = plan(input({ scripts: [{ path: 'a.py', tracked: false, hash: 'h' }], force: true })).entries[0]!;
  assert.equal(e.state, 'untracked');
  assert.not.ok(e.run);
});

test('module and data changes, deletion and creation are named', () => {
  const digests: Record<string, string | null> = { 'lib/m.py': 'm2', 'data/x.csv': null, 'data/y.csv': 'y1' };
  const e = plan(
    input({
      latest: () => latest({ modules: { 'lib/m.py': 'm1' }, data: { 'data/x.csv': 'x1', 'data/y.csv': null } }),
      digest: (p) => digests[p] ?? null,
    }),
  ).entries[0]!;
  assert.equal(e.reasons, ['lib/m.py changed', 'data/x.csv deleted', 'data/y.csv created']);
});

test('switched-off triggers are ignored', () => {
  const e = plan(
    input({
      rerunOn: { ...allOn, modules: false, script: false },
      latest: () => latest({ hash: 'old', modules: { 'lib/m.py': 'm1' } }),
      digest: () => 'other',
    }),
  ).entries[0]!;
  assert.equal(e.state, 'up-to-date');
});

test('a reader of a rerunning writer reruns after it, in order', () => {
  const entries: Record<string, LatestEntry> = {
    'b.py': latest({ data: { 'out.csv': 'o' } }),
    'a.py': latest({ hash: 'old', writes: ['out.csv'] }),
  };
  const p = plan(
    input({
      scripts: [
        { path: 'b.py', tracked: true, hash: 'h' },
        { path: 'a.py', tracked: true, hash: 'h' },
      ],
      latest: (x) => entries[x],
      digest: () => 'o',
    }),
  );
  assert.equal(p.order, ['a.py', 'b.py']);
  assert.equal(p.entries.find((e) => e.path === 'b.py')!.reasons, ['upstream a.py will rerun']);
});

test('a runconfig never run yet is ordered by what its scripts read and wrote under another runconfig', () => {
  const other: Record<string, LatestEntry> = {
    'b.py': latest({ data: { 'out.csv': 'o' } }),
    'a.py': latest({ writes: ['out.csv'] }),
  };
  const p = plan(
    input({
      scripts: [
        { path: 'b.py', tracked: true, hash: 'h' },
        { path: 'a.py', tracked: true, hash: 'h' },
      ],
      latest: () => undefined,
      learned: (x) => other[x],
    }),
  );
  assert.equal(p.order, ['a.py', 'b.py']);
  assert.equal(p.entries.find((e) => e.path === 'b.py')!.upstream, ['a.py']);
  assert.equal(p.entries.map((e) => e.state), ['never-run', 'never-run']);
});

test('expected failures: their own state, not rerun by --retry-failed; a plain failure is', () => {
  const failed = latest({ result: 'failed' });
  const expectFail = input({ latest: () => failed, settings: () => ({ expect: 'fail' }) });
  assert.is(plan(expectFail).entries[0]!.state, 'expected-failure');
  assert.not.ok(plan({ ...expectFail, retryFailed: true }).entries[0]!.run);
  assert.ok(plan({ ...expectFail, force: true }).entries[0]!.run);
  const expectTimeout = input({ latest: () => failed, settings: () => ({ expect: 'timeout' }) });
  assert.is(plan(expectTimeout).entries[0]!.state, 'failed', 'failing when a timeout was expected is a failure');
  assert.ok(plan({ ...input({ latest: () => failed }), retryFailed: true }).entries[0]!.run);
});

test('per-script settings refine the runconfig: timeout and argv replace, env merges', () => {
  const e = planRaw(input({ settings: () => ({ timeout: 5, argv: ['--x'], env: { B: '2' } }) })).entries[0]!;
  assert.equal(e.runconfig, { name: 'std', timeout: 5, env: { A: '1', B: '2' }, argv: ['--x'] });
});

test('cycles are reported and do not hang', () => {
  const r = topoSort(['a', 'b'], (n) => (n === 'a' ? ['b'] : ['a']));
  assert.equal(r.order.length, 2);
  assert.equal(r.cycles, [['a', 'b', 'a']]);
});

test.run();
