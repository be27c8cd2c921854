/**
 * Which Python will run the scripts, and its version (part of every fingerprint). Asked once per command, with
 * `-S` so site-packages are not scanned: the probe costs a few milliseconds.
 */
import { execFile } from 'node:child_process';
import type { Interpreter } from '../model/run.js';
import { UserError } from '../util/errors.js';

export async function probeInterpreter(python: string, origin: string): Promise<Interpreter> {
  const code = 'import sys, platform; print(sys.executable); print(platform.python_version())';
  return new Promise((resolve, reject) => {
    execFile(python, ['-S', '-c', code], { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) {
        const e = err as NodeJS.ErrnoException;
        const why =
          e.code === 'ENOENT'
            ? 'was not found'
            : e.code === 'EACCES'
              ? 'is not executable'
              : `failed to start (${(stderr || e.message).trim().split('\n').pop()})`;
        reject(new UserError(`Python interpreter "${python}" ${why}. It comes from ${origin}; set "python" in the config, MREORG_PYTHON, or --python.`));
        return;
      }
      const [executable, version] = stdout.trim().split('\n');
      if (!executable || !version || !/^\d+\.\d+/.test(version)) {
        reject(new UserError(`"${python}" (from ${origin}) does not behave like a Python interpreter: it printed ${JSON.stringify(stdout.slice(0, 200))}.`));
        return;
      }
      resolve({ executable, version });
    });
  });
}

/**
 * Installed versions of the given distributions, as the interpreter sees them now (missing ones are left out).
 * One process for all of them; only asked when a plan needs it (status, or rerunOn.packages).
 */
export async function packageVersions(python: string, names: string[]): Promise<Record<string, string>> {
  if (names.length === 0) return {};
  const code = [
    'import json, sys',
    'from importlib import metadata',
    'out = {}',
    'for n in json.loads(sys.argv[1]):',
    '    try: out[n] = metadata.version(n)',
    '    except Exception: pass',
    'print(json.dumps(out))',
  ].join('\n');
  return new Promise((resolve) => {
    execFile(python, ['-c', code, JSON.stringify(names)], { timeout: 60_000 }, (err, stdout) => {
      if (err) return resolve({});
      try {
        resolve(JSON.parse(stdout) as Record<string, string>);
      } catch {
        resolve({});
      }
    });
  });
}
