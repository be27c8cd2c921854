"""The launcher runs a script exactly as `python script.py` would, with the shim active and no edit."""
import os
import signal
import unittest

from .support import LAUNCHER, PACKAGE_DIR, Project, PYTHON, SHIM_DIR, run_python

VIEW = '''
import json, sys
print(json.dumps({
    'name': __name__, 'file': __file__, 'argv': sys.argv, 'path0': sys.path[0],
    'globals': list(globals()), 'doc': __doc__, 'package': __package__, 'spec': repr(__spec__),
    'cached': __cached__, 'annotations': __annotations__,
    'loader': [type(__loader__).__name__, __loader__.name, __loader__.path],
    'builtins': __builtins__ is __import__('builtins'),
    'main_module_is_this_one': sys.modules['__main__'].__dict__ is globals(),
}, indent=1))
if __name__ == '__main__':
    print('main block ran')
'''

FAILING = '''
import json

def parse(text):
    return json.loads(text)

def main():
    try:
        parse('{')
    except ValueError as exc:
        raise RuntimeError('cannot read the settings') from exc

if __name__ == '__main__':
    main()
'''


class LauncherTest(unittest.TestCase):
    def setUp(self):
        self.project = Project(self)

    def both(self, script, *args, cwd=None):
        """(plain python, launcher) runs of root/script from `cwd` (default: the script's folder)."""
        cwd = cwd or os.path.dirname(self.project.path(script))
        relative = os.path.relpath(self.project.path(script), cwd)
        return (run_python(relative, *args, cwd=cwd),
                run_python(LAUNCHER, relative, *args, cwd=cwd, MREORG_MANIFEST=self.project.manifest_path))

    def assert_same(self, plain, launched):
        self.assertEqual((launched.returncode, launched.stdout, launched.stderr),
                         (plain.returncode, plain.stdout, plain.stderr))

    def test_the_script_sees_what_plain_python_gives_it(self):
        self.project.write('sub/view.py', VIEW)
        for cwd in (self.project.path('sub'), self.project.root):
            with self.subTest(cwd=cwd):
                plain, launched = self.both('sub/view.py', 'a', '--b', cwd=cwd)
                self.assertEqual(plain.returncode, 0, plain.stderr)
                self.assertIn('main block ran', plain.stdout)
                self.assert_same(plain, launched)

    def test_sys_path_zero_is_the_real_folder_of_a_symlinked_script(self):
        self.project.write('real/view.py', VIEW)
        os.symlink(self.project.path('real/view.py'), self.project.path('link.py'))
        self.assert_same(*self.both('link.py'))

    def test_import_mreorg_returns_the_active_module(self):
        self.project.write('main.py', '''
            import importlib.util, sys
            active = sys.modules['mreorg']
            import mreorg
            finders = [f for f in sys.meta_path if type(f).__name__ == '_ShowPatcher']
            print(mreorg is active, mreorg.session.current.launched, mreorg.__file__, len(finders))
            # The launcher's own folder is not on sys.path: its modules must not shadow the script's.
            print(importlib.util.find_spec('flags'), importlib.util.find_spec('patching'), sys.path[-1])
        ''')
        run = self.project.run_launched('main.py')
        self.assertEqual((run.returncode, run.stderr), (0, ''))
        self.assertEqual(run.stdout, f'True True {PACKAGE_DIR}/__init__.py 1\nNone None {SHIM_DIR}\n')

    def test_exit_codes(self):
        cases = [('pass', 0, ''), ('sys.exit(0)', 0, ''), ('sys.exit()', 0, ''), ('sys.exit(3)', 3, ''),
                 ('raise SystemExit(-1)', 255, ''), ("sys.exit('no data')", 1, 'no data\n')]
        for line, code, stderr in cases:
            with self.subTest(line=line):
                self.project.write('main.py', f'import sys\n{line}\n')
                run = self.project.run_launched('main.py')
                self.assertEqual((run.returncode, run.stdout, run.stderr), (code, '', stderr))
                self.assertEqual((run.manifest['exitCode'], run.manifest['exception']), (code, None))

    def test_an_uncaught_exception_prints_what_plain_python_prints(self):
        self.project.write('main.py', FAILING)
        plain, launched = self.both('main.py')
        self.assertEqual(plain.returncode, 1)
        self.assertIn('RuntimeError: cannot read the settings', plain.stderr)
        self.assert_same(plain, launched)
        self.assertNotIn('_launch', launched.stderr)

    def test_a_syntax_error_prints_what_plain_python_prints(self):
        self.project.write('main.py', 'x = (\n')
        plain, launched = self.both('main.py')
        self.assertIn('SyntaxError', plain.stderr)
        self.assert_same(plain, launched)

    def test_keyboard_interrupt_ends_the_process_as_plain_python_does(self):
        self.project.write('main.py', 'raise KeyboardInterrupt\n')
        plain, launched = self.both('main.py')
        self.assertEqual(plain.returncode, -signal.SIGINT)
        self.assert_same(plain, launched)

    def test_a_missing_script_is_reported_as_plain_python_does(self):
        plain, launched = self.both('missing.py')
        self.assertEqual(plain.returncode, 2)
        self.assert_same(plain, launched)

    def test_pickling_and_multiprocessing_work_as_under_plain_python(self):
        self.project.write('main.py', '''
            import multiprocessing, pickle

            class Point:
                def __init__(self, x):
                    self.x = x

            def square(point):
                return point.x * point.x

            if __name__ == '__main__':
                print(pickle.loads(pickle.dumps(Point(3))).x)
                for method in ('fork', 'spawn'):
                    with multiprocessing.get_context(method).Pool(2) as pool:
                        print(method, pool.map(square, [Point(i) for i in range(4)]))
        ''')
        plain, launched = self.both('main.py')
        self.assertEqual(plain.stdout, '3\nfork [0, 1, 4, 9]\nspawn [0, 1, 4, 9]\n', plain.stderr)
        self.assert_same(plain, launched)

    def test_the_launcher_needs_a_script(self):
        done = run_python(LAUNCHER)
        self.assertEqual(done.returncode, 1)
        self.assertIn(f'usage: {PYTHON}', done.stderr)


if __name__ == '__main__':
    unittest.main()
