"""What a user sees running a plotting script by hand: show() and the MREORG_NOSHOW / MREORG_SAVEALL switches."""
import os
import unittest

from .support import FAKE_BACKEND, Project

PYPLOT_SCRIPT = '''
import mreorg
import matplotlib.pyplot as plt
plt.plot([1, 2, 3])
plt.show()
print('after show')
'''
SAVED = ('Saving File _output/figures/main/png/fig000_Autosave_figure_1.png\n'
         'Saving File _output/figures/main/svg/fig000_Autosave_figure_1.svg\n')


class ShowTest(unittest.TestCase):
    def setUp(self):
        self.project = Project(self)
        self.project.write('fake_backend.py', FAKE_BACKEND)

    def run_script(self, text, **env):
        self.project.write('main.py', text)
        run = self.project.run_by_hand('main.py', MPLBACKEND='module://fake_backend', **env)
        self.assertEqual(run.returncode, 0, run)
        self.assertEqual(run.stderr, '')
        return run

    def assert_saved(self):
        self.assertEqual(self.project.files('_output'), ['figures/main/png/fig000_Autosave_figure_1.png',
                                                         'figures/main/svg/fig000_Autosave_figure_1.svg'])

    def test_without_variables_nothing_changes(self):
        run = self.run_script(PYPLOT_SCRIPT)
        self.assertEqual(run.stdout, 'FAKE-SHOW\nafter show\n')
        self.assertFalse(os.path.exists(self.project.path('_output')))

    def test_noshow_opens_no_window_and_the_script_carries_on(self):
        run = self.run_script(PYPLOT_SCRIPT, MREORG_NOSHOW='')
        self.assertEqual(run.stdout, 'after show\n')
        self.assertFalse(os.path.exists(self.project.path('_output')))

    def test_saveall_saves_before_showing(self):
        run = self.run_script(PYPLOT_SCRIPT, MREORG_SAVEALL='')
        self.assertEqual(run.stdout, SAVED + 'FAKE-SHOW\nafter show\n')
        self.assert_saved()

    def test_noshow_and_saveall_together(self):
        run = self.run_script(PYPLOT_SCRIPT, MREORG_SAVEALL='', MREORG_NOSHOW='')
        self.assertEqual(run.stdout, SAVED + 'after show\n')
        self.assert_saved()

    def test_pylab_show_is_handled(self):
        run = self.run_script('''
            import mreorg
            from pylab import *
            plot([1, 2, 3])
            show()
            print('after show')
        ''', MREORG_SAVEALL='', MREORG_NOSHOW='')
        self.assertEqual(run.stdout, SAVED + 'after show\n')
        self.assert_saved()

    def test_pylab_module_show_without_variables_still_shows(self):
        run = self.run_script('''
            import mreorg
            import pylab
            pylab.plot([1, 2, 3])
            pylab.show()
        ''')
        self.assertEqual(run.stdout, 'FAKE-SHOW\n')

    def test_show_imported_by_name(self):
        run = self.run_script('''
            import mreorg
            from matplotlib.pyplot import plot, show
            plot([1, 2, 3])
            show()
            print('after show')
        ''', MREORG_NOSHOW='')
        self.assertEqual(run.stdout, 'after show\n')

    def test_pyplot_imported_before_mreorg_is_patched_at_once(self):
        run = self.run_script('''
            import matplotlib.pyplot as plt
            import pylab
            import mreorg
            plt.plot([1, 2, 3])
            plt.show()
            pylab.show()
            print('after show', pylab.show is plt.show)
        ''', MREORG_SAVEALL='', MREORG_NOSHOW='')
        self.assertEqual(run.stdout, SAVED + 'after show True\n')

    def test_savefig_keeps_working_and_is_not_forced_transparent(self):
        run = self.run_script('''
            import mreorg
            import matplotlib.pyplot as plt
            plt.plot([1, 2, 3])
            plt.savefig('own.png')
            pixels = plt.imread('own.png')
            print(pixels.shape[2], pixels[0, 0, 3])
        ''', MREORG_SAVEALL='', MREORG_NOSHOW='')
        self.assertEqual(run.stdout.splitlines()[0], '4 1.0')  # alpha 1: opaque, as matplotlib draws it
        self.assertTrue(os.path.exists(self.project.path('own.png')))


if __name__ == '__main__':
    unittest.main()
