/**
 * The scheduler with a fake executor, fake claims, a fake run store and a fake clock: ordering, the job limit,
 * another build's claims, the retry after a missing file, fail-fast and interruption, without python.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Runconfig } from '../../src/config/types.js';
import type { LatestEntry } from '../../src/model/entry.js';
import type { Run, RunDeps, RunResult } from '../../src/model/run.js';
import type { Plan, PlanEntry, Touches } from '../../src/plan/plan.js';
import type { Executor, Job, RunningJob } from '../../src/run/executor.js';
import type { BuildEvent } from '../../src/schedule/events.js';
import { Scheduler, type Clock, type RunStore } from '../../src/schedule/scheduler.js';

const rc: Runconfig = { name: 'std', timeout: null, env: {}, argv: [] };

/** What a fake script does when it runs: its result and files, and how long it takes in fake-executor ticks. */
interface Behaviour {
  result?: RunResult;
  deps?: Partial<RunDeps>;
}

function runOf(job: Job, b: Behaviour, interrupted: boolean): Run {
  const out = { text: '', totalBytes: 0, droppedBytes: 0, logFile: null };
  const deps: RunDeps = { modules: [], reads: [], writes: [], missing: [], packages: {}, ...b.deps };
  return {
    id: `${job.path}-${Math.random()}`, path: job.path, runconfig: 'std', startedAt: new Date().toISOString(), durationMs: 1,
    exitCode: 0, signal: null, result: interrupted ? 'interrupted' : (b.result ?? 'success'), hash: job.hash, env: {}, argv: [],
    python: { executable: 'py', version: '3' }, stdout: out, stderr: out, error: null, figures: [], deps, source: 'manifest',
  };
}

/**
 * Jobs finish when the test says so (`finish(path)`), so concurrency is observable; `auto` makes them finish on
 * the next tick. Records every start, and the most jobs ever running at once.
 */
class FakeExecutor implements Executor {
  started: string[] = [];
  running = new Map<string, () => void>();
  maxRunning = 0;
  stops: string[] = [];
  constructor(
    private readonly behaviour: (path: string, attempt: number) => Behaviour = () => ({}),
    private readonly auto = true,
  ) {}
  async prepare(): Promise<void> {}
  start(job: Job): RunningJob {
    this.started.push(job.path);
    const attempt = this.started.filter((p) => p === job.path).length;
    let interrupted = false;
    let finish!: () => void;
    const result = new Promise<Run>((resolve) => {
      finish = () => {
        this.running.delete(job.path);
        resolve(runOf(job, this.behaviour(job.path, attempt), interrupted));
      };
    });
    this.running.set(job.path, finish);
    this.maxRunning = Math.max(this.maxRunning, this.running.size);
    if (this.auto) setImmediate(finish);
    return {
      result,
      stop: () => {
        this.stops.push(job.path);
        interrupted = true;
        finish();
      },
    };
  }
}

function entryOf(result: RunResult): LatestEntry {
  const fingerprint = { hash: 'h', env: {}, argv: [], python: '3', modules: {}, data: {}, packages: {} };
  return { runId: 'theirs', result, startedAt: '2026-01-01T00:00:02.000Z', durationMs: 1, fingerprint, writes: [], figures: 0, error: null };
}

function fakeStore(elsewhere: Record<string, LatestEntry> = {}): RunStore & { recorded: string[] } {
  const recorded: string[] = [];
  return {
    recorded,
    ranElsewhere: async (p) => elsewhere[p] ?? null,
    record: async (run) => void recorded.push(run.path),
    flushSoon: async () => null,
    flushNow: async () => {},
  };
}

/** A clock whose sleeps resolve at once but are counted. */
function fakeClock(): Clock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return { sleeps, now: () => '2026-01-01T00:00:00.000Z', sleep: async (ms) => void sleeps.push(ms) };
}

function planOf(order: string[], upstream: Record<string, string[]> = {}, touches: Record<string, Touches> = {}): Plan {
  const entries: PlanEntry[] = order.map((p) => ({
    path: p, state: 'never-run', run: true, reasons: [], notes: [], upstream: upstream[p] ?? [], runconfig: rc, expect: null, last: null,
    touches: touches[p] ?? { reads: [], writes: [] },
  }));
  return { entries, order, cycles: [], cycleFiles: [] };
}

