"""The run of one script: which script, when it started, how it ended; and the process hooks that find out.

Two ways in:
- plain `import mreorg` (PYTHONPATH or a .pth file): `activate()` takes the running `__main__` as the script,
  learns about an uncaught exception from `sys.excepthook` and about `sys.exit(n)` from a thin wrapper;
- `_launch.py` (how the runner starts scripts): it imports mreorg, which activates as above, then calls
  `begin()` / `end()` around the script and sees every exit itself, so the sys.exit wrapper is taken out again.
Either way the manifest is written by an atexit handler registered first, so it runs last.
"""
import atexit
import os
import sys
import time

from . import flags

script = None            # absolute path of the script; None under `python -c` or the REPL
launched = False         # True when _launch.py runs the script
started_at = None        # time.time() when the script started
manifest_path = None     # where to write the run manifest (MREORG_MANIFEST), None for no manifest

_pid = None              # the process that activated; forked children must not report for it
_clock = None            # time.perf_counter() when the script started
_elapsed = None          # seconds spent in the script, fixed when it ends
_exit_status = None      # SystemExit.code if the script ended through SystemExit
_exception = None        # the uncaught exception (never SystemExit), launcher frames removed
_launcher = None        # the launcher's module, kept alive (see _launch.py)
_launcher_file = None
_real_exit = sys.exit
_previous_excepthook = None


def activate():
    """Make the shim active in this process; later calls do nothing."""
    global _pid, manifest_path, _previous_excepthook
    if _pid is not None:
        return
    _pid = os.getpid()
    manifest_path = flags.SETTINGS.get('MANIFEST') or None
    # The manifest is this process's; a Python child (subprocess, multiprocessing spawn) importing mreorg
    # must not overwrite it.
    os.environ.pop('MREORG_MANIFEST', None)
    atexit.register(_at_exit)  # before anything else registers: atexit is last-in first-out
    _previous_excepthook = sys.excepthook
    sys.excepthook = _excepthook
    main_file = getattr(sys.modules.get('__main__'), '__file__', None)
    _start(main_file)
    if manifest_path is not None:
        sys.exit = _recording_exit
    from . import patching  # imported here, not at the top: patching imports plotmanager, which imports us
    patching.install()


def begin(script_path, launcher_module):
    """Called by the launcher right before the script's code runs, with its own module."""
    global launched, _launcher, _launcher_file
    launched = True
    _launcher = launcher_module
    _launcher_file = launcher_module.__file__
    sys.exit = _real_exit  # the launcher catches SystemExit itself
    _start(script_path)


def end(exc):
    """Called by the launcher when the script's code is done: `exc` is what it raised, or None.

    Removes the launcher's frames from the exception's traceback, so what Python prints next (and what the
    manifest records) looks exactly as under `python script.py`."""
    global _exit_status, _exception
    mark_end()
    if exc is None:
        return
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == _launcher_file:
        tb = tb.tb_next
    exc.__traceback__ = tb
    if isinstance(exc, SystemExit):
        _exit_status = exc.code
    else:
        _exception = exc


def mark_end():
    """Fix the script's wall time; the first call wins (the exit handlers call it again)."""
    global _elapsed
    if _elapsed is None and _clock is not None:
        _elapsed = time.perf_counter() - _clock


def in_script_process():
    """False in a forked child that exits normally: only the script's own process saves and reports."""
    return os.getpid() == _pid


def script_dir():
    return os.path.dirname(script) if script else os.getcwd()


def script_name():
    """'analysis' for analysis.py; 'interactive' when there is no script file."""
    return os.path.splitext(os.path.basename(script))[0] if script else 'interactive'


def output_dir():
    """The script's own _output folder: the only place the shim writes, besides the manifest."""
    return os.path.join(script_dir(), '_output')


def elapsed():
    return _elapsed


def exception():
    return _exception


def exit_code():
    """What the process exits with, by Python's rules for SystemExit.code."""
    if _exception is not None:
        return 1
    if _exit_status is None:
        return 0
    if isinstance(_exit_status, int):
        return _exit_status & 0xFF if os.name == 'posix' else _exit_status
    return 1  # sys.exit('message'): Python prints the message and exits with 1


def _start(script_path):
    global script, started_at, _clock
    script = os.path.abspath(script_path) if script_path else None
    started_at = time.time()
    _clock = time.perf_counter()
    if manifest_path is not None:
        from . import recorder
        recorder.start(flags.SETTINGS.get('PROJECT_ROOT') or script_dir(), manifest_path + '.spawned',
                       adopt='SUBREAPER' in flags.SETTINGS)


def _excepthook(exc_type, exc, tb):
    global _exception
    if _exception is None and not launched:
        mark_end()
        _exception = exc
    (_previous_excepthook or sys.__excepthook__)(exc_type, exc, tb)


def _recording_exit(status=None):
    """sys.exit, remembering the status for the manifest (plain import only: the launcher sees SystemExit)."""
    global _exit_status
    _exit_status = status
    _real_exit(status)


def _at_exit():
    if not in_script_process():
        return
    mark_end()
    if manifest_path is not None:
        try:
            from . import manifest
            manifest.write(manifest_path, manifest.build())
        except Exception as exc:  # a broken manifest must not turn a good run into a crash at exit
            flags.warn(f'could not write the run manifest {manifest_path}: {exc!r}')
    if isinstance(_exception, KeyboardInterrupt):
        _keep_sigint_exit()


def _keep_sigint_exit():
    """After an uncaught KeyboardInterrupt Python ends by killing itself with SIGINT, as shells expect. The
    C flag behind that is cleared by any exec or eval of a string (namedtuple does one: importing or saving
    at exit may), and is set again by a string exec that ends in KeyboardInterrupt. This handler runs last."""
    try:
        exec('raise KeyboardInterrupt')
    except KeyboardInterrupt:
        pass
