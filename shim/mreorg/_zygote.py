"""A warm interpreter (a fork server) for the runner: imports a preload set once, then forks one child per
script, and each child runs the script exactly as `_launch.py` does in a fresh `python _launch.py script.py`.

    python shim/mreorg/_zygote.py numpy matplotlib.pyplot ...     (environment: the runs' own, see below)

It is started with the environment the scripts run in (less the per-run MREORG_* variables), so what the
preloaded modules read at import (thread counts, MPLBACKEND, PYTHONHASHSEED...) is what a cold run would read.
It does not import the shim: the shim reads its MREORG_* settings at import, which are per run.

Protocol, one line each way (stdin: requests, stdout: reports; nothing else is written to stdout):
  -> {"id": ..., "script": "name.py", "argv": [...], "cwd": ..., "env": {...}, "stdout": fifo, "stderr": fifo}
  <- ready {"loaded": [...], "failed": {name: error}, "refused": {name: why}, "threads": n}
  <- started ID PID          the child runs, writing to the two FIFOs the zygote made at the given paths
  -> {"opened": ID}          the runner has opened their read ends: the zygote closes its own and removes
                             (until then its read-write ends keep what the child wrote); the runner
                             removes the paths
  <- cold ID WHY             not forked (a preloaded module is shadowed by the script's folder, a thread runs...)
  <- exited PID code N | exited PID signal N
The zygote never starts a thread: a fork copies only the calling thread, so a lock held by another one would
stay locked forever in the child. It checks before every fork.
"""
import gc
import json
import os
import signal
import sys
import threading
import types

_LAUNCHER = os.path.join(os.path.dirname(os.path.abspath(__file__)), '_launch.py')
_SHIM_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _report(line):
    data = (line + '\n').encode()
    while data:
        data = data[os.write(1, data):]


def _top_levels(names):
    return {n.partition('.')[0] for n in names}


def _third_party(module):
    filename = getattr(module, '__file__', None)
    if not isinstance(filename, str):
        return False
    parts = filename.split(os.sep)
    return 'site-packages' in parts or 'dist-packages' in parts


def _referenced(module):
    """Module names a module's namespace refers to: modules bound in it, and where its functions and classes
    come from. What `import x` inside a preloaded package leaves behind when x was loaded already."""
    found = set()
    for value in list(getattr(module, '__dict__', {}).values()):
        if isinstance(value, types.ModuleType):
            found.add(value.__name__)
        elif isinstance(value, (type, types.FunctionType, types.BuiltinFunctionType)):
            name = getattr(value, '__module__', None)
            if isinstance(name, str):
                found.add(name)
    return found


def _local(name, areas):
    """Whether the top-level module of `name` is the project's own (under an area, not an installed package):
    never preloaded, since the script must see its current source."""
    import importlib.util
    try:
        spec = importlib.util.find_spec(name.partition('.')[0])
    except (ImportError, ValueError):
        return False
    origin = getattr(spec, 'origin', None) or ''
    places = [origin, *(getattr(spec, 'submodule_search_locations', None) or [])]
    return any(p.startswith(areas) and not _third_party(types.SimpleNamespace(__file__=p + os.sep + 'x'))
               for p in places if p)


def preload(names, areas=()):
    """Import `names`; return (loaded, failed, closures): closures[name] = the third-party top-level modules a
    cold `import name` loads, learned from what importing it added and what the added modules refer to."""
    loaded, failed, closures = [], {}, {}
    for name in names:
        if areas and _local(name, areas):
            failed[name] = 'a module of the project, not an installed package: never preloaded'
            continue
        before = set(sys.modules)
        try:
            __import__(name)
        except BaseException as exc:  # a broken package must not stop the others (SystemExit included)
            failed[name] = f'{type(exc).__name__}: {exc}'
            continue
        added = [n for n in sys.modules if n not in before]
        tops = {t for t in _top_levels(added + [name]) if _third_party(sys.modules.get(t))}
        for n in added:
            for ref in _referenced(sys.modules[n]):
                top = ref.partition('.')[0]
                if top not in tops and _third_party(sys.modules.get(top)):
                    tops.add(top)
                    tops |= closures.get(top, set())  # loaded by an earlier item: its closure too
        closures[name] = tops
        closures.setdefault(name.partition('.')[0], tops)
        loaded.append(name)
    return loaded, failed, closures


def main():
    names = list(sys.modules)
    # Loaded while the interpreter started (.pth files, sitecustomize): never counted as a script's (recorder.py).
    startup = frozenset(names[:names.index('site') + 1] if 'site' in names else ())
    sys.path.pop(0)  # this file's folder: nothing may be preloaded from the shim or from a script's folder
    initial_path = [''] + sys.path  # the launcher sets [0]
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the runner's to handle; children get it back
    areas = tuple(os.path.join(a, '') for a in os.environ.pop('MREORG_ZYGOTE_AREAS', '').split(os.pathsep) if a)
    loaded, failed, closures = preload(sys.argv[1:], areas)
    refused = {}
    if threading.active_count() != 1:
        refused['*'] = f'{threading.active_count()} threads after the preload'
    sys.modules['_mreorg_warm'] = state = types.ModuleType('_mreorg_warm')
    state.baseline = frozenset(sys.modules) | {'_mreorg_warm'}
    state.closures = {k: sorted(v) for k, v in closures.items()}
    state.startup = startup
    state.preloaded = sorted(_top_levels(loaded))
    gc.collect()
    gc.freeze()  # the preloaded objects move to a permanent generation: no copy-on-write from the collector
    threads = len(os.listdir('/proc/self/task')) if os.path.isdir('/proc/self/task') else 1
    _report('ready ' + json.dumps({'loaded': loaded, 'failed': failed, 'refused': refused, 'threads': threads}))
    try:
        serve(state, initial_path, refused)
    except _ChildDone as done:  # in a forked child, whose script has ended
        return done.status
    return 0


