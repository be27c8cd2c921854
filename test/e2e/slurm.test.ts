/**
 * Builds through a real SLURM cluster: the one-node cluster of test/slurm/start.sh, which test/run-all.mjs starts
 * before this file (SLURM_CONF names it). Real python, real sbatch/squeue/scancel. Slow jobs run side by side:
 * the time-limit test's job (SLURM checks limits about every 30 s) is submitted first and awaited last.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withTimeout } from '../helpers/timeout.js';
import { Rig, entry, ranPaths, twoBuildsAtOnce, type CliResult } from '../helpers/rig.js';

const T = 120_000;
const test = suite('slurm');
const rigs: Rig[] = [];
// Polled often: a test waits for SLURM, not for mreorg's back-off.
const ENV = { MREORG_SLURM_POLL_MS: '500' };

function config(rc: string): string {
  return `export default { runconfigs: { default: { ${rc} } } };\n`;
}

function project(files: Record<string, string>, rc = "timeout: 120, executor: { kind: 'slurm' }"): Rig {
  const rig = new Rig('mreorg-slurm-');
  rigs.push(rig);
  return rig.write({ 'mreorg.config.mjs': config(rc), ...files });
}

/** Why the cluster cannot be used, or null. The tests fail (not skip) without it: CI must have one. */
function clusterProblem(): string | null {
  if (process.env.MREORG_SLURM_ERROR) return process.env.MREORG_SLURM_ERROR;
  if (!process.env.SLURM_CONF) return 'SLURM_CONF is not set: run this file through test/run-all.mjs, which starts the cluster (test/slurm/start.sh)';
  try {
    const out = execFileSync('scontrol', ['ping'], { encoding: 'utf8', timeout: 10_000 });
    return /is UP/.test(out) ? null : `scontrol ping: ${out.trim()}`;
  } catch (e) {
    return `the SLURM cluster does not answer (${e instanceof Error ? e.message.split('\n')[0] : String(e)}); start it with test/slurm/start.sh`;
  }
}
const problem = clusterProblem();
function requireCluster(): void {
  if (problem) throw new Error(`no SLURM cluster: ${problem}`);
}

/** squeue's view of jobs by id: id -> [name, state, workdir]. */
function squeue(ids: string[]): Map<string, { name: string; state: string; workDir: string }> {
  const out = execFileSync('squeue', ['-h', '-t', 'all', '-j', ids.join(','), '-O', 'JobID:|,Name:|,State:|,WorkDir:|'], { encoding: 'utf8' });
  return new Map(
    out
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('|').map((x) => x.trim()))
      .map(([id, name, state, workDir]) => [id!, { name: name!, state: state!, workDir: workDir! }]),
  );
}

/** Every job squeue knows whose working folder is inside the project. */
function jobsOf(rig: Rig): Array<{ id: string; name: string; state: string; reason: string }> {
  const out = execFileSync('squeue', ['-h', '-t', 'all', '-O', 'JobID:|,Name:|,State:|,WorkDir:|,Reason:|'], { encoding: 'utf8' });
  return out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('|').map((x) => x.trim()))
    .filter(([, , , wd]) => wd === rig.dir || wd!.startsWith(rig.dir + '/'))
    .map(([id, name, state, , reason]) => ({ id: id!, name: name!, state: state!, reason: reason! }));
}

function claimedJobs(rig: Rig): string[] {
  const dir = rig.path('.mreorg/claims');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .map((f) => {
      try {
        return (JSON.parse(fs.readFileSync(`${dir}/${f}`, 'utf8')) as { job?: { jobId: string } }).job?.jobId;
      } catch {
        return undefined;
      }
    })
    .filter((x): x is string => Boolean(x));
}

function parse(res: CliResult): any {
  try {
    return JSON.parse(res.stdout);
  } catch {
    throw new Error(`no JSON (exit ${res.code})\nstdout: ${res.stdout}\nstderr: ${res.stderr}`);
  }
}

