"""What the manifest records for dependency tracking: local modules, files read / written / missing,
third-party packages."""
import os
import tempfile
import unittest

from .support import Project


class RecordingTest(unittest.TestCase):
    def setUp(self):
        self.project = Project(self)

    def relative(self, paths):
        return [os.path.relpath(p, self.project.root) for p in paths]

    def test_local_modules_however_imported(self):
        for name in ('helper', 'lazy', 'dynamic', 'dropped'):
            self.project.write(f'lib/{name}.py', 'VALUE = 1\n')
        self.project.write('lib/pkg/__init__.py', '')
        self.project.write('lib/pkg/sub.py', 'VALUE = 2\n')
        self.project.write('scripts/main.py', '''
            import importlib, json, os, sys
            sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'lib'))
            import helper
            from pkg import sub

            def later():
                import lazy
                return lazy.VALUE

            later()
            importlib.import_module('dynamic')
            import dropped
            del sys.modules['dropped']  # seen when imported, though gone at exit
            import mreorg               # the shim is not a dependency
        ''')
        # With bytecode caching on, imports read and write lib/__pycache__: neither is a file dependency.
        for _ in range(2):
            run = self.project.run_launched('scripts/main.py', PYTHONDONTWRITEBYTECODE=None,
                                            PYTHONPYCACHEPREFIX=None)
            self.assertEqual((run.returncode, run.stderr), (0, ''), run)
            self.assertEqual(self.relative(run.manifest['modules']), [
                'lib/dropped.py', 'lib/dynamic.py', 'lib/helper.py', 'lib/lazy.py', 'lib/pkg/__init__.py',
                'lib/pkg/sub.py'])
            for key in ('reads', 'writes', 'missing'):
                self.assertEqual(run.manifest[key], [], key)
        self.assertTrue(os.listdir(self.project.path('lib', '__pycache__')))

    def test_files_read_written_and_missing(self):
        for name in ('in.csv', 'both.txt', 'via_pathlib.txt', 'in_subfolder.txt'):
            self.project.write(f'data/{name}', 'x\n')
        outside = tempfile.mkdtemp()
        self.addCleanup(os.rmdir, outside)
        self.project.write('main.py', f'''
            import os, pathlib
            import matplotlib.pyplot as plt
            import mreorg
            open('data/in.csv').read()
            os.close(os.open('data/in.csv', os.O_RDONLY))
            open('data/both.txt', 'r+').close()
            pathlib.Path('data/via_pathlib.txt').read_text()
            try:
                open('data/absent.csv')
            except FileNotFoundError:
                pass
            os.makedirs('results', exist_ok=True)
            with open('results/out.csv', 'w') as f:
                f.write('1,2\\n')
            os.close(os.open('results/raw.bin', os.O_WRONLY | os.O_CREAT))
            os.chdir('data')
            open('in_subfolder.txt').read()  # relative to the folder at the time of opening
            os.chdir('..')
            with open(os.path.join({outside!r}, 'elsewhere.txt'), 'w') as f:  # outside the project
                f.write('x')
            os.remove(os.path.join({outside!r}, 'elsewhere.txt'))
            open(__file__).read()           # the script itself
            plt.plot([1, 2, 3])
            plt.savefig('results/figure.png')
            os.makedirs('_output', exist_ok=True)
            plt.savefig('_output/own.png')  # the script's own output folder
        ''')
        # The manifest inside the project (where a runner may keep its state) is not recorded either.
        manifest_path = self.project.path('.mreorg', 'manifest.json')
        self.project.manifest_path = manifest_path
        run = self.project.run_launched('main.py', MREORG_MANIFEST=manifest_path)
        self.assertEqual((run.returncode, run.stderr), (0, ''), run)
        manifest = run.manifest
        self.assertEqual(self.relative(manifest['reads']),
                         ['data/both.txt', 'data/in.csv', 'data/in_subfolder.txt', 'data/via_pathlib.txt'])
        self.assertEqual(self.relative(manifest['writes']),
                         ['data/both.txt', 'results/figure.png', 'results/out.csv', 'results/raw.bin'])
        self.assertEqual(self.relative(manifest['missing']), ['data/absent.csv'])
        self.assertEqual(manifest['modules'], [])
        # Each read file's stat when first opened: what the runner compares with the file after the run.
        self.assertEqual(sorted(self.relative(manifest['opened'])), self.relative(manifest['reads']))
        st = os.stat(self.project.path('data', 'in.csv'))
        self.assertEqual(manifest['opened'][self.project.path('data', 'in.csv')], f'{st.st_size}:{st.st_mtime_ns}:{st.st_ino}')

    def test_paths_keep_the_spelling_of_a_symlinked_project_root(self):
        os.symlink(self.project.root, self.project.root + '-link')
        linked = self.project.root + '-link'
        self.addCleanup(os.remove, linked)
        self.project.write('data/in.txt', 'x\n')
        self.project.write('scripts/main.py', '''
            open('../data/in.txt').read()  # relative: resolved against the real working directory
        ''')
        run = self.project.run_launched('scripts/main.py', cwd=os.path.join(linked, 'scripts'),
                                        MREORG_PROJECT_ROOT=linked)
        self.assertEqual((run.returncode, run.stderr), (0, ''), run)
        self.assertEqual(run.manifest['reads'], [os.path.join(linked, 'data', 'in.txt')])

    def test_packages_are_the_third_party_distributions_imported(self):
        self.project.write('main.py', '''
            import numpy, matplotlib
            print(numpy.__version__, matplotlib.__version__)
        ''')
        run = self.project.run_launched('main.py')
        self.assertEqual((run.returncode, run.stderr), (0, ''), run)
        numpy_version, matplotlib_version = run.stdout.split()
        self.assertEqual(run.manifest['packages']['numpy'], numpy_version)
        self.assertEqual(run.manifest['packages']['matplotlib'], matplotlib_version)

        # Packages loaded at interpreter start-up (.pth files, sitecustomize) are not the script's.
        self.project.write('main.py', 'import json\n')
        run = self.project.run_launched('main.py')
        self.assertEqual(run.manifest['packages'], {})


if __name__ == '__main__':
    unittest.main()
