"""Patches matplotlib's show() as soon as the script imports pyplot or pylab, and never imports matplotlib
itself: a script that does not plot does not pay for it.

A meta path finder sees the import of matplotlib.pyplot, pylab and matplotlib.pylab, lets the normal
finders find them, and wraps their loader so the module is patched right after it has run, before the
importing script gets hold of it (so `from matplotlib.pyplot import show` gets the patched one too).
Every other import is passed over after one membership test.
"""
import atexit
import sys

from . import flags, session
from .flags import ScriptFlags
from .plotmanager import PlotManager

_SHOW_MODULES = ('matplotlib.pyplot', 'matplotlib.pylab', 'pylab')  # pyplot first: the pylabs re-export its show
_wrappers = {}  # original show -> its wrapper: pyplot.show and pylab.show stay one function, as in matplotlib


def install():
    """Patch the show modules already imported; patch the others when they are imported."""
    sys.meta_path.insert(0, _ShowPatcher())
    for name in _SHOW_MODULES:
        if name in sys.modules:
            _patch(sys.modules[name])


def _patch(module):
    try:
        show = getattr(module, 'show', None)
        if show is None or hasattr(show, '_mreorg_original'):
            return  # already patched: a pylab imported after pyplot re-exports the patched show
        if show not in _wrappers:
            _wrappers[show] = _wrap_show(show)
        module.show = _wrappers[show]
        if module.__name__ == 'matplotlib.pyplot':
            _pyplot_imported(module)
    except Exception as exc:  # a bug here must not break the script's import of matplotlib
        flags.warn(f'could not patch {module.__name__}: {exc!r}')


def _wrap_show(show):
    import functools  # here, not at the top: matplotlib has loaded it by now, `import mreorg` may not have

    def mreorg_show(*args, **kwargs):
        if ScriptFlags.MREORG_SAVEALL:
            PlotManager.save_active_figures()  # before the window: the user may close the figures
        if ScriptFlags.MREORG_NOSHOW:
            return None
        return show(*args, **kwargs)
    functools.update_wrapper(mreorg_show, show)  # same name, doc and signature for help() and IDEs
    mreorg_show._mreorg_original = show
    return mreorg_show


def _pyplot_imported(pyplot):
    # Importing pyplot made matplotlib register Gcf.destroy_all with atexit. Handlers run last-in first-out,
    # so the final autosave, registered now, runs while the figures still exist.
    atexit.register(_autosave_at_exit)
    if ScriptFlags.MREORG_MPLCONFIG:
        try:
            pyplot.style.use(ScriptFlags.MREORG_MPLCONFIG)
        except Exception as exc:
            flags.warn(f'MREORG_MPLCONFIG={ScriptFlags.MREORG_MPLCONFIG!r} not applied: {exc}')


def _autosave_at_exit():
    if not session.current.in_script_process():
        return
    session.current.mark_end()  # the wall time is the script's, not the saving's
    if ScriptFlags.MREORG_SAVEALL:
        PlotManager.save_active_figures()


class _ShowPatcher:
    """Meta path finder: finds nothing itself, only wraps the loader of the show modules."""

    def find_spec(self, fullname, path, target=None):
        if fullname not in _SHOW_MODULES:
            return None
        for finder in sys.meta_path:
            find_spec = getattr(finder, 'find_spec', None)
            if isinstance(finder, _ShowPatcher) or find_spec is None:
                continue
            spec = find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        if hasattr(spec.loader, 'exec_module'):
            spec.loader = _PatchAfterExec(spec.loader)
        return spec


class _PatchAfterExec:
    """Loader wrapper: runs the module with its real loader, then patches it."""

    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        # Hand the real loader back first, so the module does not show any trace of the wrapper.
        module.__loader__ = module.__spec__.loader = self.loader
        self.loader.exec_module(module)
        _patch(module)

    def __getattr__(self, name):  # get_source, get_resource_reader, ... for whoever asks before exec
        return getattr(self.loader, name)
