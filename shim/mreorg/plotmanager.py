"""PlotManager: saves matplotlib figures beside the script, as

    {script folder}/_output/figures/{script name}/{format}/fig{NNN}_{figure name}.{format}

NNN counts save calls in this run (000, 001, ...); all formats of one call share it. matplotlib is only
imported by the methods, and only once the script has imported it.
"""
import os
import sys
import time

from . import flags, session
from .flags import ScriptFlags


class PlotManager:
    """Saves figures. The attributes are read at save time, so a script may change them:

        mreorg.PlotManager.autosave_image_formats = ['png', 'pdf']
        mreorg.PlotManager.save_figure(figname='raster', figure=fig)
    """
    # Formats of every save (eps, pdf, png, svg). Default png and svg, or MREORG_FIGURE_FORMATS.
    autosave_image_formats = list(flags.FIGURE_FORMATS)
    # One entry per file written, in save order: the manifest's `figures`.
    saved_files = []
    _save_count = 0
    _saved_figures = None  # WeakSet of the figures saved so far: each one is autosaved at most once

    @classmethod
    def save_figure(cls, figname, figure=None, figtypes=None):
        """Save `figure` (default: pyplot's current figure) as fig{NNN}_{figname} in each of `figtypes`
        (default: autosave_image_formats). Returns the paths written. A figure saved this way is not
        autosaved again. Example:

            PlotManager.save_figure('raster', figure=fig, figtypes=['pdf'])
            -> ['/abs/path/_output/figures/script/pdf/fig000_raster.pdf']
        """
        if figure is None:
            import matplotlib.pyplot as plt
            figure = plt.gcf()
        return cls._save(figure, figname, figtypes or cls.autosave_image_formats)

    @classmethod
    def save_active_figures(cls):
        """Save every open pyplot figure not saved yet, as Autosave_figure_{number}. Returns the paths."""
        if 'matplotlib.pyplot' not in sys.modules:
            return []  # no pyplot, no pyplot figures; and never import matplotlib just to find that out
        from matplotlib._pylab_helpers import Gcf  # pyplot's registry of open figures
        paths = []
        for manager in sorted(Gcf.get_all_fig_managers(), key=lambda m: m.num):
            figure = manager.canvas.figure
            if cls._saved_figures is None or figure not in cls._saved_figures:
                paths += cls._save(figure, f'Autosave_figure_{manager.num}', cls.autosave_image_formats)
        return paths

    @classmethod
    def _save(cls, figure, figname, formats):
        if cls._saved_figures is None:
            import weakref
            cls._saved_figures = weakref.WeakSet()
        cls._saved_figures.add(figure)
        number = cls._save_count
        cls._save_count += 1
        # ':' -> '=' as in the original; a '/' would make a sub-folder
        filename = f'fig{number:03d}_{figname}'.replace(':', '=').replace(os.sep, '_')
        stamp = _stamp(figure) if ScriptFlags.MREORG_SAVEFIGADDINFO else None
        paths = []
        try:
            for fmt in formats:
                fmt = str(fmt).lower()
                if fmt not in flags.ALLOWED_FORMATS:
                    flags.warn(f'unknown figure format {fmt!r} skipped')
                    continue
                run = session.current
                path = os.path.join(run.output_dir(), 'figures', run.script_name(), fmt, f'{filename}.{fmt}')
                print(f'Saving File {_for_display(path)}')
                try:
                    os.makedirs(os.path.dirname(path), exist_ok=True)
                    # Through a temp file and a rename: the previous run's file (which the report may have
                    # hard-linked) is replaced, never rewritten in place.
                    temp = f'{path}.{os.getpid()}.tmp'
                    figure.savefig(temp, format=fmt)
                    os.replace(temp, path)
                    width, height = _pixel_size(figure, path, fmt)
                except Exception as exc:  # one bad figure must not cost the others, nor the run
                    flags.warn(f'could not save {path}: {type(exc).__name__}: {exc}')
                    continue
                paths.append(path)
                cls.saved_files.append({'path': path, 'format': fmt, 'number': getattr(figure, 'number', None),
                                        'name': figname, 'width': width, 'height': height})
        finally:
            if stamp is not None:
                stamp.remove()  # the stamp is for the saved files, not for the figure on screen
        return paths


def _stamp(figure):
    """MREORG_SAVEFIGADDINFO: write the script name and the date in the bottom-left corner."""
    text = f'{session.current.script_name()}  {time.strftime("%Y-%m-%d %H:%M")}'
    return figure.text(0.005, 0.005, text, fontsize=6, color='0.5', ha='left', va='bottom')


def _pixel_size(figure, path, fmt):
    if fmt == 'png':  # exact, even with bbox_inches='tight' in the rc: read the PNG header
        with open(path, 'rb') as f:
            head = f.read(24)
        if head[12:16] == b'IHDR':
            return int.from_bytes(head[16:20], 'big'), int.from_bytes(head[20:24], 'big')
    import matplotlib
    dpi = matplotlib.rcParams['savefig.dpi']
    if dpi == 'figure':
        dpi = figure.dpi
    width, height = figure.get_size_inches()
    return round(width * dpi), round(height * dpi)


def _for_display(path):
    """Relative to the working directory when inside it (as the original printed), else absolute."""
    cwd = os.path.join(os.getcwd(), '')
    return path[len(cwd):] if path.startswith(cwd) else path
