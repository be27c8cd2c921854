"""build --coverage: the launcher measures the project's library with coverage.py and changes nothing else."""
import json
import os
import subprocess
import unittest

from .support import LAUNCHER, PYTHON, Project, clean_env
from .test_launcher import FAILING, VIEW

LIBRARY = '''
import functools

def plain(x):
    return x + 1

@functools.lru_cache
def decorated(
    x,
):
    return x * 2

class Model:
    def fit(self):
        def inner():
            return 3
        return inner()

    async def later(self):
        return 4

def never():
    return 5
'''

USER = '''
import sys
sys.path.insert(0, '..')
from lib import mod
print(mod.plain(1), mod.decorated(2), mod.Model().fit())
'''


class CoverageTest(unittest.TestCase):
    def setUp(self):
        self.project = Project(self)
        self.data = os.path.join(os.path.dirname(self.project.manifest_path), 'coverage.json')

    def measured(self, script, *args, python=(PYTHON,)):
        env = dict(MREORG_COVERAGE=self.data, MREORG_COVERAGE_INCLUDE=self.project.path('*'), MREORG_COVERAGE_RUN='r1')
        return self.launch(script, *args, python=python, **env)

    def launch(self, script, *args, python=(PYTHON,), **env):
        runner = dict(MREORG_MANIFEST=self.project.manifest_path, MREORG_PROJECT_ROOT=self.project.root, **env)
        return subprocess.run([*python, LAUNCHER, self.project.path(script), *args], cwd=os.path.dirname(self.project.path(script)),
                              env=clean_env(**runner), capture_output=True, text=True, timeout=60)

    def test_the_script_sees_the_same_main_argv_and_traceback(self):
        self.project.write('sub/view.py', VIEW)
        self.project.write('sub/failing.py', FAILING)
        for script in ('sub/view.py', 'sub/failing.py'):
            with self.subTest(script=script):
                plain, measured = self.launch(script, 'a', '--b'), self.measured(script, 'a', '--b')
                self.assertEqual((measured.returncode, measured.stdout, measured.stderr),
                                 (plain.returncode, plain.stdout, plain.stderr))
                self.assertTrue(os.path.exists(self.data))

    def test_functions_lines_and_statements_of_the_library(self):
        self.project.write('lib/__init__.py', '')
        lib = self.project.write('lib/mod.py', LIBRARY)
        self.project.write('sims/user.py', USER)
        run = self.measured('sims/user.py')
        self.assertEqual((run.returncode, run.stdout, run.stderr), (0, '2 4 3\n', ''))
        with open(self.data) as f:
            data = json.load(f)
        self.assertEqual((data['version'], data['runId'], data['script']), (1, 'r1', self.project.path('sims/user.py')))
        self.assertNotIn(self.project.path('sims/user.py'), data['files'], 'the script itself is not library')
        got = data['files'][lib]
        self.assertEqual([(f['name'], f['line'], f['body'], f['end']) for f in got['functions']], [
            ('plain', 3, 4, 4), ('decorated', 7, 10, 10), ('Model.fit', 13, 14, 16),
            ('Model.fit.<locals>.inner', 14, 15, 15), ('Model.later', 18, 19, 19), ('never', 21, 22, 22)])
        self.assertIn(15, got['executed'])
        self.assertNotIn(19, got['executed'])
        self.assertNotIn(22, got['executed'])
        self.assertIn(22, got['statements'])

    def test_a_forked_child_does_not_write_over_the_scripts_data(self):
        self.project.write('lib/__init__.py', '')
        lib = self.project.write('lib/mod.py', LIBRARY)
        self.project.write('sims/fork.py', '''
            import os, sys, time
            sys.path.insert(0, '..')
            from lib import mod
            if os.fork() == 0:
                time.sleep(0.3)  # outlives the script's process, so its data would be written last
                mod.never()
                sys.exit(0)  # a normal exit: atexit handlers run in the child too
            print(mod.plain(1))
        ''')
        run = self.measured('sims/fork.py')
        self.assertEqual((run.returncode, run.stdout), (0, '2\n'), run.stderr)
        with open(self.data) as f:
            executed = json.load(f)['files'][lib]['executed']
        self.assertIn(4, executed)
        self.assertNotIn(22, executed, 'never() ran in the child only')

    def test_an_interpreter_without_coverage_runs_the_script_unmeasured_with_a_warning(self):
        self.project.write('sub/view.py', VIEW)
        bare = (PYTHON, '-I', '-S')  # no site: Debian's dist-packages, where python3-coverage lives, is not on the path
        plain, measured = self.launch('sub/view.py', python=bare), self.measured('sub/view.py', python=bare)
        self.assertEqual((measured.returncode, measured.stdout), (plain.returncode, plain.stdout))
        self.assertIn('coverage.py is not installed', measured.stderr)
        self.assertIn('python3-coverage', measured.stderr)
        self.assertFalse(os.path.exists(self.data))


if __name__ == '__main__':
    unittest.main()
