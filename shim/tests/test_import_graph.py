"""The shim's modules import one another one way only: data flows from the session up, never round in a circle.

Read from the source with `ast`, lazy imports inside functions included, so a cycle cannot hide in one.
"""
import ast
import os
import unittest

from .support import PACKAGE_DIR

PACKAGE = 'mreorg'


def import_graph(folder):
    """{module: set of the package's modules it imports} for the .py files of `folder` ('__init__' for the
    package itself). Knows `from . import a`, `from .a import b`, `from mreorg(.a) import b`, `import mreorg(.a)`."""
    modules = {name[:-3] for name in os.listdir(folder) if name.endswith('.py')}

    def target(module, names):
        """The modules one import statement loads: `module` (dotted, within the package) or, for the package
        itself, each imported name that is a module file (any other name comes from __init__)."""
        if module:
            return {module.split('.')[0]}
        return {name if name in modules else '__init__' for name in names}

    graph = {}
    for module in modules:
        with open(os.path.join(folder, module + '.py'), encoding='utf-8') as f:
            tree = ast.parse(f.read(), filename=f.name)
        edges = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                names = [alias.name for alias in node.names]
                if node.level == 1:
                    edges |= target(node.module, names)
                elif node.level == 0 and (node.module or '').split('.')[0] == PACKAGE:
                    edges |= target(node.module.partition('.')[2], names)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    top, _, rest = alias.name.partition('.')
                    if top == PACKAGE:
                        edges |= target(rest, []) if rest else {'__init__'}
        graph[module] = edges - {module}
    return graph


def find_cycle(graph):
    """One cycle as a list of modules [a, b, ..., a], or None."""
    state = {}  # module -> 'open' while on the DFS path, 'done' after

    def visit(module, path):
        state[module] = 'open'
        for after in sorted(graph.get(module, ())):
            if state.get(after) == 'open':
                return path[path.index(after):] + [module, after]
            if after not in state:
                found = visit(after, path + [module])
                if found:
                    return found
        state[module] = 'done'
        return None

    for module in sorted(graph):
        if module not in state:
            found = visit(module, [])
            if found:
                return found
    return None


class ImportGraphTest(unittest.TestCase):
    def test_the_shim_modules_never_import_each_other_in_a_circle(self):
        graph = import_graph(PACKAGE_DIR)
        self.assertIn('session', graph['__init__'], graph)  # the parser does see the imports
        cycle = find_cycle(graph)
        self.assertIsNone(cycle, f'import cycle: {" -> ".join(cycle or [])}')

    def test_a_circle_is_found(self):
        self.assertEqual(find_cycle({'a': {'b'}, 'b': {'c'}, 'c': {'a'}, 'd': set()}), ['a', 'b', 'c', 'a'])
        self.assertIsNone(find_cycle({'a': {'b', 'c'}, 'b': {'c'}, 'c': set()}))


if __name__ == '__main__':
    unittest.main()
