/** `mreorg serve`: the served report, its security, its workers, and how it stops. */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withTimeout } from '../helpers/timeout.js';
import { isRunning, Rig } from '../helpers/rig.js';
import { post, request, startServe, tokenOf, type Served } from '../helpers/serve.js';

const T = 150_000;
const test = suite('serve');
let rig: Rig;
let served: Served | null = null;
test.before.each(() => {
  rig = new Rig();
});
test.after.each(async () => {
  if (served && served.child.exitCode === null) {
    served.child.kill('SIGINT');
    await served.done.catch(() => {});
  }
  served = null;
  rig.killLeftovers();
  rig.cleanup();
});

function queued(): string[] {
  return rig.exists('.mreorg/queue.json') ? JSON.parse(rig.read('.mreorg/queue.json')).entries.map((e: { path: string }) => e.path) : [];
}

test(
  'what an attacker tries is refused (403/400) and queues nothing; the page itself may queue',
  withTimeout(T, async () => {
    rig.write({ 'a.py': 'print(1)\n', 'lib/helper.py': 'X = 1\n', 'secret.txt': 'no\n' });
    served = await startServe(rig, ['--workers', '0']);
    const { port } = served;
    const token = await tokenOf(port);
    const add = { action: 'add', runconfig: 'default', paths: ['a.py'] };
    const refusals: Array<[string, Promise<{ status: number; body: string }>, number]> = [
      ['no token', post(port, token, add, { 'x-mreorg-token': '' }), 403],
      ['a wrong token', post(port, token, add, { 'x-mreorg-token': token.replace(/.$/, (c) => (c === '0' ? '1' : '0')) }), 403],
      ['another Origin', post(port, token, add, { origin: 'http://evil.example' }), 403],
      ['no Origin', post(port, token, add, { origin: '' }), 403],
      ['a foreign Host (DNS rebinding)', post(port, token, add, { host: `evil.example:${port}`, origin: `http://evil.example:${port}` }), 403],
      ['a form post, not JSON', post(port, token, add, { 'content-type': 'application/x-www-form-urlencoded' }), 403],
      ['../ in a path', post(port, token, { ...add, paths: ['../a.py'] }), 400],
      ['an absolute path', post(port, token, { ...add, paths: [rig.path('a.py')] }), 400],
      ['a file that is not a script', post(port, token, { ...add, paths: ['secret.txt'] }), 400],
      ['an unknown script among known ones', post(port, token, { ...add, paths: ['a.py', 'nope.py'] }), 400],
      ['an unknown runconfig', post(port, token, { ...add, runconfig: 'evil' }), 400],
      ['a shell command as an action', post(port, token, { action: 'rm -rf /' }), 400],
    ];
    for (const [what, answer, status] of refusals) {
      const a = await answer;
      assert.is(a.status, status, `${what}: ${a.body}`);
    }
    assert.equal(queued(), [], 'nothing was queued');
    const page = await request(port, 'GET', '/', { host: `evil.example:${port}` });
    assert.is(page.status, 403, 'pages are not served to a foreign Host either');
    const out = await request(port, 'GET', '/%2e%2e/secret.txt');
    assert.ok(out.status === 400 || out.status === 404, `no file outside the report: ${out.status}`);
    // The same request from the page goes through.
    const ok = await post(port, token, add);
    assert.is(ok.status, 200, ok.body);
    assert.equal(queued(), ['a.py']);
    const again = await post(port, token, add);
    assert.is(JSON.parse(again.body).already.length, 1, 'a second Run is a no-op that says so');
    // Reordering: the queue page moves an entry by its id.
    assert.is((await post(port, token, { ...add, paths: ['lib/helper.py'] })).status, 200);
    const ids = JSON.parse(rig.read('.mreorg/queue.json')).entries.map((e: { id: string }) => e.id);
    assert.is((await post(port, token, { action: 'move', id: ids[1], index: 0 })).status, 200);
    assert.equal(queued(), ['lib/helper.py', 'a.py']);
    assert.is((await post(port, token, { action: 'move', id: '../../x', index: 0 }, { 'x-mreorg-token': 'nope' })).status, 403);
    assert.is((await post(port, token, { action: 'move', id: ids[1], index: -1 })).status, 400);
  }),
);

