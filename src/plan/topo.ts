/** Ordering scripts by what they read from each other. */
/**
 * Depth-first topological order (dependencies first; ties in input order). Back edges are cycles: they are
 * reported and skipped, so a cycle never hangs a build.
 */
export function topoSort(nodes: string[], deps: (n: string) => string[]): { order: string[]; cycles: string[][] } {
  const state = new Map<string, 1 | 2>();
  const order: string[] = [];
  const cycles: string[][] = [];
  const stack: string[] = [];
  const visit = (n: string): void => {
    state.set(n, 1);
    stack.push(n);
    for (const d of deps(n)) {
      const st = state.get(d);
      if (st === 1) cycles.push([...stack.slice(stack.indexOf(d)), d]);
      else if (st === undefined) visit(d);
    }
    stack.pop();
    state.set(n, 2);
    order.push(n);
  };
  for (const n of nodes) if (!state.has(n)) visit(n);
  return { order, cycles };
}
