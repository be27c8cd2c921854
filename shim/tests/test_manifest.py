"""The run manifest (docs/manifest.md): every key, exceptions, and who writes it when."""
import datetime
import os
import signal
import unittest

from .support import Project, SHIM_DIR, run_python

KEYS = ['version', 'script', 'python', 'startedAt', 'wallTimeS', 'exitCode', 'exception', 'figures', 'modules',
        'reads', 'writes', 'missing', 'opened', 'packages']

FAILING = '''
import mreorg
import matplotlib.pyplot as plt

def load(name):
    return {'a': 1}[name]

def main():
    plt.plot([1, 2, 3])
    load('missing key')

main()
'''


class ManifestTest(unittest.TestCase):
    def setUp(self):
        self.project = Project(self)

    def test_a_run_with_figures(self):
        script = self.project.write('main.py', '''
            import platform, sys, time
            import matplotlib, numpy
            import matplotlib.pyplot as plt
            time.sleep(0.1)
            plt.figure(figsize=(4, 3), dpi=100)
            plt.plot([1, 2, 3])
            plt.show()
            print(sys.executable, platform.python_version(), matplotlib.__version__, numpy.__version__)
        ''')
        before = datetime.datetime.now(datetime.timezone.utc)
        run = self.project.run_launched('main.py')
        self.assertEqual((run.returncode, run.stderr), (0, ''), run)
        executable, version, matplotlib_version, numpy_version = run.stdout.split('\n')[-2].split()
        manifest = run.manifest
        self.assertEqual(list(manifest), KEYS)
        self.assertEqual(manifest['version'], 1)
        self.assertEqual(manifest['script'], script)
        self.assertEqual(manifest['python'], {'executable': executable, 'version': version,
                                              'implementation': 'CPython'})
        started = datetime.datetime.fromisoformat(manifest['startedAt'])
        self.assertEqual(started.utcoffset(), datetime.timedelta(0))
        self.assertLess(abs(started - before), datetime.timedelta(seconds=30))
        self.assertTrue(0.1 <= manifest['wallTimeS'] < 30, manifest['wallTimeS'])
        self.assertEqual((manifest['exitCode'], manifest['exception']), (0, None))
        folder = self.project.path('_output/figures/main')
        self.assertEqual(manifest['figures'], [
            {'path': f'{folder}/png/fig000_Autosave_figure_1.png', 'format': 'png', 'number': 1,
             'name': 'Autosave_figure_1', 'width': 400, 'height': 300},
            {'path': f'{folder}/svg/fig000_Autosave_figure_1.svg', 'format': 'svg', 'number': 1,
             'name': 'Autosave_figure_1', 'width': 400, 'height': 300}])
        for key in ('modules', 'reads', 'writes', 'missing'):
            self.assertEqual(manifest[key], [], key)
        self.assertEqual(manifest['packages']['matplotlib'], matplotlib_version)
        self.assertEqual(manifest['packages']['numpy'], numpy_version)
        self.assertEqual(os.listdir(os.path.dirname(self.project.manifest_path)), ['manifest.json'])  # no temp

    def assert_failure_recorded(self, run, script):
        self.assertEqual(run.returncode, 1)
        exception = run.manifest['exception']
        self.assertEqual((exception['type'], exception['message']), ('KeyError', "'missing key'"))
        self.assertEqual(exception['traceback'], run.stderr)  # as Python printed it
        self.assertEqual(exception['frames'], [
            {'file': script, 'line': 11, 'function': '<module>', 'code': 'main()'},
            {'file': script, 'line': 9, 'function': 'main', 'code': "load('missing key')"},
            {'file': script, 'line': 5, 'function': 'load', 'code': "return {'a': 1}[name]"}])
        self.assertEqual(run.manifest['exitCode'], 1)
        self.assertEqual(len(run.manifest['figures']), 2)  # saved at exit all the same

    def test_an_uncaught_exception_without_launcher_frames(self):
        script = self.project.write('main.py', FAILING)
        self.assert_failure_recorded(self.project.run_launched('main.py'), script)

    def test_plain_import_writes_the_manifest_too(self):
        script = self.project.write('main.py', FAILING)
        run = self.project.run_by_hand('main.py', MREORG_MANIFEST=self.project.manifest_path,
                                       MREORG_SAVEALL='', MREORG_NOSHOW='')
        self.assert_failure_recorded(run, script)

        self.project.write('lib.py', 'X = 1\n')
        self.project.write('main.py', 'import sys\nimport mreorg\nimport lib\nsys.exit(3)\n')
        run = self.project.run_by_hand('main.py', MREORG_MANIFEST=self.project.manifest_path)
        self.assertEqual((run.returncode, run.manifest['exitCode'], run.manifest['exception']), (3, 3, None))
        # Without MREORG_PROJECT_ROOT the script's folder is the root.
        self.assertEqual(run.manifest['modules'], [self.project.path('lib.py')])

    def test_the_type_of_an_exception_from_a_module_is_qualified(self):
        self.project.write('main.py', 'import json\njson.loads("{")\n')
        run = self.project.run_launched('main.py')
        self.assertEqual(run.manifest['exception']['type'], 'json.decoder.JSONDecodeError')
        self.assertEqual(run.manifest['exception']['traceback'], run.stderr)

    def test_keyboard_interrupt_still_writes_the_manifest(self):
        self.project.write('main.py', 'import mreorg\nraise KeyboardInterrupt\n')
        for run in (self.project.run_launched('main.py'),
                    self.project.run_by_hand('main.py', MREORG_MANIFEST=self.project.manifest_path)):
            with self.subTest(run=run):
                self.assertEqual(run.returncode, -signal.SIGINT)  # as under plain python
                self.assertEqual(run.manifest['exception']['type'], 'KeyboardInterrupt')
                self.assertEqual(run.manifest['exitCode'], 1)

    def test_child_processes_do_not_write_the_manifest(self):
        self.project.write('main.py', f'''
            import os, subprocess, sys
            pid = os.fork()
            if pid == 0:
                sys.exit(5)  # the child ends through the launcher and atexit like its parent
            os.waitpid(pid, 0)
            nested = subprocess.run([sys.executable, '-c', 'import mreorg; raise SystemExit(7)'],
                                    env=dict(os.environ, PYTHONPATH={SHIM_DIR!r}))
            print(nested.returncode, 'MREORG_MANIFEST' in os.environ)
        ''')
        run = self.project.run_launched('main.py')
        self.assertEqual((run.returncode, run.stdout, run.stderr), (0, '7 False\n', ''))
        self.assertEqual((run.manifest['exitCode'], run.manifest['exception']), (0, None))

    def test_json_text_is_what_json_dumps_writes(self):
        code = ('import json\nfrom mreorg.manifest import to_json\n'
                'value = {"a": [1, 2.5, True, None, {}, []], "b\\n": "\\x00\\t\\"\\\\ é ✓", "c": {"d": "e"}}\n'
                'print(to_json(value) == json.dumps(value, indent=2, ensure_ascii=False))\n')
        done = run_python('-c', code, PYTHONPATH=SHIM_DIR)
        self.assertEqual((done.stdout, done.stderr), ('True\n', ''))


if __name__ == '__main__':
    unittest.main()
