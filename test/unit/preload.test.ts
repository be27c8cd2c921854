import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { preloadSet } from '../../src/run/preload.js';

const test = suite('preload');

test('learned distributions become module names, matplotlib its pyplot, config first, sorted after', () => {
  assert.equal(preloadSet(['numpy', 'Pillow', 'matplotlib', 'python-dateutil'], { preload: ['scipy.optimize'], exclude: [] }), [
    'scipy.optimize', 'PIL', 'dateutil', 'matplotlib', 'matplotlib.pyplot', 'numpy',
  ]);
});

test('exclude, dropped packages and the fork-unsafe list are never preloaded, even when asked for', () => {
  assert.equal(preloadSet(['numpy', 'torch', 'matplotlib', 'tqdm'], { preload: ['tensorflow.keras'], exclude: ['matplotlib'] }, ['numpy']), []);
});

test.run();
