/**
 * Which Python will run the scripts, and its version (part of every fingerprint). Asked once per command, with
 * `-S` so site-packages are not scanned: the probe costs a few milliseconds.
 */
import { execFile } from 'node:child_process';
import type { Interpreter } from '../ledger/types.js';
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
