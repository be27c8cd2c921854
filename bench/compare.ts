/**
 * What comparing results costs per figure, on real matplotlib PNGs (640x480, made by /usr/bin/python3 in
 * bench/work/compare/): the snapshot every successful run takes (read, hash, keep a copy once per content), the
 * comparison of an unchanged figure (equal hashes: nothing decoded) and of a changed one (both decoded,
 * pixelmatch, the diff image encoded and kept). Then the same for a build of 1,000 figures.
 *
 *   node --import tsx bench/compare.ts [--n 1000]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { compareFigure } from '../src/compare/compare.js';
import { compareImages } from '../src/compare/images.js';
import { BlobStore, readStored } from '../src/compare/store.js';
import type { StoredImage } from '../src/model/change.js';

const n = Number(process.argv[process.argv.indexOf('--n') + 1] || 1000) || 1000;
const work = path.resolve('bench/work/compare');
fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync(work, { recursive: true });
execFileSync(process.env.MREORG_PYTHON || '/usr/bin/python3', ['-c', `
import matplotlib; matplotlib.use('Agg')
import matplotlib.pyplot as plt, numpy as np
x = np.linspace(0, 10, 400)
for name, gain in (('a', 1.0), ('b', 1.2)):
    fig = plt.figure(); plt.plot(x, np.tanh(gain * x / 5) * 40); plt.plot(x, np.sin(x) * 10); plt.title('f-I curve')
    fig.savefig('${work}/' + name + '.png'); plt.close(fig)
`]);
const a = fs.readFileSync(path.join(work, 'a.png'));
const b = fs.readFileSync(path.join(work, 'b.png'));
const store = new BlobStore(path.join(work, 'store'), work);

function time(label: string, rounds: number, fn: () => Promise<unknown> | unknown): Promise<number> {
  return (async () => {
    for (let i = 0; i < 5; i++) await fn(); // warm up
    const t0 = performance.now();
    for (let i = 0; i < rounds; i++) await fn();
    const ms = (performance.now() - t0) / rounds;
    console.log(`${label.padEnd(58)} ${ms.toFixed(3)} ms per figure`);
    return ms;
  })();
}

const img = async (bytes: Buffer): Promise<StoredImage> => ({ ...(await store.put(bytes)), width: 640, height: 480 });
const [ia, ib] = [await img(a), await img(b)];
const ports = { read: (f: string) => readStored(work, f), store: (png: Buffer) => store.put(png) };
const snapshot = await time('snapshot: read + sha256 + copy kept (already stored)', 200, async () => store.put(await fs.promises.readFile(path.join(work, 'a.png'))));
const same = await time('compare, unchanged (equal hashes: nothing decoded)', 2000, () => compareFigure('f', ia, ia, ports, 0));
const decodeOnly = await time('compare, same pixels other bytes (decode both + pixelmatch)', 30, () => compareImages(a, Buffer.from(a)));
const changed = await time('compare, changed (decode + pixelmatch + diff encoded, kept)', 30, () => compareFigure('f', ia, ib, ports, 0));
console.log(`\nPNG ${a.length} B, 640x480. A build of ${n} figures:`);
console.log(`  all unchanged: ${((snapshot + same) * n / 1000).toFixed(2)} s (snapshot + hash comparison)`);
console.log(`  all changed:   ${((snapshot + changed) * n / 1000).toFixed(2)} s (snapshot + pixel comparison + diff image)`);
console.log(`  (re-encoded but identical pixels: ${((snapshot + decodeOnly) * n / 1000).toFixed(2)} s)`);
