"""Where and under which names MREORG_SAVEALL saves figures, and when."""
import os
import unittest

from .support import Project


class AutosaveTest(unittest.TestCase):
    def setUp(self):
        self.project = Project(self)

    def test_names_numbers_and_folders(self):
        self.project.write('main.py', '''
            import mreorg
            import matplotlib.pyplot as plt
            plt.plot([1, 2, 3])
            plt.show()
            plt.figure()
            plt.plot([3, 2, 1])
            plt.show()           # figure 1 is still open: saved once only
            plt.figure()
            plt.plot([2, 2, 2])  # no show(): saved at exit
            print('end')
        ''')
        run = self.project.run_by_hand('main.py', MREORG_SAVEALL='', MREORG_NOSHOW='')
        self.assertEqual(run.returncode, 0, run)
        names = ['fig000_Autosave_figure_1', 'fig001_Autosave_figure_2', 'fig002_Autosave_figure_3']
        saved = [f'_output/figures/main/{fmt}/{name}.{fmt}' for name in names for fmt in ('png', 'svg')]
        self.assertEqual(run.stdout.splitlines(),
                         [f'Saving File {path}' for path in saved[:4]] + ['end']
                         + [f'Saving File {path}' for path in saved[4:]])
        self.assertEqual(self.project.files(), sorted(['main.py'] + saved))

    def test_figures_land_beside_the_script_when_run_from_elsewhere(self):
        self.project.write('analysis/deep/plot.py', '''
            import mreorg
            import matplotlib.pyplot as plt
            plt.plot([1, 2, 3])
        ''')
        os.mkdir(self.project.path('elsewhere'))
        run = self.project.run_by_hand('../analysis/deep/plot.py', cwd=self.project.path('elsewhere'),
                                       MREORG_SAVEALL='', MREORG_NOSHOW='')
        self.assertEqual(run.returncode, 0, run)
        expected = self.project.path('analysis/deep/_output/figures/plot/png/fig000_Autosave_figure_1.png')
        self.assertTrue(os.path.exists(expected))
        self.assertIn(f'Saving File {expected}\n', run.stdout)  # outside the working directory: absolute
        self.assertEqual(self.project.files('elsewhere'), [])

    def test_figures_are_saved_at_exit_when_the_script_raises(self):
        self.project.write('main.py', '''
            import mreorg
            import matplotlib.pyplot as plt
            plt.plot([1, 2, 3])
            raise ValueError('bad data')
        ''')
        run = self.project.run_by_hand('main.py', MREORG_SAVEALL='', MREORG_NOSHOW='')
        self.assertEqual(run.returncode, 1)
        self.assertTrue(run.stderr.endswith('ValueError: bad data\n'), run.stderr)
        self.assertEqual(self.project.files('_output'), ['figures/main/png/fig000_Autosave_figure_1.png',
                                                         'figures/main/svg/fig000_Autosave_figure_1.svg'])

    def test_formats_from_the_environment(self):
        self.project.write('main.py', '''
            import mreorg
            import matplotlib.pyplot as plt
            plt.plot([1, 2, 3])
        ''')
        run = self.project.run_by_hand('main.py', MREORG_SAVEALL='', MREORG_FIGURE_FORMATS='pdf,EPS')
        self.assertEqual(run.returncode, 0, run)
        self.assertEqual(self.project.files('_output'), ['figures/main/eps/fig000_Autosave_figure_1.eps',
                                                         'figures/main/pdf/fig000_Autosave_figure_1.pdf'])

    def test_a_figure_that_cannot_be_saved_is_skipped_with_a_warning(self):
        self.project.write('main.py', r'''
            import mreorg
            import matplotlib.pyplot as plt
            plt.title(r'$\frac$')  # mathtext error: raises when drawn
            plt.figure()
            plt.plot([1, 2, 3])
            plt.show()
            print('end')
        ''')
        run = self.project.run_by_hand('main.py', MREORG_SAVEALL='', MREORG_NOSHOW='',
                                       MREORG_FIGURE_FORMATS='png')
        self.assertEqual(run.returncode, 0, run)
        self.assertIn('MreorgWarning: could not save', run.stderr)
        self.assertTrue(run.stdout.endswith('end\n'))
        self.assertEqual(self.project.files('_output'), ['figures/main/png/fig001_Autosave_figure_2.png'])


if __name__ == '__main__':
    unittest.main()
