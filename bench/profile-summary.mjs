#!/usr/bin/env node
/**
 * Summarises V8 CPU profiles (`node --cpu-prof`): self time per function (file:line function) and per file, and
 * the total (inclusive) time of mreorg's own functions, the top ones first, in milliseconds. Self time of a
 * sample = the time delta that follows it (as Chrome does).
 *
 * Usage: node bench/profile-summary.mjs [--top 25] [--json out.json] PROFILE.cpuprofile...
 */
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

function parseArgs(argv) {
  const o = { top: 25, json: null, files: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--top') o.top = Number(argv[++i]);
    else if (argv[i] === '--json') o.json = argv[++i];
    else o.files.push(argv[i]);
  }
  if (o.files.length === 0) throw new Error('profile-summary: give at least one .cpuprofile file');
  return o;
}

/** Where a function lives, short: project files relative to the repo, packages as `pkg:<name>/file`. */
function where(url) {
  if (!url) return '(native)';
  let p = url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url;
  const nm = p.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = p.slice(nm + '/node_modules/'.length).split('/');
    const name = rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
    return `pkg:${name}/${rest.slice(rest[0].startsWith('@') ? 2 : 1).join('/')}`;
  }
  // The benchmark measures a snapshot of mreorg in <work>/pkg/: name its files as in the repository.
  const snap = /\/pkg\/((?:dist|src|bench)\/.*)$/.exec(p);
  if (snap) return snap[1];
  if (p.startsWith(ROOT + '/')) return path.relative(ROOT, p);
  return p;
}

const FS_NATIVE = new Set(['stat', 'lstat', 'fstat', 'readdir', 'open', 'openSync', 'read', 'close', 'openFileHandle', 'readFileUtf8', 'writeFileUtf8', 'realpath', 'mkdir', 'unlink', 'rename', 'fsync', 'writeBuffer', 'writeString', 'internalModuleStat', 'existsSync', 'access']);

/** A coarse category for a call frame: where a no-op build's time goes, by kind of work. */
function category(cf) {
  const name = cf.functionName;
  const file = where(cf.url);
  if (name === '(garbage collector)') return 'garbage collection';
  if (name === '(idle)') return 'idle (waiting for I/O or child processes)';
  if (name === '(program)') return 'V8/native, unattributed';
  if (/^node:internal\/(modules|bootstrap)|^node:internal\/process\/(esm_loader|pre_execution)/.test(file) || name === 'ModuleWrap' || name === 'compileFunction')
    return 'loading modules (node, npm packages, dist/)';
  if (file.startsWith('pkg:')) return 'npm packages (running)';
  if (FS_NATIVE.has(name) || /^node:(fs|internal\/fs)/.test(file)) return 'file system calls';
  if (file === 'node:path') return 'node:path (join, resolve, relative, normalize)';
  if (/child_process|node:net|spawn/i.test(file + name)) return 'spawning processes';
  if (/^(dist|src)\//.test(file)) return 'mreorg code (self time)';
  return 'other node internals';
}

export function summarise(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const { samples = [], timeDeltas = [] } = profile;
  for (let i = 0; i < samples.length; i++) {
    // timeDeltas[i] is the time before sample i; the time a sample stands for is the next delta.
    const dt = (timeDeltas[i + 1] ?? 0) / 1000;
    self.set(samples[i], (self.get(samples[i]) ?? 0) + dt);
  }
  // Inclusive ("total") time of mreorg's own functions: a sample counts once for every distinct project function
  // on its stack, so recursion is not counted twice.
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (n) => {
    const cf = n.callFrame;
    return cf.url ? `${where(cf.url)}:${cf.lineNumber + 1} ${cf.functionName || '(anonymous)'}` : cf.functionName || '(anonymous)';
  };
  const own = (n) => /^(dist|src)\//.test(where(n.callFrame.url));
  const inclusive = new Map();
  for (const [id, ms] of self) {
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur);
      if (!own(n)) continue;
      const k = keyOf(n);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + ms);
    }
  }
  const fns = new Map();
  const files = new Map();
  for (const [id, ms] of self) {
    const n = byId.get(id);
    const cf = n.callFrame;
    const file = where(cf.url);
    const name = cf.functionName || '(anonymous)';
    const key = cf.url ? `${file}:${cf.lineNumber + 1} ${name}` : name;
    fns.set(key, (fns.get(key) ?? 0) + ms);
    files.set(file, (files.get(file) ?? 0) + ms);
  }
  // Coarse categories of self time, to see at a glance what a run is made of.
  const cats = new Map();
  for (const [id, ms] of self) {
    const n = byId.get(id);
    const c = category(n.callFrame);
    cats.set(c, (cats.get(c) ?? 0) + ms);
  }
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const sort = (m) => [...m].sort((a, b) => b[1] - a[1]).map(([k, ms]) => ({ name: k, ms: Math.round(ms * 10) / 10 }));
  return { totalMs: Math.round(totalMs), functions: sort(fns), files: sort(files), inclusive: sort(inclusive), categories: sort(cats) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.on('error', () => process.exit(0)); // `| head`
  const o = parseArgs(process.argv.slice(2));
  const out = [];
  for (const f of o.files) {
    const s = summarise(JSON.parse(fs.readFileSync(f, 'utf8')));
    out.push({ file: path.basename(f), ...s, functions: s.functions.slice(0, o.top), files: s.files.slice(0, o.top), inclusive: s.inclusive.slice(0, o.top) });
    process.stdout.write(`\n${path.basename(f)}: ${s.totalMs} ms profiled\n  self time by function:\n`);
    for (const x of s.functions.slice(0, o.top)) process.stdout.write(`  ${String(x.ms).padStart(9)} ms  ${x.name}\n`);
    process.stdout.write('  self time by category:\n');
    for (const x of s.categories) process.stdout.write(`  ${String(x.ms).padStart(9)} ms  ${x.name}\n`);
    process.stdout.write('  total (inclusive) time of mreorg functions:\n');
    for (const x of s.inclusive.slice(0, o.top)) process.stdout.write(`  ${String(x.ms).padStart(9)} ms  ${x.name}\n`);
    process.stdout.write('  self time by file:\n');
    for (const x of s.files.slice(0, Math.min(o.top, 15))) process.stdout.write(`  ${String(x.ms).padStart(9)} ms  ${x.name}\n`);
  }
  if (o.json) fs.writeFileSync(o.json, JSON.stringify(out, null, 2));
}