test(
  'a folder monitored from the page: kept in the ledger, its scripts found untracked, never one outside the project',
  withTimeout(T, async () => {
    // The config monitors only sims/; analysis/ is found once the page adds it.
    rig.write({
      'mreorg.config.mjs': "export default { monitor: [{ dir: 'sims', autoTrack: true }] };\n",
      'sims/a.py': 'print(1)\n',
      'analysis/deep/b.py': 'print(2)\n',
    });
    fs.mkdirSync(rig.path('../outside-' + path.basename(rig.dir)), { recursive: true });
    served = await startServe(rig, ['--workers', '0']);
    const { port } = served;
    const token = await tokenOf(port);
    const refused: Array<[string, unknown, RegExp]> = [
      ['a folder outside the project', '../outside-' + path.basename(rig.dir), /inside the project/],
      ['an absolute path outside', '/etc', /inside the project/],
      ['a folder that does not exist', 'nope', /no folder/],
      ["mreorg's own folder", '.mreorg', /own folders/],
      ['a folder the config monitors', 'sims', /monitored already/],
      ['not a string', ['sims'], /expected a folder/],
    ];
    for (const [what, dir, why] of refused) {
      const a = await post(port, token, { action: 'monitor', dir });
      assert.is(a.status, 400, `${what}: ${a.body}`);
      assert.match(JSON.parse(a.body).error, why, what);
    }
    assert.is((await post(port, token, { action: 'monitor', dir: 'analysis' }, { origin: 'http://evil.example' })).status, 403);
    const ok = await post(port, token, { action: 'monitor', dir: 'analysis/' });
    assert.is(ok.status, 200, ok.body);
    assert.equal(JSON.parse(rig.read('.mreorg/ledger.json')).monitors, ['analysis'], 'kept in the ledger, project-relative');
    // The terminal sees it too: the folder's script is found, untracked until ticked.
    const status = JSON.parse((await rig.run(['status', '--json'])).stdout);
    assert.equal(status.scripts.map((x: { path: string; state: string }) => [x.path, x.state]), [['analysis/deep/b.py', 'untracked'], ['sims/a.py', 'never-run']]);
    const tracking = await request(port, 'GET', '/tracking.html');
    assert.match(tracking.body, /data-monitor="analysis"/);
    assert.is((await post(port, token, { action: 'unmonitor', dir: 'sims' })).status, 400, "the config's folders are changed in the config");
    assert.is((await post(port, token, { action: 'unmonitor', dir: 'analysis' })).status, 200);
    assert.equal(JSON.parse(rig.read('.mreorg/ledger.json')).monitors, []);
    const after = JSON.parse((await rig.run(['status', '--json'])).stdout);
    assert.equal(after.scripts.map((x: { path: string }) => x.path), ['sims/a.py']);
    fs.rmSync(rig.path('../outside-' + path.basename(rig.dir)), { recursive: true, force: true });
  }),
);

test(
  'the served pages carry the controls and a strict CSP; the report on disk does not',
  withTimeout(T, async () => {
    rig.write({ 'a.py': 'print(1)\n' });
    served = await startServe(rig, ['--workers', '0']);
    const page = await request(served.port, 'GET', '/index.html');
    assert.is(page.status, 200);
    assert.match(page.body, '<script src="/_mreorg/live.js" defer></script>');
    assert.match(String(page.headers['content-security-policy']), "script-src 'self'");
    assert.not.match(String(page.headers['content-security-policy']), 'unsafe-inline');
    const disk = rig.read('report/index.html');
    assert.not.match(disk, 'mreorg-token');
    assert.not.match(disk, 'live.js');
    const js = await request(served.port, 'GET', '/_mreorg/live.js');
    assert.is(js.status, 200);
    assert.match(String(js.headers['content-type']), 'text/javascript');
  }),
);

test(
  'a port in use: a message naming the port and --port, exit 2',
  withTimeout(T, async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const res = await rig.run(['serve', '--port', String(port), '--workers', '0']);
      assert.is(res.code, 2, res.stderr);
      assert.match(res.stderr, `Port ${port}`);
      assert.match(res.stderr, '--port');
      assert.not.match(res.stderr, /\n\s+at /, 'no stack trace');
    } finally {
      blocker.close();
    }
  }),
);

test(
  '--open hands the served address to the desktop\'s opener (xdg-open)',
  withTimeout(T, async () => {
    rig.write({ 'a.py': 'print(1)\n', 'bin/xdg-open': '#!/bin/sh\necho "$1" > "$(dirname "$0")/../opened.txt"\n' });
    fs.chmodSync(rig.path('bin/xdg-open'), 0o755);
    served = await startServe(rig, ['--workers', '0', '--open'], { PATH: `${rig.path('bin')}:${process.env.PATH}` });
    await rig.until('the opener to be called', () => rig.exists('opened.txt'));
    assert.is(rig.read('opened.txt').trim(), `${served.base}/`);
  }),
);

test(
  'a non-loopback --host without --token is refused',
  withTimeout(T, async () => {
    const res = await rig.run(['serve', '--host', '0.0.0.0', '--port', '0']);
    assert.is(res.code, 2);
    assert.match(res.stderr, /--token/);
  }),
);

