/** Figures through `mreorg build`: the shim with real matplotlib, zero edits, and the examples project. */
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withTimeout } from '../helpers/timeout.js';
import { Rig, entry, repoRoot } from '../helpers/rig.js';

const T = 120_000;
const test = suite('figures');
let rig: Rig;
test.before.each(() => {
  rig = new Rig();
});
test.after.each(() => rig.cleanup());

test(
  'a script that never imports mreorg still has its figures saved, beside the script, in every configured format',
  withTimeout(T, async () => {
    rig.write({
      'mreorg.config.ts': "export default { figures: { formats: ['png', 'pdf'] } };\n",
      'sims/plot.py': 'import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.figure()\nplt.plot([3, 2, 1])\nplt.show()\n',
    });
    const b = await rig.json(['build']);
    assert.is(b.res.code, 0, b.res.stderr);
    const dir = 'sims/_output/figures/plot';
    assert.equal(entry(b.doc, 'sims/plot.py').figures, [
      { name: 'Autosave_figure_1', number: 1, formats: ['png', 'pdf'], files: [`${dir}/png/fig000_Autosave_figure_1.png`, `${dir}/pdf/fig000_Autosave_figure_1.pdf`] },
      { name: 'Autosave_figure_2', number: 2, formats: ['png', 'pdf'], files: [`${dir}/png/fig001_Autosave_figure_2.png`, `${dir}/pdf/fig001_Autosave_figure_2.pdf`] },
    ]);
    for (const f of entry(b.doc, 'sims/plot.py').figures.flatMap((g: any) => g.files)) assert.ok(fs.statSync(rig.path(f)).size > 0, f);
    const stdout = (await rig.json(['show', 'sims/plot.py'])).doc.runs[0].stdout;
    assert.match(stdout, /Saving File .*fig000_Autosave_figure_1\.png/);
  }),
);

test(
  'pylab.show, named figures, in-script format override, and figures saved when the script raises',
  withTimeout(T, async () => {
    rig.write({
      'named.py': [
        'import mreorg',
        'import pylab',
        'mreorg.PlotManager.autosave_image_formats = ["svg"]',
        'fig = pylab.figure()',
        'pylab.plot([1, 2])',
        'mreorg.PlotManager.save_figure(figname="raster", figure=fig)',
        'pylab.show()',
      ].join('\n'),
      'crash.py': 'import matplotlib.pyplot as plt\nplt.plot([1, 2])\nraise RuntimeError("diverged at t=3")\n',
    });
    const b = await rig.json(['build']);
    const named = entry(b.doc, 'named.py').figures.flatMap((g: any) => g.files);
    assert.ok(named.some((f: string) => /svg\/fig\d{3}_raster\.svg$/.test(f)), JSON.stringify(named));
    assert.ok(named.every((f: string) => f.endsWith('.svg')), JSON.stringify(named));
    const crash = entry(b.doc, 'crash.py');
    assert.is(crash.result, 'failed');
    assert.equal(crash.error, { type: 'RuntimeError', message: 'diverged at t=3' });
    assert.ok(crash.figures.some((g: any) => g.files[0].endsWith('fig000_Autosave_figure_1.png')), JSON.stringify(crash.figures));
    const run = (await rig.json(['show', 'crash.py'])).doc.runs[0];
    assert.equal(run.error.frames.map((f: any) => [path.basename(f.file), f.line]), [['crash.py', 3]]);
  }),
);

test(
  'a script that never plots does not import matplotlib because of mreorg',
  withTimeout(T, async () => {
    rig.write({ 'noplot.py': 'import sys\nimport mreorg\nprint("matplotlib" in sys.modules)\n' });
    const b = await rig.json(['build']);
    assert.equal(entry(b.doc, 'noplot.py').figures, []);
    assert.is((await rig.json(['show', 'noplot.py'])).doc.runs[0].stdout, 'False\n');
  }),
);

test(
  'the examples project builds: figures in the JSON, the failing example recorded as an expected failure, the reader ordered after the writer',
  withTimeout(T, async () => {
    fs.cpSync(path.join(repoRoot, 'examples'), rig.path('examples'), { recursive: true, filter: (src) => !/(_output|__pycache__|examples\/data)/.test(src) });
    fs.copyFileSync(path.join(repoRoot, 'mreorg.config.ts'), rig.path('mreorg.config.ts'));
    const b = await rig.json(['build'], { timeoutMs: 110_000 });
    assert.is(b.res.code, 0, b.res.stderr);
    assert.is(entry(b.doc, 'examples/analysis/broken_fit.py').error.type, 'ValueError');
    assert.is(entry(b.doc, 'examples/analysis/broken_fit.py').outcome, 'expected-failure');
    for (const p of ['examples/sims/simulate_lif.py', 'examples/network models/random_walk.py', 'examples/analysis/plot_fi_curve.py']) {
      assert.is(entry(b.doc, p).result, 'success', p);
      assert.ok(entry(b.doc, p).figures.some((g: any) => g.formats.includes('png')), p);
    }
    assert.ok(rig.exists('report/index.html'));
    const st = await rig.json(['status']);
    assert.equal(entry(st.doc, 'examples/analysis/plot_fi_curve.py').upstream, ['examples/sims/gen_fi_curve.py']);
    const quick = await rig.json(['build', '-g', 'paper1', '-r', 'short']);
    assert.equal(quick.doc.scripts.map((s: any) => s.path), ['examples/analysis/plot_fi_curve.py', 'examples/sims/gen_fi_curve.py']);
    assert.is(quick.doc.counts.success, 2);
  }),
);

test.run();
