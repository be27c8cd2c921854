"""What the shim tells the runner about processes the script starts: the `<manifest>.spawned` mark, made at the
first start (so it survives a script that dies without a manifest), and, when asked (MREORG_SUBREAPER), the script
adopting the processes orphaned under it."""
import os
import unittest

from .support import Project


class ChildrenTest(unittest.TestCase):
    def setUp(self):
        self.project = Project(self)
        os.makedirs(os.path.dirname(self.project.manifest_path))
        self.mark = self.project.manifest_path + '.spawned'

    def test_the_mark_is_made_at_the_first_process_started_however_started(self):
        starts = {
            'subprocess': 'import subprocess, sys; subprocess.run([sys.executable, "-c", "pass"])',
            'system': 'import os; os.system("true")',
            'fork': 'import os\nif os.fork() == 0: os._exit(0)\nos.wait()',
            # multiprocessing's spawn and forkserver start processes without an audit event: its import counts
            'multiprocessing': 'import multiprocessing',
            'then_os_exit': 'import os, subprocess; subprocess.run(["true"]); os._exit(3)',
        }
        for name, code in starts.items():
            with self.subTest(name):
                self.project.write(f'start_{name}.py', code + '\n')  # not `subprocess.py`: it would shadow it
                run = self.project.run_launched(f'start_{name}.py')
                self.assertTrue(os.path.isdir(self.mark), run)
                os.rmdir(self.mark)
                if run.manifest is not None:
                    self.assertEqual(run.manifest['writes'], [], 'the mark is not a file the script wrote')

    def test_no_mark_when_the_script_starts_nothing(self):
        self.project.write('quiet.py', 'import os, json\nprint(json.dumps({"pid": os.getpid()}))\n')
        run = self.project.run_launched('quiet.py')
        self.assertEqual(run.returncode, 0, run)
        self.assertFalse(os.path.exists(self.mark))

    def test_with_subreaper_the_script_adopts_what_is_orphaned_under_it(self):
        # A child starts a grandchild and exits: the grandchild reports who its parent has become.
        self.project.write('orphans.py', '''
            import os, time
            if os.fork() == 0:
                middle = os.getpid()
                if os.fork() == 0:
                    while os.getppid() == middle:
                        time.sleep(0.01)
                    with open('parent.txt', 'w') as f:
                        f.write(str(os.getppid()))
                    os._exit(0)
                os._exit(0)
            os.wait()
            while not os.path.exists('parent.txt'):
                time.sleep(0.01)
            time.sleep(0.1)
            print(open('parent.txt').read() == str(os.getpid()))
        ''')
        for env, adopted in (({'MREORG_SUBREAPER': ''}, 'True'), ({}, 'False')):
            with self.subTest(env=env):
                run = self.project.run_launched('orphans.py', **env)
                self.assertEqual((run.returncode, run.stdout.strip()), (0, adopted), run)
                os.remove(self.project.path('parent.txt'))


if __name__ == '__main__':
    unittest.main()
