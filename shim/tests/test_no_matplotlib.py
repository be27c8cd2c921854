"""Scripts that never plot do not pay for matplotlib, and the shim works where matplotlib is missing."""
import unittest

from .support import Project, SHIM_DIR, WARM, run_python

NEW_MODULES = 'import sys; before = set(sys.modules); import mreorg; print(sorted(set(sys.modules) - before))'
# What `import mreorg` may load: its own modules and atexit (built in). Anything else (json, traceback,
# importlib.metadata, matplotlib) must wait for exit or for the script to need it.
ALLOWED = {'atexit', 'mreorg', 'mreorg.flags', 'mreorg.session', 'mreorg.plotmanager', 'mreorg.patching',
           'mreorg.recorder'}


class NoMatplotlibTest(unittest.TestCase):
    def setUp(self):
        self.project = Project(self)

    def test_import_mreorg_loads_only_its_own_modules(self):
        for env in ({}, {'MREORG_SAVEALL': '', 'MREORG_NOSHOW': '',
                         'MREORG_MANIFEST': self.project.manifest_path}):
            with self.subTest(env=env):
                done = run_python('-c', NEW_MODULES, PYTHONPATH=SHIM_DIR, **env)
                self.assertEqual(done.returncode, 0, done.stderr)
                self.assertLessEqual(set(eval(done.stdout)), ALLOWED)

    @unittest.skipIf(WARM, 'a warm interpreter has matplotlib in sys.modules before the script starts, by design')
    def test_a_script_that_never_plots_never_loads_matplotlib(self):
        self.project.write('main.py', '''
            import atexit, sys
            import mreorg
            atexit.register(lambda: print('at exit:', 'matplotlib' in sys.modules))
            print('end:', 'matplotlib' in sys.modules)
        ''')
        for run in (self.project.run_launched('main.py'),
                    self.project.run_by_hand('main.py', MREORG_SAVEALL='', MREORG_NOSHOW='')):
            with self.subTest(run=run):
                self.assertEqual((run.returncode, run.stdout, run.stderr), (0, 'end: False\nat exit: False\n', ''))
        self.assertFalse(self.project.files('_output'))

    def test_the_shim_works_without_matplotlib(self):
        # A matplotlib that cannot be imported, first on sys.path (the script's folder): as if not installed.
        self.project.write('matplotlib/__init__.py', 'raise ImportError("No module named matplotlib")\n')
        self.project.write('pylab.py', 'raise ImportError("No module named pylab")\n')
        self.project.write('main.py', '''
            try:
                import matplotlib.pyplot as plt
            except ImportError:
                print('no matplotlib')
            try:
                import pylab
            except ImportError:
                print('no pylab')
        ''')
        run = self.project.run_launched('main.py')
        self.assertEqual((run.returncode, run.stdout, run.stderr), (0, 'no matplotlib\nno pylab\n', ''))
        self.assertEqual((run.manifest['exitCode'], run.manifest['figures']), (0, []))


if __name__ == '__main__':
    unittest.main()
