import { defineConfig } from 'mreorg';

// The config that builds examples/: `mreorg build` (or `npm run examples`) in this folder.
export default defineConfig({
  // Debian's python3 has matplotlib (python3-matplotlib); MREORG_PYTHON or --python override it.
  python: '/usr/bin/python3',
  jobs: 2,
  monitor: [
    { dir: 'examples/sims', recurse: true, autoTrack: true, shouldExist: true, group: 'sims' },
    { dir: 'examples/analysis', autoTrack: true },
    { dir: 'examples/network models', autoTrack: true },
  ],
  exclude: ['__*.py', '*old*.py'],
  groups: {
    paper1: ['examples/sims/gen*.py', 'examples/analysis/plot_*.py'],
  },
  runconfigs: {
    std: { timeout: 600, env: { MF_QUICK: null }, argv: [] },
    short: { timeout: 60, env: { MF_QUICK: '' }, argv: ['--quick'] },
  },
  defaultRunconfig: 'std',
  figures: { formats: ['png', 'svg'] },
  // broken_fit.py fails on purpose (it shows what a traceback looks like): expected, so the build stays green
  // while it keeps failing, and goes red if it ever starts succeeding.
  scripts: { 'examples/analysis/broken_fit.py': { expect: 'fail' } },
  report: { dir: 'report', title: 'mreorg examples' },
  // Which lines of examples/lib/ the scripts run (Debian's python3-coverage): the report's Coverage page.
  coverage: { enabled: true },
  ledger: '.mreorg/ledger.json',
});
