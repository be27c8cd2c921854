/** The exact human output of `status` and `show`, from fixed documents: what a user reads, byte for byte. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatShow, type ShowDocument } from '../../src/commands/show.js';
import { formatStatus, type StatusDocument } from '../../src/commands/status.js';
import type { Run } from '../../src/model/run.js';

test('status: states, groups, reasons, notes, warnings and counts', () => {
  const doc: StatusDocument = {
    runconfig: 'std',
    cycles: [['a.py', 'b.py', 'a.py']],
    cycleFiles: [['output/build.dat']],
    warnings: ['monitored directory old/ does not exist'],
    scripts: [
      { path: 'sims/sim_ok.py', state: 'up-to-date', reasons: [], notes: ['package numpy 1.24.2 -> 1.26.0 (not a rerun trigger: rerunOn.packages is off)'], groups: ['sims'], upstream: [] },
      { path: 'analysis/use.py', state: 'changed', reasons: ['lib/neuron.py changed', 'upstream sims/sim_ok.py will rerun'], notes: [], groups: [], upstream: ['sims/sim_ok.py'] },
      { path: 'x.py', state: 'never-run', reasons: ['never run under runconfig std'], notes: [], groups: [], upstream: [] },
      { path: 'y.py', state: 'untracked', reasons: [], notes: [], groups: [], upstream: [] },
    ],
  };
  assert.fixture(
    formatStatus(doc),
    [
      'warning: monitored directory old/ does not exist',
      'warning: dependency cycle a.py -> b.py -> a.py (they share output/build.dat): no order is enforced, but they never run at the same time',
      'up to date  sims/sim_ok.py   [sims]',
      '              note: package numpy 1.24.2 -> 1.26.0 (not a rerun trigger: rerunOn.packages is off)',
      'changed     analysis/use.py',
      '            - lib/neuron.py changed',
      '            - upstream sims/sim_ok.py will rerun',
      'never run   x.py           ',
      '            - never run under runconfig std',
      'untracked   y.py           ',
      '',
      'runconfig std: 4 scripts: 1 up to date, 1 changed, 1 never run, 1 untracked',
      '',
    ].join('\n'),
  );
});

test('status of one script says "1 script"', () => {
  const one: StatusDocument = { runconfig: 'std', cycles: [], cycleFiles: [], warnings: [], scripts: [{ path: 'a.py', state: 'never-run', reasons: [], notes: [], groups: [], upstream: [] }] };
  assert.match(formatStatus(one), /\nrunconfig std: 1 script: 1 never run\n$/);
});

test('status of an empty selection', () => {
  assert.fixture(formatStatus({ runconfig: 'short', cycles: [], cycleFiles: [], warnings: [], scripts: [] }), '\nrunconfig short: 0 scripts\n');
});

function run(over: Partial<Run>): Run {
  const out = (text: string) => ({ text, totalBytes: text.length, droppedBytes: 0, logFile: null });
  return {
    id: '20260101T000000000Z-abc123', path: 'sims/fit.py', runconfig: 'std', startedAt: '2026-01-01T00:00:00.000Z', durationMs: 1234,
    exitCode: 1, signal: null, result: 'failed', hash: 'h', env: {}, argv: [], python: { executable: '/usr/bin/python3', version: '3.11.2' },
    stdout: out('fitting\n'), stderr: out('Traceback ...\nValueError: math domain error\n'),
    error: { type: 'ValueError', message: 'math domain error', traceback: '', frames: [] },
    figures: [{ path: 'sims/_output/figures/fit/png/fig000.png', format: 'png', number: 1, name: 'fig000', width: 640, height: 480 }],
    deps: { modules: ['lib/neuron.py'], reads: ['data/x.csv'], writes: [], missing: ['data/old.csv'], packages: { numpy: '1.24.2' } },
    source: 'manifest',
    ...over,
  };
}

test('show: state, reasons, runs, the last run in full and what it used', () => {
  const doc: ShowDocument = {
    path: 'sims/fit.py',
    runconfig: 'std',
    state: 'failed',
    reasons: [],
    runs: [run({}), run({ id: 'r0', startedAt: '2025-12-31T23:00:00.000Z', result: 'success', exitCode: 0, durationMs: 61_000, runconfig: 'short' })],
  };
  assert.fixture(
    formatShow(doc),
    [
      'sims/fit.py: failed (runconfig std)',
      '',
      'Recent runs (newest first):',
      '  2026-01-01T00:00:00.000Z  std        failed      exit 1    1.23 s',
      '  2025-12-31T23:00:00.000Z  short      success     exit 0    1 min 01 s',
      '',
      'Last run 20260101T000000000Z-abc123: failed',
      'Error: ValueError: math domain error',
      'Figures (1):',
      '  sims/_output/figures/fit/png/fig000.png',
      'Imported local modules:',
      '  lib/neuron.py',
      'Read:',
      '  data/x.csv',
      'Tried to read (missing):',
      '  data/old.csv',
      'Packages:',
      '  numpy 1.24.2',
      '',
      '--- stdout ---',
      'fitting',
      '--- stderr ---',
      'Traceback ...',
      'ValueError: math domain error',
      '',
    ].join('\n'),
  );
});

test('show of a script never run', () => {
  assert.fixture(
    formatShow({ path: 'new.py', runconfig: 'std', state: 'never-run', reasons: ['never run under runconfig std'], runs: [] }),
    'new.py: never-run (runconfig std)\n  - never run under runconfig std\n\nNo runs recorded.\n',
  );
});

test.run();