test(
  'a server with a worker and a separate worker run 6 queued scripts exactly once; Ctrl-C stops them, exit 130',
  withTimeout(T, async () => {
    const names = ['s1', 's2', 's3', 's4', 's5', 's6'];
    for (const n of names) rig.write({ [`${n}.py`]: `import os, time\nopen("${n}.ran." + str(os.getpid()), "w").close()\ntime.sleep(0.5)\n` });
    served = await startServe(rig, ['--workers', '1']);
    const other = rig.start(['worker']);
    try {
      const token = await tokenOf(served.port);
      const res = await post(served.port, token, { action: 'add', runconfig: 'default', which: 'stale' });
      assert.is(res.status, 200, res.body);
      assert.is(JSON.parse(res.body).added.length, 6);
      await rig.until('every script recorded', () => {
        try {
          const l = JSON.parse(rig.read('.mreorg/ledger.json'));
          return names.every((n) => l.latest[`${n}.py`]?.default?.result === 'success') && queued().length === 0;
        } catch {
          return false;
        }
      }, 120_000);
      const files = fs.readdirSync(rig.dir);
      for (const n of names) assert.is(files.filter((f) => f.startsWith(`${n}.ran.`)).length, 1, `${n} ran once`);
      let states: string[] = [];
      await rig.until('the served state to follow the ledger', () => {
        void request(served!.port, 'GET', '/_mreorg/state').then((a) => (states = JSON.parse(a.body).scripts.map((s: { state: string }) => s.state)));
        return states.length === 6 && states.every((s) => s === 'up-to-date');
      });
      other.child.kill('SIGINT');
      assert.is((await other.done).code, 130);
    } finally {
      if (other.child.exitCode === null) other.child.kill('SIGINT');
    }
    served.child.kill('SIGINT');
    const done = await served.done;
    assert.is(done.code, 130, done.stderr);
  }),
);

test(
  'the event stream announces a change when the queue changes from the terminal',
  withTimeout(T, async () => {
    rig.write({ 'a.py': 'print(1)\n' });
    served = await startServe(rig, ['--workers', '0']);
    const http = await import('node:http');
    const seen: string[] = [];
    const req = http.get({ host: '127.0.0.1', port: served.port, path: '/_mreorg/events', headers: { host: `127.0.0.1:${served.port}` } }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (d: string) => seen.push(...[...d.matchAll(/event: change\ndata: (\d+)/g)].map((m) => m[1]!)));
    });
    try {
      await rig.until('the first event', () => seen.length >= 1);
      assert.is((await rig.run(['queue', 'add', 'a.py'])).code, 0);
      await rig.until('a change event after queue add', () => seen.length >= 2);
      const state = JSON.parse((await request(served.port, 'GET', '/_mreorg/state')).body);
      assert.equal(state.queue.map((e: { path: string; status: string }) => [e.path, e.status]), [['a.py', 'waiting']]);
    } finally {
      req.destroy();
    }
  }),
);

const SLOW = 'import os, time\nopen("slow.pid", "w").write(str(os.getpid()))\ntime.sleep(120)\n';

for (const how of ['SIGINT', 'SIGKILL'] as const) {
  test(
    `${how} to the server while its worker runs a script: the script stops, its run is recorded interrupted, it stays queued`,
    withTimeout(T, async () => {
      rig.write({ 'slow.py': SLOW });
      served = await startServe(rig, ['--workers', '1']);
      assert.is((await rig.run(['queue', 'add', 'slow.py'])).code, 0);
      await rig.until('slow.py running', () => rig.exists('slow.pid'));
      served.child.kill(how);
      const done = await served.done;
      if (how === 'SIGINT') assert.is(done.code, 130, done.stderr);
      // Killed outright, the server cannot stop its worker: the worker sees its parent gone and stops itself.
      await rig.until('the run recorded as interrupted', () => {
        try {
          return JSON.parse(rig.read('.mreorg/ledger.json')).latest['slow.py']?.default?.result === 'interrupted';
        } catch {
          return false;
        }
      });
      await rig.until('the script stopped', () => !isRunning(Number(rig.read('slow.pid'))));
      // The worker itself ends too (its file names its pid): nothing is left writing in the project.
      await rig.until('the worker gone', () =>
        fs.readdirSync(rig.path('.mreorg/workers')).every((f) => {
          try {
            return !isRunning(JSON.parse(rig.read(`.mreorg/workers/${f}`)).pid);
          } catch {
            return true;
          }
        }),
      );
      assert.equal(queued(), ['slow.py']);
    }),
  );
}

test.run();