// Submitted at once, checked in the last test: the time limit costs a minute or more of wall time.
let timeoutBuild: Promise<CliResult> | null = null;
let timeoutRig: Rig | null = null;
test.before(() => {
  if (problem) return;
  timeoutRig = project({ 'forever.py': 'import time\nprint("started", flush=True)\ntime.sleep(600)\n' }, "timeout: 5, executor: { kind: 'slurm' }");
  timeoutBuild = timeoutRig.run(['build', '--json', '--no-report'], { env: ENV, timeoutMs: 200_000 });
});

test.after(() => {
  for (const r of rigs) {
    const ids = problem ? [] : jobsOf(r).map((j) => j.id);
    try {
      if (ids.length) execFileSync("scancel", ids, { stdio: "ignore" });
    } catch {
      // finished already
    }
    r.cleanup();
  }
});

test(
  'a build through SLURM: success, exception, figures, a reader after its writer, over --mem; each run a SLURM job',
  withTimeout(T, async () => {
    requireCluster();
    const rig = project({
      'writer.py': 'import matplotlib.pyplot as plt\nopen("data.txt", "w").write("42")\nplt.plot([1, 2]); plt.savefig("line.png")\nprint("wrote")\n',
      'reader.py': 'print("read", open("data.txt").read())\n',
      'bad.py': 'def f():\n    raise ValueError("boom on the cluster")\nf()\n',
      // Past its --mem: slurmstepd kills it (without cgroups, by sampling; see test/slurm/start.sh).
      'hog.py': '# mreorg: mem=100M\nimport time\nx = []\nfor i in range(60):\n    x.append(bytearray(20 * 1024 * 1024)); time.sleep(0.05)\ntime.sleep(20)\nprint("survived")\n',
    });
    const res = await rig.run(['build', '--json'], { env: ENV, timeoutMs: T });
    assert.is(res.code, 1, res.stderr);
    const doc = parse(res);
    const w = entry(doc, 'writer.py');
    assert.is(w.result, 'success', res.stderr);
    assert.equal(w.figures.length, 1, 'the figure was captured');
    assert.ok(rig.exists('_output/figures/writer/png'), 'the figure file is on disk');
    const r = entry(doc, 'reader.py');
    assert.is(r.result, 'success', res.stderr);
    const b = entry(doc, 'bad.py');
    assert.is(b.result, 'failed');
    assert.equal(b.error, { type: 'ValueError', message: 'boom on the cluster' });
    const h = entry(doc, 'hog.py');
    assert.is(h.result, 'failed');
    assert.equal(h.error, { type: 'OutOfMemory', message: 'out of memory (100M)' });
    // Each ran as a SLURM job, named after its script, in the script's folder.
    const jobs = squeue(['writer.py', 'reader.py', 'bad.py', 'hog.py'].map((p) => entry(doc, p).job.id));
    for (const p of ['writer.py', 'reader.py', 'bad.py', 'hog.py']) {
      const j = entry(doc, p).job;
      assert.is(jobs.get(j.id)?.name, `mreorg:${p}`);
      assert.is(jobs.get(j.id)?.workDir, rig.dir);
      assert.ok(j.node && j.queuedMs >= 0, JSON.stringify(j));
    }
    assert.is(jobs.get(b.job.id)?.state, 'FAILED');
    // The reader's output and the run page say where it ran.
    const show = await rig.run(['show', 'reader.py'], { env: ENV });
    assert.match(show.stdout, new RegExp(`SLURM job ${r.job.id}: queued .*, ran .* on \\S+`));
    const page = fs.readdirSync(rig.path('report/runs')).map((f) => rig.read(`report/runs/${f}`)).find((html) => html.includes(`SLURM job ${r.job.id}:`));
    assert.ok(page, 'the run page shows the job');
    assert.match(rig.read('report/index.html'), new RegExp(`title="SLURM job ${w.job.id}: queued [^"]*, ran [^"]* on `), 'the overview too');
    // Nothing changed: the second build submits nothing.
    const before = jobsOf(rig).length;
    const again = parse(await rig.run(['build', '--json', '--no-report'], { env: ENV }));
    assert.equal(ranPaths(again), []);
    assert.is(jobsOf(rig).length, before, 'no job submitted');
  }),
);

