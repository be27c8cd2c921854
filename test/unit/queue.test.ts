/** The queue file: order, no duplicates, taking, cancelling, and a dead worker's entry waiting again. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Queue } from '../../src/queue/queue.js';

function fresh(): Queue {
  return new Queue(fs.mkdtempSync(path.join(os.tmpdir(), 'mreorg-queue-')));
}
const first = (w: Array<{ id: string }>) => (w[0] as never) ?? null;

test('add keeps order and never queues a script twice under one runconfig', async () => {
  const q = fresh();
  const r1 = await q.add([{ path: 'a.py', runconfig: 'std' }, { path: 'b.py', runconfig: 'std' }]);
  assert.is(r1.added.length, 2);
  const r2 = await q.add([{ path: 'a.py', runconfig: 'std' }, { path: 'a.py', runconfig: 'short' }]);
  assert.equal(r2.added.map((e) => `${e.path}@${e.runconfig}`), ['a.py@short']);
  assert.equal(r2.already.map((e) => e.path), ['a.py']);
  assert.equal((await q.list()).map((e) => `${e.path}@${e.runconfig}`), ['a.py@std', 'b.py@std', 'a.py@short']);
});

test('take marks the chosen entry running (this worker is alive); cancel then asks it to stop, finish removes it', async () => {
  const q = fresh();
  const undo = q.registerWorker();
  await q.add([{ path: 'a.py', runconfig: 'std' }, { path: 'b.py', runconfig: 'std' }]);
  const taken = await q.take(first);
  assert.is(taken?.path, 'a.py');
  assert.equal((await q.list()).map((e) => e.status), ['running', 'waiting']);
  assert.is((await q.take((w) => w.find((e) => e.path === 'a.py') ?? null)), null, 'a running entry is not taken twice');
  const c = await q.cancel(() => true, true);
  assert.equal(c.removed.map((e) => e.path), ['b.py'], 'clear: waiting entries only');
  assert.equal(c.stopping, []);
  const c2 = await q.cancel((e) => e.path === 'a.py');
  assert.equal(c2.stopping.map((e) => e.path), ['a.py']);
  assert.ok(await q.cancelRequested(taken!.id));
  await q.finish(taken!.id);
  assert.equal(await q.list(), []);
  undo();
});

test("an entry taken by a worker that is gone counts as waiting, and release puts a worker's entry back", async () => {
  const q = fresh();
  await q.add([{ path: 'a.py', runconfig: 'std' }]);
  const raw = JSON.parse(fs.readFileSync(q.file, 'utf8'));
  raw.entries[0].taker = { worker: 'deadbeef', host: os.hostname(), pid: 1, at: new Date().toISOString() };
  fs.writeFileSync(q.file, JSON.stringify(raw));
  assert.equal((await q.list()).map((e) => e.status), ['waiting']);
  const undo = q.registerWorker();
  const t = await q.take(first);
  assert.is(t?.path, 'a.py');
  await q.release(t!.id);
  assert.equal((await q.list()).map((e) => [e.status, e.taker]), [['waiting', undefined]]);
  undo();
});

test('move reorders a waiting entry', async () => {
  const q = fresh();
  await q.add(['a.py', 'b.py', 'c.py'].map((p) => ({ path: p, runconfig: 'std' })));
  const c = (await q.list())[2]!;
  assert.ok(await q.move(c.id, 0));
  assert.equal((await q.list()).map((e) => e.path), ['c.py', 'a.py', 'b.py']);
});

test('a queue file that is not JSON is a user error naming it', async () => {
  const q = fresh();
  fs.writeFileSync(q.file, '{ nope');
  try {
    await q.list();
    assert.unreachable();
  } catch (e) {
    assert.is((e as Error).name, 'UserError');
    assert.match((e as Error).message, q.file);
  }
});

test.run();
