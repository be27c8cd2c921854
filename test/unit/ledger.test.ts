import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Ledger } from '../../src/ledger/ledger.js';
import type { LatestEntry } from '../../src/model/entry.js';
import type { Run } from '../../src/model/run.js';

function run(p: string, i: number): [Run, LatestEntry] {
  const startedAt = new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
  const out = { text: '', totalBytes: 0, droppedBytes: 0, logFile: null };
  const r: Run = {
    id: `${p}-${i}`, path: p, runconfig: 'std', startedAt, durationMs: 1, exitCode: 0, signal: null, result: 'success',
    hash: 'h', env: {}, argv: [], python: { executable: 'py', version: '3' }, stdout: out, stderr: out, error: null,
    figures: [], deps: null, source: 'manifest',
  };
  const e: LatestEntry = { runId: r.id, result: 'success', startedAt, durationMs: 1, fingerprint: { hash: 'h', env: {}, argv: [], python: '3', modules: {}, data: {}, packages: {} }, writes: [], figures: 0, error: null };
  return [r, e];
}

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'mreorg-ledger-'));

test('records, flushes and refreshes interleaved lose nothing', async () => {
  const dir = tmp();
  const file = path.join(dir, 'ledger.json');
  const l = await Ledger.open(file, 20, dir);
  const waits: Promise<void>[] = [];
  for (let i = 0; i < 150; i++) {
    l.record(...run(`s${i}.py`, i));
    waits.push(l.flush(), l.refresh());
  }
  await Promise.all(waits);
  await l.flush();
  const again = await Ledger.open(file, 20, dir);
  assert.is(Object.keys(again.data.latest).length, 150);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('two ledgers on one file (two builds) merge: both sets of runs are kept', async () => {
  const dir = tmp();
  const file = path.join(dir, 'ledger.json');
  const a = await Ledger.open(file, 20, dir);
  const b = await Ledger.open(file, 20, dir);
  const waits: Promise<void>[] = [];
  for (let i = 0; i < 60; i++) {
    a.record(...run(`a${i}.py`, i));
    b.record(...run(`b${i}.py`, i));
    waits.push(a.flush(), b.flush(), a.refresh(), b.refresh());
  }
  await Promise.all(waits);
  await a.flush();
  await b.flush();
  const merged = await Ledger.open(file, 20, dir);
  assert.is(Object.keys(merged.data.latest).length, 120);
  assert.is((await merged.runs('a7.py')).length, 1);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('history is bounded and newest first', async () => {
  const dir = tmp();
  const l = await Ledger.open(path.join(dir, 'ledger.json'), 3, dir);
  for (let i = 0; i < 5; i++) {
    l.record(...run('x.py', i));
    await l.flush();
  }
  const runs = await l.runs('x.py');
  assert.equal(runs.map((r) => r.id), ['x.py-4', 'x.py-3', 'x.py-2']);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("a ledger opened while another build is between writing its token and renaming its ledger in keeps that build's runs", async () => {
  const dir = tmp();
  const file = path.join(dir, 'ledger.json');
  const a = await Ledger.open(file, 20, dir);
  a.record(...run('x.py', 1));
  await a.flush();
  // Another build mid-write: its new token is on disk, its new ledger (with z.py) not yet.
  fs.writeFileSync(`${file}.gen`, 'writer-mid-write');
  const b = await Ledger.open(file, 20, dir);
  const withZ = JSON.parse(fs.readFileSync(file, 'utf8'));
  withZ.latest['z.py'] = { std: run('z.py', 2)[1] };
  fs.writeFileSync(file, JSON.stringify(withZ));
  b.record(...run('y.py', 3));
  await b.flush();
  const after = await Ledger.open(file, 20, dir);
  assert.equal(Object.keys(after.data.latest).sort(), ['x.py', 'y.py', 'z.py']);
  fs.rmSync(dir, { recursive: true, force: true });
});

test.run();
