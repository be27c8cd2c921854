"""mreorg: decides what happens to a script's matplotlib figures, and reports on its run.

    import mreorg   # first line of a script; without MREORG_* variables it changes nothing

MREORG_NOSHOW set: show() opens no window. MREORG_SAVEALL set: every figure is saved under
_output/figures/ beside the script, at each show() and at exit. See shim/README.md.

Importing is cheap (no matplotlib, no json): matplotlib is patched only if and when the script imports it.

Importing activates the shim, here at the top, so the modules below never import each other in a circle:
the session (session.py) is the state they all read, this file wires the hooks that fill it and that
write the manifest at exit.
"""
import atexit as _atexit

from . import flags as _flags, patching as _patching, session
from .flags import ScriptFlags
from .plotmanager import PlotManager

__all__ = ['ScriptFlags', 'PlotManager']


def _activate():
    """Make the shim active in this process; later calls do nothing."""
    if not session.current.activate():
        return
    # Registered before anything else registers (atexit is last-in first-out), so it runs last, after the
    # final autosave; the session's activation registers nothing.
    _atexit.register(_at_exit)
    _patching.install()


def _at_exit():
    run = session.current
    if not run.in_script_process():
        return
    run.mark_end()
    if run.manifest_path is not None:
        try:
            from . import manifest  # only a recording run pays for it, and only at exit
            manifest.write(run.manifest_path, manifest.build(run))
        except Exception as exc:  # a broken manifest must not turn a good run into a crash at exit
            _flags.warn(f'could not write the run manifest {run.manifest_path}: {exc!r}')
    if isinstance(run.exception, KeyboardInterrupt):
        _keep_sigint_exit()


def _keep_sigint_exit():
    """After an uncaught KeyboardInterrupt Python ends by killing itself with SIGINT, as shells expect. The
    C flag behind that is cleared by any exec or eval of a string (namedtuple does one: importing or saving
    at exit may), and is set again by a string exec that ends in KeyboardInterrupt. This handler runs last."""
    try:
        exec('raise KeyboardInterrupt')
    except KeyboardInterrupt:
        pass


_activate()
