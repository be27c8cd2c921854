"""The run of one script, as one `Session` object (`current`, one per process): which script, when it
started, how it ended; and the hooks through which it finds out.

Two ways in:
- plain `import mreorg` (PYTHONPATH or a .pth file): `activate()` takes the running `__main__` as the script,
  learns about an uncaught exception from `sys.excepthook` and about `sys.exit(n)` from a thin wrapper;
- `_launch.py` (how the runner starts scripts): it imports mreorg, which activates as above, then calls
  `begin()` / `end()` around the script and sees every exit itself, so the sys.exit wrapper is taken out again.
This module holds state only and imports nothing of the shim but `flags` (and the recorder, a leaf): the
modules that read the session import it, never the other way round. `mreorg/__init__.py` wires it up.
"""
import os
import sys
import time

from . import flags


class Session:
    def __init__(self):
        self.script = None          # absolute path of the script; None under `python -c` or the REPL
        self.launched = False       # True when _launch.py runs the script
        self.started_at = None      # time.time() when the script started
        self.manifest_path = None   # where to write the run manifest (MREORG_MANIFEST), None for no manifest
        self.elapsed = None         # seconds spent in the script, fixed when it ends
        self.exit_status = None     # SystemExit.code if the script ended through SystemExit
        self.exception = None       # the uncaught exception (never SystemExit), launcher frames removed
        self._pid = None            # the process that activated; forked children must not report for it
        self._clock = None          # time.perf_counter() when the script started
        self._launcher = None       # the launcher's module, kept alive (see _launch.py)
        self._launcher_file = None
        self._real_exit = sys.exit
        self._previous_excepthook = None

    def activate(self):
        """Make the session active in this process. Returns False, doing nothing, if it already was."""
        if self._pid is not None:
            return False
        self._pid = os.getpid()
        self.manifest_path = flags.SETTINGS.get('MANIFEST') or None
        # The manifest is this process's; a Python child (subprocess, multiprocessing spawn) importing mreorg
        # must not overwrite it.
        os.environ.pop('MREORG_MANIFEST', None)
        self._previous_excepthook = sys.excepthook
        sys.excepthook = self._excepthook
        main_file = getattr(sys.modules.get('__main__'), '__file__', None)
        self._start(main_file)
        if self.manifest_path is not None:
            sys.exit = self._recording_exit
        return True

    def begin(self, script_path, launcher_module):
        """Called by the launcher right before the script's code runs, with its own module."""
        self.launched = True
        self._launcher = launcher_module
        self._launcher_file = launcher_module.__file__
        sys.exit = self._real_exit  # the launcher catches SystemExit itself
        self._start(script_path)

    def end(self, exc):
        """Called by the launcher when the script's code is done: `exc` is what it raised, or None.

        Removes the launcher's frames from the exception's traceback, so what Python prints next (and what the
        manifest records) looks exactly as under `python script.py`."""
        self.mark_end()
        if exc is None:
            return
        tb = exc.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename == self._launcher_file:
            tb = tb.tb_next
        exc.__traceback__ = tb
        if isinstance(exc, SystemExit):
            self.exit_status = exc.code
        else:
            self.exception = exc

    def mark_end(self):
        """Fix the script's wall time; the first call wins (the exit handlers call it again)."""
        if self.elapsed is None and self._clock is not None:
            self.elapsed = time.perf_counter() - self._clock

    def in_script_process(self):
        """False in a forked child that exits normally: only the script's own process saves and reports."""
        return os.getpid() == self._pid

    def script_dir(self):
        return os.path.dirname(self.script) if self.script else os.getcwd()

    def script_name(self):
        """'analysis' for analysis.py; 'interactive' when there is no script file."""
        return os.path.splitext(os.path.basename(self.script))[0] if self.script else 'interactive'

    def output_dir(self):
        """The script's own _output folder: the only place the shim writes, besides the manifest."""
        return os.path.join(self.script_dir(), '_output')

    def exit_code(self):
        """What the process exits with, by Python's rules for SystemExit.code."""
        if self.exception is not None:
            return 1
        if self.exit_status is None:
            return 0
        if isinstance(self.exit_status, int):
            return self.exit_status & 0xFF if os.name == 'posix' else self.exit_status
        return 1  # sys.exit('message'): Python prints the message and exits with 1

    def _start(self, script_path):
        self.script = os.path.abspath(script_path) if script_path else None
        self.started_at = time.time()
        self._clock = time.perf_counter()
        if self.manifest_path is not None:
            from . import recorder  # only a recording run pays for it
            recorder.start(flags.SETTINGS.get('PROJECT_ROOT') or self.script_dir(), self.manifest_path + '.spawned',
                           adopt='SUBREAPER' in flags.SETTINGS)

    def _excepthook(self, exc_type, exc, tb):
        if self.exception is None and not self.launched:
            self.mark_end()
            self.exception = exc
        (self._previous_excepthook or sys.__excepthook__)(exc_type, exc, tb)

    def _recording_exit(self, status=None):
        """sys.exit, remembering the status for the manifest (plain import only: the launcher sees SystemExit)."""
        self.exit_status = status
        self._real_exit(status)


current = Session()