def serve(state, initial_path, refused):
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # a handler, so the wakeup fd is written
    import select
    pending = b''
    keep = {}  # run id -> the zygote's ends of its FIFOs, until the runner has opened its own
    while True:
        ready, _, _ = select.select([0, wake_r], [], [])
        if wake_r in ready:
            os.read(wake_r, 512)
        reap()
        if 0 not in ready:
            continue
        chunk = os.read(0, 65536)
        if not chunk:
            return  # the runner is gone: so are we (running children finish on their own)
        pending += chunk
        while b'\n' in pending:
            line, pending = pending.split(b'\n', 1)
            request = json.loads(line)
            if 'opened' in request:
                for fd in keep.pop(request['opened'], ()):
                    os.close(fd)
                continue
            why = refused.get('*') or shadowed(state.preloaded, request['cwd'])
            if why:
                _report(f'cold {request["id"]} {why}')
                continue
            try:
                pid, keep[request['id']] = fork_child(request, state, initial_path, (wake_r, wake_w), keep)
            except OSError as exc:  # no room for the FIFOs, no more processes...
                _report(f'cold {request["id"]} could not fork: {exc}')
            else:
                _report(f'started {request["id"]} {pid}')


def reap():
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        if os.WIFSIGNALED(status):
            _report(f'exited {pid} signal {os.WTERMSIG(status)}')
        else:
            _report(f'exited {pid} code {os.waitstatus_to_exitcode(status)}')


def shadowed(preloaded, folder):
    """A preloaded module the script's folder has its own of: `import x` there must find the local one."""
    for name in preloaded:
        if os.path.exists(os.path.join(folder, name + '.py')) or os.path.isdir(os.path.join(folder, name)):
            return f'{name} is preloaded and the script folder has its own {name}'
    return None


def fork_child(request, state, initial_path, wake, keep):
    """Makes the run's two FIFOs, holds them open read-write (so nothing the child writes is lost before the
    runner opens them, and no open blocks), forks. Returns the child's pid and the held ends."""
    held = []
    try:
        for path in (request['stdout'], request['stderr']):
            os.mkfifo(path, 0o600)
            held.append(os.open(path, os.O_RDWR))
        pid = os.fork()
    except OSError:
        for fd in held:
            os.close(fd)
        raise
    if pid == 0:
        status = 70
        try:
            for fd in [fd for fds in keep.values() for fd in fds]:
                os.close(fd)
            status = child(request, state, initial_path, held, wake)
        except BaseException:  # a bug of the zygote's, not the script's: say so where the run's stderr goes
            import traceback
            traceback.print_exc()
        raise _ChildDone(status)
    return pid, held  # the runner removes the paths once it has opened them


class _ChildDone(BaseException):
    """Unwinds a child out of the zygote's loop, so that it ends as a script's process does: through the
    interpreter's own finalization, which frees the script's objects (flushing files it never closed, running
    __del__ methods), with the script's exit status."""

    def __init__(self, status):
        super().__init__(status)
        self.status = status


def child(request, state, initial_path, held, wake):
    os.setsid()  # its own process group and session, as the runner's cold spawn gives it
    signal.set_wakeup_fd(-1)
    for fd in wake:
        os.close(fd)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    # The zygote's read-write ends, not a fresh open of the paths: the runner removes those once it has opened them.
    for target, fd in enumerate((os.open(os.devnull, os.O_RDONLY), *held)):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request['cwd'])
    os.environ.clear()
    os.environ.update(request['env'])
    sys.path[:] = initial_path
    _reseed()
    script = request['script']
    sys.argv = [_LAUNCHER, script, *request['argv']]
    sys.orig_argv = [sys.orig_argv[0], _LAUNCHER, script, *request['argv']]
    return run_launcher()


def _reseed():
    """What a fresh interpreter would have: its own random state (`random` reseeds itself after a fork)."""
    numpy_random = sys.modules.get('numpy.random')
    if numpy_random is not None:
        try:
            numpy_random.seed()
        except Exception:
            pass


def run_launcher():
    """_launch.py's code as the main module, then what Python does when a main module ends: print an uncaught
    exception, wait for threads, run the exit handlers, flush. Returns the exit status (or dies by SIGINT)."""
    launcher = types.ModuleType('__main__')
    launcher.__file__ = _LAUNCHER
    launcher.__builtins__ = __builtins__
    sys.modules['__main__'] = launcher
    with open(_LAUNCHER, 'rb') as file:
        code = compile(file.read(), _LAUNCHER, 'exec', dont_inherit=True)
    status, sigint = 0, False
    try:
        exec(code, launcher.__dict__)
    except SystemExit as exc:
        status = _exit_status(exc.code)
    except BaseException as exc:
        tb = exc.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename in (__file__, _LAUNCHER):
            tb = tb.tb_next
        exc.__traceback__ = tb
        sys.excepthook(type(exc), exc, tb)
        status, sigint = 1, isinstance(exc, KeyboardInterrupt)
    _finish()
    if sigint:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    return status


def _exit_status(code):
    """Python's rules for SystemExit.code (a message is printed to stderr, status 1)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    try:
        sys.stderr.write(f'{code}\n')
    except Exception:
        pass
    return 1


def _finish():
    """What Python does before finalizing: wait for threads, run the exit handlers (which are then cleared, so
    finalization does not run them again), flush."""
    try:
        threading._shutdown()  # non-daemon threads are waited for, as at interpreter exit
    except Exception:
        pass
    import atexit
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


if __name__ == '__main__':
    sys.exit(main())