function scheduler(
  executor: Executor,
  over: { jobs?: number; failFast?: boolean; signal?: AbortSignal; held?: Set<string>; heldPolls?: number; elsewhere?: Record<string, LatestEntry> } = {},
) {
  const events: BuildEvent[] = [];
  const store = fakeStore(over.elsewhere);
  const clock = fakeClock();
  const held = over.held ?? new Set<string>();
  let polls = over.heldPolls ?? 0;
  const released: string[] = [];
  const s = new Scheduler(
    {
      executor,
      claims: {
        claim: (p) => !held.has(p),
        release: (p) => void released.push(p),
        // Another build holds it for `heldPolls` polls after the first look, then releases it.
        holder: (p) => (held.has(p) && (polls-- >= 0 || (held.delete(p), false)) ? { waiting: `waiting for ${p}, claimed by build b2`, since: '2026-01-01T00:00:01.000Z' } : null),
      },
      store,
      hashScript: async () => 'h',
      clock,
      emit: (e) => void events.push(e),
    },
    { runconfig: rc, jobs: over.jobs ?? 4, failFast: over.failFast ?? false, signal: over.signal, storeName: 'ledger.json' },
  );
  return { s, events, store, clock, released };
}

test('upstream scripts finish before their readers start', async () => {
  const ex = new FakeExecutor();
  const { s, events } = scheduler(ex);
  const starts: string[] = [];
  const finishes: string[] = [];
  const plan = planOf(['make.py', 'use.py', 'other.py'], { 'use.py': ['make.py'] });
  const r = s.run(plan);
  await r;
  for (const e of events) {
    if (e.type === 'started') starts.push(e.path);
    if (e.type === 'finished') finishes.push(e.run.path);
  }
  assert.ok(finishes.indexOf('make.py') < starts.indexOf('use.py'), `make.py finished before use.py started: ${JSON.stringify(events.map((e) => e.type + ':' + ('path' in e ? e.path : '')))}`);
  assert.equal([...(await r).runs.keys()].sort(), ['make.py', 'other.py', 'use.py']);
});

test('never more than `jobs` scripts at once', async () => {
  const ex = new FakeExecutor(() => ({}), false);
  const { s } = scheduler(ex, { jobs: 2 });
  const done = s.run(planOf(['a.py', 'b.py', 'c.py', 'd.py', 'e.py']));
  // Finish jobs one at a time as they appear, checking the limit holds throughout.
  for (let finished = 0; finished < 5; ) {
    await new Promise((r) => setImmediate(r));
    assert.ok(ex.running.size <= 2, `${ex.running.size} running`);
    const next = ex.running.values().next();
    if (!next.done) {
      next.value();
      finished++;
    }
  }
  const { runs } = await done;
  assert.is(runs.size, 5);
  assert.is(ex.maxRunning, 2);
});

test('scripts that share files never run at once, in a cycle or unordered; the others still run in parallel', async () => {
  const ex = new FakeExecutor(() => ({}), false);
  const { s } = scheduler(ex, { jobs: 3 });
  const shared = { reads: [], writes: ['output/build.dat'] };
  const plan = planOf(['a.py', 'b.py', 'c.py', 'free.py'], {}, { 'a.py': shared, 'b.py': shared, 'c.py': { reads: ['output/build.dat'], writes: [] } });
  const done = s.run(plan);
  const together: string[][] = [];
  for (let finished = 0; finished < 4; ) {
    await new Promise((r) => setImmediate(r));
    together.push([...ex.running.keys()].sort());
    const next = [...ex.running.entries()].sort()[0];
    if (next) {
      next[1]();
      finished++;
    }
  }
  await done;
  for (const group of together) {
    const sharing = group.filter((p) => p !== 'free.py');
    assert.ok(sharing.length <= 1, `ran at once: ${group.join(', ')}`);
  }
  assert.ok(together.some((g) => g.length === 2), 'free.py ran beside one of them');
  assert.equal(ex.started.sort(), ['a.py', 'b.py', 'c.py', 'free.py']);
});

