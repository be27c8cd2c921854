"""The switches: MREORG_* variables, the MREORG_CONFIG form, and in-script overrides read at call time."""
import unittest

from .support import FAKE_BACKEND, Project

PRINT_FLAGS = '''
import mreorg
print(mreorg.ScriptFlags.MREORG_NOSHOW, mreorg.ScriptFlags.MREORG_SAVEALL)
'''


class FlagsTest(unittest.TestCase):
    def setUp(self):
        self.project = Project(self)

    def flags_with(self, **env):
        self.project.write('flags.py', PRINT_FLAGS)
        run = self.project.run_by_hand('flags.py', **env)
        self.assertEqual((run.returncode, run.stderr), (0, ''), run)
        return run.stdout

    def test_each_variable_counts_by_presence(self):
        self.assertEqual(self.flags_with(), 'False False\n')
        self.assertEqual(self.flags_with(MREORG_NOSHOW=''), 'True False\n')
        self.assertEqual(self.flags_with(MREORG_SAVEALL='0'), 'False True\n')  # the value is ignored

    def test_single_config_variable(self):
        self.assertEqual(self.flags_with(MREORG_CONFIG='NOSHOW;SAVEALL'), 'True True\n')
        self.assertEqual(self.flags_with(MREORG_CONFIG='SAVEALL'), 'False True\n')

    def test_batch_and_curation_runs_imply_noshow_and_saveall(self):
        self.assertEqual(self.flags_with(MREORG_BATCHRUN=''), 'True True\n')
        self.assertEqual(self.flags_with(MREORG_CURATIONRUN=''), 'True True\n')
        self.assertEqual(self.flags_with(MREORG_CONFIG='CURATIONRUN'), 'True True\n')

    def test_unknown_variables_warn_but_never_stop_the_script(self):
        self.project.write('main.py', '''
            import mreorg
            print('ran')
        ''')
        run = self.project.run_by_hand('main.py', MREORG_BOGUS='1', MREORG_CONFIG='NOSHOW;BOGUS2')
        self.assertEqual((run.returncode, run.stdout), (0, 'ran\n'), run)
        self.assertIn('MreorgWarning: unknown environment variable MREORG_BOGUS ignored', run.stderr)
        self.assertIn("MreorgWarning: unknown MREORG_CONFIG entry 'BOGUS2' ignored", run.stderr)
        # Not even when warnings are turned into errors.
        run = self.project.run_by_hand('main.py', MREORG_BOGUS='1', PYTHONWARNINGS='error')
        self.assertEqual((run.returncode, run.stdout), (0, 'ran\n'), run)
        self.assertIn('MreorgWarning: unknown environment variable MREORG_BOGUS ignored', run.stderr)

    def test_known_variables_do_not_warn(self):
        self.project.write('main.py', '''
            import mreorg
            print(mreorg.ScriptFlags.MREORG_TIMEOUT, mreorg.ScriptFlags.MREORG_MPLCONFIG)
        ''')
        run = self.project.run_by_hand(
            'main.py', MREORG_MANIFEST=self.project.manifest_path, MREORG_PROJECT_ROOT=self.project.root,
            MREORG_FIGURE_FORMATS='png', MREORG_NOSHOW='', MREORG_SAVEALL='', MREORG_SAVEFIGADDINFO='',
            MREORG_BATCHRUN='', MREORG_CURATIONRUN='', MREORG_NOMPLIMPORT='', MREORG_MPLCONFIG='ggplot',
            MREORG_TIMEOUT='30', MREORG_PYTHON='python3', MREORG_CONFIG='NOSHOW')
        self.assertEqual((run.returncode, run.stdout, run.stderr), (0, '30.0 ggplot\n', ''))

    def test_in_script_overrides_are_read_at_call_time(self):
        self.project.write('fake_backend.py', FAKE_BACKEND)
        self.project.write('main.py', '''
            import mreorg
            import matplotlib.pyplot as plt
            mreorg.ScriptFlags.MREORG_NOSHOW = True
            mreorg.PlotManager.autosave_image_formats = ['png', 'pdf']
            fig = plt.figure()
            plt.plot([1, 2, 3])
            mreorg.PlotManager.save_figure(figname='raster', figure=fig)
            plt.figure()
            plt.plot([3, 2, 1])
            plt.show()      # no window; figure 1 was saved by name: only figure 2 is autosaved
            mreorg.ScriptFlags.MREORG_SAVEALL = False
            plt.figure()
            plt.plot([2, 2, 2])  # not saved at exit
        ''')
        run = self.project.run_by_hand('main.py', MREORG_SAVEALL='', MPLBACKEND='module://fake_backend')
        self.assertEqual((run.returncode, run.stderr), (0, ''), run)
        self.assertNotIn('FAKE-SHOW', run.stdout)
        self.assertEqual(self.project.files('_output/figures/main'), [
            'pdf/fig000_raster.pdf', 'pdf/fig001_Autosave_figure_2.pdf',
            'png/fig000_raster.png', 'png/fig001_Autosave_figure_2.png'])

    def test_save_figure_works_without_saveall(self):
        self.project.write('main.py', '''
            import mreorg
            import matplotlib.pyplot as plt
            plt.plot([1, 2, 3])
            print(mreorg.PlotManager.save_figure('trace:v', figtypes=['svg']))  # default: the current figure
        ''')
        run = self.project.run_by_hand('main.py')
        self.assertEqual((run.returncode, run.stderr), (0, ''), run)
        path = self.project.path('_output/figures/main/svg/fig000_trace=v.svg')  # ':' -> '=' as the original
        self.assertEqual(run.stdout, f'Saving File _output/figures/main/svg/fig000_trace=v.svg\n{[path]}\n')

    def test_savefigaddinfo_stamps_the_saved_files_only(self):
        self.project.write('main.py', '''
            import mreorg
            import matplotlib.pyplot as plt
            plt.plot([1, 2, 3])
            plt.show()
            print('texts left on the figure:', len(plt.gcf().texts))
        ''')
        run = self.project.run_by_hand('main.py', MREORG_SAVEALL='', MREORG_NOSHOW='', MREORG_SAVEFIGADDINFO='',
                                       MREORG_FIGURE_FORMATS='svg')
        self.assertEqual((run.returncode, run.stderr), (0, ''), run)
        self.assertIn('texts left on the figure: 0\n', run.stdout)
        with open(self.project.path('_output/figures/main/svg/fig000_Autosave_figure_1.svg')) as f:
            self.assertRegex(f.read(), r'<!-- main  \d{4}-\d\d-\d\d \d\d:\d\d -->')  # svg comments its text

    def test_mplconfig_applies_a_matplotlib_style(self):
        self.project.write('main.py', '''
            import mreorg
            import matplotlib.pyplot as plt
            print(plt.rcParams['axes.facecolor'])
        ''')
        run = self.project.run_by_hand('main.py', MREORG_MPLCONFIG='ggplot')
        self.assertEqual((run.returncode, run.stdout, run.stderr), (0, '#E5E5E5\n', ''))


if __name__ == '__main__':
    unittest.main()
