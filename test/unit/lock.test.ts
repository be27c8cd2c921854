import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { heldByOther, tryLock, unlock } from '../../src/ledger/lock.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mreorg-lock-'));
const write = (file: string, pid: number, at = new Date().toISOString()): void =>
  fs.writeFileSync(file, JSON.stringify({ pid, host: os.hostname(), at }));

test('a lock of a dead process is taken over; the stale file is gone', () => {
  const file = path.join(dir, 'a.lock');
  write(file, 2 ** 22 + 12345); // above the usual pid_max: no such process
  assert.ok(tryLock(file));
  assert.is(JSON.parse(fs.readFileSync(file, 'utf8')).pid, process.pid);
  assert.equal(fs.readdirSync(dir).filter((f) => f.includes('.stale-')), []);
  unlock(file);
  assert.not.ok(fs.existsSync(file));
});

test('a lock of a live process is respected', () => {
  const file = path.join(dir, 'b.lock');
  write(file, process.ppid);
  assert.not.ok(tryLock(file));
  assert.ok(heldByOther(file));
  fs.rmSync(file);
});

test('our own lock is not taken twice', () => {
  const file = path.join(dir, 'c.lock');
  assert.ok(tryLock(file));
  assert.not.ok(tryLock(file));
  unlock(file);
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
test.run();
