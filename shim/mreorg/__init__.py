"""mreorg: decides what happens to a script's matplotlib figures, and reports on its run.

    import mreorg   # first line of a script; without MREORG_* variables it changes nothing

MREORG_NOSHOW set: show() opens no window. MREORG_SAVEALL set: every figure is saved under
_output/figures/ beside the script, at each show() and at exit. See shim/README.md.

Importing is cheap (no matplotlib, no json): matplotlib is patched only if and when the script imports it.
"""
from . import session
from .flags import ScriptFlags
from .plotmanager import PlotManager

__all__ = ['ScriptFlags', 'PlotManager']

session.activate()
