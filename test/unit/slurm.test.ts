/** The SLURM executor's pure parts: squeue/sacct lines, states to results, sbatch options, the poller's rounds. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { slurmExecutorFor, SLURM_DEFAULT_JOBS } from '../../src/commands/build-executor.js';
import { parseHeader } from '../../src/discover/header.js';
import { configSchema } from '../../src/config/schema.js';
import { effectiveRunconfig } from '../../src/plan/plan.js';
import { jobFiles, sbatchArgs, timeLimit } from '../../src/run/slurm-batch.js';
import { JobPoller, type RunCommand } from '../../src/run/slurm-poll.js';
import { OVER_MEMORY, outcomeOf, parseSacctLine, parseSqueueLine } from '../../src/run/slurm-states.js';
import type { ProcessSpec } from '../../src/run/process.js';

test('an squeue line: raw wait status split into exit code and signal, none-values as null', () => {
  const s = parseSqueueLine('13|FAILED|NonZeroExitCode|768|node07|2026-11-30T01:28:34|2026-11-30T01:28:36|2026-11-30T01:28:38|')!;
  assert.equal([s.id, s.state, s.reason, s.exitCode, s.signal, s.node], ['13', 'FAILED', 'NonZeroExitCode', 3, null, 'node07']);
  assert.is(s.endedMs! - s.startedMs!, 2000);
  const p = parseSqueueLine('14|PENDING|Resources|0||2026-11-30T01:28:34|N/A|N/A|')!;
  assert.equal([p.reason, p.node, p.startedMs, p.endedMs], ['Resources', null, null, null]);
  assert.is(parseSqueueLine('CLUSTER: x'), null);
  assert.is(parseSqueueLine('15|CANCELLED|None|15|n|N/A|N/A|N/A|')!.signal, 15);
});

test('an sacct line: ExitCode code:signal, "CANCELLED by 1000" is CANCELLED', () => {
  const s = parseSacctLine('21|CANCELLED by 1000|0:15|node02|2026-11-30T01:00:00|2026-11-30T01:00:01|2026-11-30T01:00:09')!;
  assert.equal([s.state, s.exitCode, s.signal, s.node], ['CANCELLED', 0, 15, 'node02']);
  assert.match(outcomeOf(s, null, { stopped: false, mem: null }).message!, /cancelled outside this build \(by user 1000\)/);
});

test('states to results', () => {
  const st = (state: string, exitCode: number | null = 0) => ({ ...parseSqueueLine(`1|${state}|None|0|n|N/A|N/A|N/A|`)!, exitCode });
  const ctx = { stopped: false, mem: '8G' };
  assert.is(outcomeOf(st('COMPLETED'), 0, ctx).result, 'success');
  assert.is(outcomeOf(st('COMPLETED'), 3, ctx).result, 'failed');
  assert.is(outcomeOf(st('FAILED', 3), null, ctx).result, 'failed');
  assert.is(outcomeOf(st('TIMEOUT'), null, ctx).result, 'timeout');
  assert.is(outcomeOf(st('CANCELLED'), null, { ...ctx, stopped: true }).message, null);
  assert.match(outcomeOf(st('CANCELLED'), null, ctx).message!, /cancelled outside this build/);
  assert.equal(outcomeOf(st('OUT_OF_MEMORY'), null, ctx), { result: 'failed', type: 'OutOfMemory', message: 'out of memory (8G)' });
  assert.equal(outcomeOf(st('FAILED', 0), null, { ...ctx, overMem: true }).message, 'out of memory (8G)');
  for (const s of ['NODE_FAIL', 'BOOT_FAIL', 'PREEMPTED']) assert.is(outcomeOf(st(s), null, ctx).result, 'interrupted', s);
  assert.ok(OVER_MEMORY.test('slurmstepd-vm: error: Exceeded job memory limit\n'));
  assert.not.ok(OVER_MEMORY.test('print: Exceeded job memory limit\n'), 'a script printing the words is not slurmstepd');
});

test('sbatch options: --time rounded up to minutes, the script\'s resources over the runconfig\'s', () => {
  assert.equal([timeLimit(5), timeLimit(60), timeLimit(61), timeLimit(null)], ['1', '1', '2', null]);
  const spec = { cwd: '/p/sims', stdoutLog: '/p/.mreorg/logs/x' } as ProcessSpec;
  const rc = { name: 'c', timeout: 4 * 3600, env: {}, argv: [], resources: { cpus: 2 } };
  const args = sbatchArgs(spec, jobFiles('/p/.mreorg', 'R1'), rc, { kind: 'slurm', partition: 'compute', cpus: 4, mem: '8G', account: 'lab', extra: ['--qos=normal'] }, 'mreorg:sims/a.py');
  assert.equal(args, [
    '--parsable',
    '--job-name=mreorg:sims/a.py',
    '--chdir=/p/sims',
    '--output=/p/.mreorg/slurm/R1.out',
    '--error=/p/.mreorg/slurm/R1.err',
    '--export=ALL',
    '--time=240',
    '--partition=compute',
    '--cpus-per-task=2',
    '--mem=8G',
    '--account=lab',
    '--qos=normal',
    '/p/.mreorg/slurm/R1.sh',
  ]);
});

test('config and header: executor per runconfig, cpus/mem/partition per script', async () => {
  assert.ok(configSchema.safeParse({ runconfigs: { c: { executor: { kind: 'slurm', mem: '8G', extra: ['--qos=x'] } } } }).success);
  assert.not.ok(configSchema.safeParse({ runconfigs: { c: { executor: { kind: 'slurm', mem: 'lots' } } } }).success);
  assert.not.ok(configSchema.safeParse({ runconfigs: { c: { executor: { kind: 'pbs' } } } }).success);
  const h = await parseHeader('# mreorg: cpus=4 mem=8G partition=long\n');
  assert.equal(h, { settings: { cpus: 4, mem: '8G', partition: 'long' } });
  const rc = effectiveRunconfig({ name: 'c', timeout: 1, env: {}, argv: [] }, { cpus: 4, mem: '8G' });
  assert.equal(rc.resources, { cpus: 4, mem: '8G' });
});

test('the executor: SLURM when the runconfig or --executor says; -j, else 100 jobs kept submitted', () => {
  const project = { config: { runconfigs: { c: { executor: { kind: 'slurm' } }, l: {} } }, claims: {} } as never;
  const local = { root: '/p', areas: ['/p'], python: 'python3', interpreter: { executable: 'python3', version: '3.11' }, figureFormats: ['png'], workDir: '/p/.mreorg', maxBytes: 1, jobs: 2 };
  const pick = (rc: string, opts: { executor?: 'local' | 'slurm'; jobs?: number }) => {
    const c = slurmExecutorFor(project, rc, local, opts, () => {});
    return c ? [c.jobs, c.executor.constructor.name] : null;
  };
  assert.equal(pick('c', {}), [SLURM_DEFAULT_JOBS, 'SlurmExecutor']);
  assert.equal(pick('c', { jobs: 7 }), [7, 'SlurmExecutor']);
  assert.is(pick('c', { executor: 'local' }), null);
  assert.is(pick('l', {}), null);
  assert.equal(pick('l', { executor: 'slurm' }), [100, 'SlurmExecutor']);
});

test('the poller asks squeue once per round for all its jobs, and finishes each as it ends', async () => {
  const calls: string[][] = [];
  let round = 0;
  const run: RunCommand = async (cmd, args) => {
    calls.push([cmd, ...args]);
    round++;
    const ids = args[args.indexOf('-j') + 1]!.split(',');
    const done = (id: string): boolean => round >= 3 || (round >= 2 && Number(id) % 2 === 0);
    const lines = ids.map((id) => `${id}|${done(id) ? 'COMPLETED' : 'RUNNING'}|None|0|n|N/A|N/A|N/A|`);
    return { ok: true, stdout: lines.join('\n'), stderr: '' };
  };
  const poller = new JobPoller(run, { baseMs: 5, maxMs: 20, onWarning: () => {} });
  const ends = ['1', '2', '3', '4'].map((id) => poller.watch(id).then((e) => (typeof e === 'string' ? e : e.state)));
  assert.equal(await Promise.all([ends[1], ends[3]]), ['COMPLETED', 'COMPLETED']);
  assert.is(calls[0]![0], 'squeue');
  assert.equal(calls[0]!.slice(calls[0]!.indexOf('-j') + 1, calls[0]!.indexOf('-j') + 2), ['1,2,3,4'], 'one call for all four');
  assert.is(poller.size, 2);
  await Promise.all(ends);
  assert.is(calls[2]![calls[2]!.indexOf('-j') + 1], '1,3', 'finished jobs are not asked about again');
});

test('a job gone from squeue and without sacct is reported gone', async () => {
  const run: RunCommand = async (cmd) =>
    cmd === 'sacct' ? { ok: false, stdout: '', stderr: 'Slurm accounting storage is disabled' } : { ok: false, stdout: '', stderr: 'slurm_load_jobs error: Invalid job id specified' };
  const poller = new JobPoller(run, { baseMs: 5, maxMs: 20, onWarning: () => {} });
  assert.is(await poller.watch('7'), 'gone');
});

test.run();