test(
  'Ctrl-C cancels the running and the queued job, records them interrupted, exits 130 (--executor slurm)',
  withTimeout(T, async () => {
    requireCluster();
    // Five CPUs each on an eight-CPU node: one runs, the other waits for resources.
    const slow = (n: string): string => `# mreorg: cpus=5\nimport time\nopen("${n}.started", "w").close()\ntime.sleep(300)\n`;
    // A local runconfig: --executor sends this build to the cluster.
    const rig = project({ 'one.py': slow('one'), 'two.py': slow('two') }, 'timeout: 600');
    const { child, done } = rig.start(['build', '--executor', 'slurm', '--json', '--no-report'], { env: ENV, timeoutMs: T });
    await rig.until('one job running and one queued for a reason', () => {
      const jobs = jobsOf(rig).sort((a, b) => a.state.localeCompare(b.state));
      return jobs.length === 2 && jobs[0]!.state === 'PENDING' && /Resources|Priority/.test(jobs[0]!.reason) && jobs[1]!.state === 'RUNNING' && (rig.exists('one.started') || rig.exists('two.started'));
    }, 60_000);
    // mreorg asks squeue within 2.5 s at this poll setting (0.5 s, backing off to five times that): let it see the reason.
    await new Promise((r) => setTimeout(r, 3000));
    child.kill('SIGINT');
    const res = await done;
    assert.is(res.code, 130, res.stderr);
    const doc = parse(res);
    assert.is(entry(doc, 'one.py').result, 'interrupted');
    assert.is(entry(doc, 'two.py').result, 'interrupted');
    // The queued one never started; SLURM's reason for the wait is kept.
    const queued = [entry(doc, 'one.py'), entry(doc, 'two.py')].find((e) => e.job.queuedMs === null);
    assert.match(queued?.job.reason ?? '', /Resources|Priority/, JSON.stringify(doc.scripts));
    const states = jobsOf(rig).map((j) => j.state);
    assert.equal(states, ['CANCELLED', 'CANCELLED'], 'both jobs cancelled');
    assert.equal(fs.readdirSync(rig.path('.mreorg/claims')), [], 'claims released');
  }),
);

test(
  'a build killed with SIGKILL and started again reattaches to its jobs and records them; a changed script is resubmitted',
  withTimeout(T, async () => {
    requireCluster();
    const s = (n: string): string => `import time\nprint("${n} ran", flush=True)\ntime.sleep(6)\nprint("${n} done")\n`;
    const rig = project({ 'a.py': s('a'), 'b.py': s('b'), 'c.py': s('c') });
    const { child, done } = rig.start(['build', '--no-report'], { env: ENV, timeoutMs: T });
    await rig.until('the jobs submitted and in their claims', () => claimedJobs(rig).length === 3, 60_000);
    const submitted = new Map(jobsOf(rig).map((j) => [j.name, j.id]));
    child.kill('SIGKILL');
    await done;
    // c.py changes meanwhile: its old job is of no use.
    rig.write({ 'c.py': s('c2') });
    const res = await rig.run(['build', '--json', '--no-report'], { env: ENV, timeoutMs: T });
    assert.is(res.code, 0, res.stderr);
    const doc = parse(res);
    assert.is(entry(doc, 'a.py').job.id, submitted.get('mreorg:a.py'), 'reattached');
    assert.is(entry(doc, 'b.py').job.id, submitted.get('mreorg:b.py'), 'reattached');
    const c = entry(doc, 'c.py').job.id;
    assert.is.not(c, submitted.get('mreorg:c.py'), 'the changed script submitted anew');
    const jobs = new Map(jobsOf(rig).map((j) => [j.id, j.state]));
    assert.is(jobs.size, 4, 'no other job submitted');
    assert.is(jobs.get(submitted.get('mreorg:c.py')!), 'CANCELLED', "the changed script's old job cancelled");
    assert.match(res.stderr, /a\.py: reattached to SLURM job/);
    assert.match(JSON.parse((await rig.run(['show', 'c.py', '--json'], { env: ENV })).stdout).runs[0].stdout, /c2 ran/);
    const show = JSON.parse((await rig.run(['show', 'a.py', '--json'], { env: ENV })).stdout);
    assert.match(show.runs[0].stdout, /a ran\na done/);
  }),
);

