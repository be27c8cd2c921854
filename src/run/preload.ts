/**
 * What a warm interpreter imports before it forks: the third-party packages the project's last runs imported
 * (their ledger fingerprints), plus the config's `warm.preload`, less `warm.exclude`, less the modules known to
 * break across a fork. Module names, not distribution names: the zygote imports them.
 */

/** Never preloaded: they start threads, GPU contexts, event loops or sockets at import, which a fork does not copy. */
export const FORK_UNSAFE = new Set([
  'torch', 'tensorflow', 'jax', 'jaxlib', 'cupy', 'pycuda', 'numba', 'keras', 'tkinter', 'PyQt5', 'PyQt6', 'PySide2', 'PySide6',
  'wx', 'gi', 'zmq', 'grpc', 'ray', 'dask', 'distributed', 'pyarrow', 'polars', 'duckdb', 'mpi4py', 'pyspark', 'tqdm', 'joblib',
  'IPython', 'ipykernel', 'mreorg', 'multiprocessing', 'asyncio', 'concurrent',
]);

/** Distributions whose import name differs from their name. */
const MODULE_OF: Record<string, string> = {
  Pillow: 'PIL', 'python-dateutil': 'dateutil', 'scikit-learn': 'sklearn', 'scikit-image': 'skimage', PyYAML: 'yaml',
  'opencv-python': 'cv2', 'opencv-python-headless': 'cv2', beautifulsoup4: 'bs4', 'typing-extensions': 'typing_extensions',
};

/** A package's heavy entry point: importing matplotlib alone leaves pyplot, the slow part, to every script. */
const EXPAND: Record<string, string[]> = { matplotlib: ['matplotlib', 'matplotlib.pyplot'] };

export interface WarmSettings {
  preload: string[];
  exclude: string[];
}

/** The preload list, in import order: the config's own first, then the learned ones by name. */
export function preloadSet(learnedDistributions: Iterable<string>, settings: WarmSettings, dropped: Iterable<string> = []): string[] {
  const out: string[] = [...settings.preload];
  const learned = [...new Set([...learnedDistributions].map((d) => MODULE_OF[d] ?? d.toLowerCase().replace(/-/g, '_')))].sort();
  for (const m of learned) out.push(...(EXPAND[m] ?? [m]));
  const no = new Set([...settings.exclude, ...dropped]);
  const top = (m: string): string => m.split('.')[0]!;
  return [...new Set(out)].filter((m) => !no.has(m) && !no.has(top(m)) && !FORK_UNSAFE.has(top(m)));
}

/** The module a distribution name stands for (for dropping a package after a warm failure). */
export function moduleOf(distribution: string): string {
  return MODULE_OF[distribution] ?? distribution.toLowerCase().replace(/-/g, '_');
}
