/** Figures through `mreorg build`: the shim with real matplotlib, zero edits, and the examples project. */
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withTimeout } from '../helpers/timeout.js';
import { Rig, entry, repoRoot } from '../helpers/rig.js';
import { paths } from '../../src/report/slug.js';

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

/** The Figures cell of a script's row in the overview, and the Figures cells of its page's runs table. */
function reportCounts(script: string): { overview: string; runs: string[] } {
  const index = rig.read('report/index.html');
  const row = new RegExp(`>${script.replace(/[./]/g, '\\$&')}</a>[\\s\\S]*?class="num figcol" data-v="(\\d+)"`).exec(index);
  const page = rig.read(`report/${paths.script(script)}`);
  return { overview: row?.[1] ?? 'no row', runs: [...page.matchAll(/<td class="num">(\d*)<\/td>/g)].map((m) => m[1]!) };
}

test(
  'figures are counted, not files: with one format and with two, the JSON, the terminal, the overview and the script page all say 2',
  withTimeout(T, async () => {
    rig.write({ 'plots/two.py': 'import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.figure()\nplt.plot([2, 1])\n' });
    const png = await rig.json(['build']);
    assert.is(png.res.code, 0, png.res.stderr);
    const one = entry(png.doc, 'plots/two.py').figures;
    assert.equal(one.map((f: any) => [f.name, f.formats]), [['Autosave_figure_1', ['png']], ['Autosave_figure_2', ['png']]], 'PNG only by default');
    assert.match(png.res.stderr, /plots\/two\.py .* 2 fig/);
    assert.equal(reportCounts('plots/two.py'), { overview: '2', runs: ['2'] });

    rig.write({ 'mreorg.config.ts': "export default { figures: { formats: ['png', 'svg'] } };\n" });
    const both = await rig.json(['build', '-B']);
    assert.is(both.res.code, 0, both.res.stderr);
    const two = entry(both.doc, 'plots/two.py').figures;
    assert.equal(two.map((f: any) => [f.number, f.formats, f.files.length]), [[1, ['png', 'svg'], 2], [2, ['png', 'svg'], 2]]);
    assert.match(both.res.stderr, /plots\/two\.py .* 2 fig/);
    assert.not.match(both.res.stderr, /4 fig/);
    assert.equal(reportCounts('plots/two.py'), { overview: '2', runs: ['2', '2'] }, 'both runs: 2 figures each');
    const shown = (await rig.json(['show', 'plots/two.py'])).doc.runs[0].figures;
    assert.equal(shown, two);
  }),
);

test(
  'a large figure is hard-linked into the report (one inode for both files), a small one copied',
  withTimeout(T, async () => {
    rig.write({
      'raster.py': [
        'import numpy as np',
        'import matplotlib.pyplot as plt',
        'plt.figure(figsize=(8, 8))',
        'plt.imshow(np.random.default_rng(0).random((800, 800)))',
        'plt.figure()',
        'plt.plot([1, 2, 3])',
      ].join('\n'),
    });
    const b = await rig.json(['build']);
    assert.is(b.res.code, 0, b.res.stderr);
    const [big, small] = entry(b.doc, 'raster.py').figures.map((f: any) => fs.statSync(rig.path(f.files[0])));
    assert.ok(big!.size >= 256 * 1024 && small!.size < 256 * 1024, `sizes ${big!.size} and ${small!.size}`);
    const stored = fs.readdirSync(rig.path('report/figures')).map((f) => fs.statSync(rig.path(`report/figures/${f}`)));
    const linked = stored.filter((s) => s.ino === big!.ino);
    assert.is(linked.length, 1, 'the report holds the large figure as the same file');
    assert.is(linked[0]!.nlink, 2);
    assert.is(big!.dev, linked[0]!.dev);
    const copy = stored.filter((s) => s.size === small!.size);
    assert.is(copy.length, 1);
    assert.ok(copy[0]!.ino !== small!.ino && copy[0]!.nlink === 1, 'the small figure is a copy');
  }),
);

test.run();