test('a script claimed by another build is left to it; its readers wait, and its result is that build\'s', async () => {
  const ex = new FakeExecutor();
  const theirs = entryOf('failed');
  const { s, events, clock } = scheduler(ex, { held: new Set(['make.py']), heldPolls: 3, elsewhere: { 'make.py': theirs } });
  const order: string[] = [];
  const result = await s.run(planOf(['make.py', 'use.py'], { 'use.py': ['make.py'] }));
  for (const e of events) if (e.type === 'started' || e.type === 'elsewhere') order.push(`${e.type}:${e.path}`);
  assert.equal(ex.started, ['use.py'], 'make.py is left to the other build');
  assert.equal(order, ['elsewhere:make.py', 'started:use.py'], 'the reader starts only after the other build is done');
  assert.ok(events.some((e) => e.type === 'skipped' && e.path === 'make.py' && e.detail === 'waiting for make.py, claimed by build b2'));
  assert.equal(clock.sleeps, [50, 100, 200, 400], 'polled, backing off, while the other build held it');
  assert.is(result.byOther.get('make.py'), theirs, 'its result counts (a failure there fails this build too)');
});

test('a holder that leaves no result (it died, or ran other content): this build runs the script itself', async () => {
  const ex = new FakeExecutor();
  const { s, events } = scheduler(ex, { held: new Set(['make.py']), heldPolls: 1 });
  const result = await s.run(planOf(['make.py']));
  assert.equal(ex.started, ['make.py']);
  assert.is(result.runs.get('make.py')!.result, 'success');
  assert.not.ok(events.some((e) => e.type === 'elsewhere'));
});

test('a script that failed on a missing file runs again once another script of the build wrote it', async () => {
  const ex = new FakeExecutor((p, attempt) =>
    p === 'use.py' && attempt === 1 ? { result: 'failed', deps: { missing: ['data.json'] } } : p === 'make.py' ? { deps: { writes: ['data.json'] } } : {},
  );
  const { s, events } = scheduler(ex);
  const plan = planOf(['use.py', 'make.py']);
  const { runs } = await s.run(plan);
  assert.equal(ex.started.filter((p) => p === 'use.py').length, 2);
  assert.is(runs.get('use.py')!.result, 'success');
  const retried = events.find((e) => e.type === 'retried');
  assert.equal(retried, { type: 'retried', path: 'use.py', writers: ['make.py'], files: ['data.json'] });
  assert.equal(plan.entries.find((e) => e.path === 'use.py')!.reasons, [{ kind: 'retried-after-write', writers: ['make.py'], files: ['data.json'] }]);
});

test('fail-fast starts nothing new after the first failure', async () => {
  const ex = new FakeExecutor((p) => (p === 'b.py' ? { result: 'failed' } : {}));
  const { s } = scheduler(ex, { jobs: 1, failFast: true });
  const { runs } = await s.run(planOf(['a.py', 'b.py', 'c.py', 'd.py']));
  assert.equal(ex.started, ['a.py', 'b.py']);
  assert.equal([...runs.keys()], ['a.py', 'b.py']);
});

test('fail-fast is not set off by an expected failure', async () => {
  const ex = new FakeExecutor((p) => (p === 'a.py' ? { result: 'failed' } : {}));
  const { s } = scheduler(ex, { jobs: 1, failFast: true });
  const plan = planOf(['a.py', 'b.py']);
  plan.entries[0]!.expect = 'fail';
  await s.run(plan);
  assert.equal(ex.started, ['a.py', 'b.py']);
});

test('a script whose hash cannot be read is a warning; the others still run', async () => {
  const ex = new FakeExecutor();
  const { s, events } = scheduler(ex);
  (s as unknown as { deps: { hashScript: (p: string) => Promise<string> } }).deps.hashScript = async (p) => {
    if (p === 'a.py') throw new Error('EACCES: permission denied');
    return 'h';
  };
  const { runs } = await s.run(planOf(['a.py', 'b.py']));
  assert.equal([...runs.keys()], ['b.py']);
  assert.ok(events.some((e) => e.type === 'warning' && /could not read a\.py: EACCES/.test(e.message)));
});

