import { execFile } from 'node:child_process';
import fs from 'node:fs';

/**
 * Compiles the shim's modules to bytecode for this interpreter, once. Many environments set
 * PYTHONDONTWRITEBYTECODE, and then every run would recompile the shim (about 10 ms a script); hash-checked .pyc
 * files are read even there, and stay valid wherever the package is copied. Failure (a read-only install) only
 * costs that time.
 */
export async function ensureShimBytecode(python: string, version: string, shimPackage: string): Promise<void> {
  const [major, minor] = version.split('.');
  const marker = `${shimPackage}/__pycache__/session.cpython-${major}${minor}.pyc`;
  if (fs.existsSync(marker)) return;
  await new Promise<void>((resolve) => {
    execFile(python, ['-m', 'compileall', '-q', '--invalidation-mode', 'checked-hash', shimPackage], { timeout: 60_000 }, () => resolve());
  });
}
