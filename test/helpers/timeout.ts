/**
 * uvu has no per-test timeout: wrap every test that spawns processes, so a hung child fails that test instead of
 * hanging CI.
 */
export function withTimeout<T>(ms: number, fn: () => Promise<T>): () => Promise<T> {
  return () =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`test timed out after ${ms} ms`)), ms);
      fn().then(
        (v) => (clearTimeout(timer), resolve(v)),
        (e) => (clearTimeout(timer), reject(e)),
      );
    });
}