test('a first-build retry runs even while the failed attempt\'s claim is still held (its record not yet written)', async () => {
  const ex = new FakeExecutor((p, attempt) =>
    p === 'use.py' && attempt === 1 ? { result: 'failed', deps: { missing: ['data.json'] } } : p === 'make.py' ? { deps: { writes: ['data.json'] } } : {},
  );
  const { s } = scheduler(ex, { jobs: 1 });
  const store = (s as unknown as { deps: { store: RunStore } }).deps.store;
  // Writes fail until the end: every claim stays held by this build.
  store.flushSoon = async () => 'disk full';
  const claims = (s as unknown as { deps: { claims: { claim: (p: string) => boolean } } }).deps.claims;
  const held = new Set<string>();
  claims.claim = (p) => (held.has(p) ? false : (held.add(p), true)); // a lock is not reentrant
  const { runs } = await s.run(planOf(['use.py', 'make.py']));
  assert.equal(ex.started, ['use.py', 'make.py', 'use.py']);
  assert.is(runs.get('use.py')!.result, 'success');
});

test('holding claims it could not record, a build gives up waiting for another build instead of waiting forever', async () => {
  const ex = new FakeExecutor();
  const { s, events } = scheduler(ex, { jobs: 1, held: new Set(['b.py']), heldPolls: 1e9 });
  (s as unknown as { deps: { store: RunStore } }).deps.store.flushSoon = async () => 'disk full';
  const result = await s.run(planOf(['a.py', 'b.py']));
  assert.equal(ex.started, ['a.py']);
  assert.ok(events.some((e) => e.type === 'warning' && /^gave up waiting for b\.py/.test(e.message)));
  assert.not.ok(result.runs.has('b.py'));
});

test('without fail-fast a failure does not stop the others', async () => {
  const ex = new FakeExecutor((p) => (p === 'b.py' ? { result: 'failed' } : {}));
  const { s } = scheduler(ex, { jobs: 1 });
  const { runs } = await s.run(planOf(['a.py', 'b.py', 'c.py']));
  assert.equal(ex.started, ['a.py', 'b.py', 'c.py']);
  assert.is(runs.size, 3);
});

test('an interrupt stops the running scripts, records them as interrupted and starts nothing more', async () => {
  const ex = new FakeExecutor(() => ({}), false);
  const abort = new AbortController();
  const { s, events, store, released } = scheduler(ex, { jobs: 2, signal: abort.signal });
  const done = s.run(planOf(['a.py', 'b.py', 'c.py', 'd.py']));
  while (ex.running.size < 2) await new Promise((r) => setImmediate(r));
  abort.abort();
  const { runs } = await done;
  assert.equal(ex.stops.sort(), ['a.py', 'b.py']);
  assert.equal(ex.started, ['a.py', 'b.py'], 'c.py and d.py never start');
  assert.equal([...runs.values()].map((r) => r.result), ['interrupted', 'interrupted']);
  assert.equal(store.recorded.sort(), ['a.py', 'b.py'], 'interrupted runs are recorded');
  assert.equal(released.sort(), ['a.py', 'b.py'], 'their claims are released once on disk');
  assert.ok(events.some((e) => e.type === 'interrupted'));
});

test('a failed ledger write keeps the claim until the final write, which reports its error', async () => {
  const ex = new FakeExecutor();
  const { s, released, events } = scheduler(ex);
  const store = (s as unknown as { deps: { store: RunStore } }).deps.store;
  store.flushSoon = async () => 'disk full';
  store.flushNow = async () => {
    throw new Error('disk still full');
  };
  const result = await s.run(planOf(['a.py']));
  assert.is((result.storeError as Error).message, 'disk still full');
  assert.equal(released, [], 'the claim stays, so the next build reruns the script');
  assert.ok(events.some((e) => e.type === 'warning' && /could not write the ledger ledger.json \(disk full\)/.test(e.message)));
});

test.run();