test(
  'two builds at once: each script submitted once',
  withTimeout(T, async () => {
    requireCluster();
    const rig = project({});
    const { results, ranTimes } = await twoBuildsAtOnce(rig, ['p', 'q', 'r'], 3, ENV);
    for (const r of results) assert.is(r.code, 0, r.stderr);
    assert.equal(ranTimes, { p: 1, q: 1, r: 1 });
    assert.is(jobsOf(rig).length, 3, 'three jobs in all');
  }),
);

test(
  'coverage through the cluster: which library functions the job ran, as a local run records them',
  withTimeout(T, async () => {
    requireCluster();
    const rig = project({
      'lib/__init__.py': '',
      'lib/maths.py': 'def used(x):\n    return x + 1\n\n\ndef unused(x):\n    return x - 1\n',
      'calc.py': 'import os, sys\nsys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))\nfrom lib.maths import used\nprint(used(1))\n',
    });
    const res = await rig.run(['build', '--coverage', '--no-report', '--json'], { env: ENV });
    assert.is(res.code, 0, res.stderr);
    assert.ok(entry(parse(res), 'calc.py').job, 'it ran as a job');
    const cov = JSON.parse((await rig.run(['coverage', 'lib/maths.py', '--json'])).stdout);
    const reach = Object.fromEntries(cov.functions.map((f: { name: string; scripts: string[] }) => [f.name, f.scripts]));
    assert.equal(reach, { used: ['calc.py'], unused: [] });
  }),
);

test(
  'a worker with --executor slurm runs the queue as cluster jobs',
  withTimeout(T, async () => {
    requireCluster();
    const rig = project({ 'w1.py': 'print("one")\n', 'w2.py': 'print("two")\n' }, 'timeout: 120');
    assert.is((await rig.run(['queue', 'add', 'w1.py', 'w2.py'])).code, 0);
    const res = await rig.run(['worker', '--until-empty', '--executor', 'slurm'], { env: ENV });
    assert.is(res.code, 0, res.stderr);
    const status = JSON.parse((await rig.run(['status', '--json'])).stdout);
    for (const p of ['w1.py', 'w2.py']) {
      const s = status.scripts.find((x: { path: string }) => x.path === p);
      assert.is(s.state, 'up-to-date', p);
    }
    assert.equal(jobsOf(rig).map((j) => j.state), ['COMPLETED', 'COMPLETED'], 'two jobs, both done');
    assert.is((await rig.run(['worker', '--executor', 'cloud'])).code, 2);
  }),
);

test(
  'a script past its timeout is stopped by SLURM (--time) and recorded as a timeout',
  withTimeout(200_000, async () => {
    requireCluster();
    const res = await timeoutBuild!;
    assert.is(res.code, 1, res.stderr);
    const e = entry(parse(res), 'forever.py');
    assert.is(e.result, 'timeout');
    assert.is(e.job.state, 'TIMEOUT');
    assert.match(e.error.message, /time limit \(--time=1 min/);
    assert.equal(timeoutRig ? jobsOf(timeoutRig).map((j) => j.state) : [], ['TIMEOUT']);
  }),
);

test.run();
