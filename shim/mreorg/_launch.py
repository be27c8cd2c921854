"""Runs a script as `python script.py` would, with mreorg active and no edit of the script:

    python shim/mreorg/_launch.py script.py [args...]

The script runs as __main__ with its own __file__, sys.argv ([script, *args]) and sys.path[0] (its folder,
symlinks resolved, as Python does). Python itself then handles how the script ended (traceback printing,
SystemExit messages and codes, KeyboardInterrupt), because the exception is re-raised unchanged, only with
this file's frames cut from its traceback. That is also why this file has no functions: the exception
leaves through this one module-level frame, which `session.end` removes.
"""
import os
import sys

if len(sys.argv) < 2:
    sys.exit(f'usage: {sys.orig_argv[0]} {__file__} script.py [args...]')

_script_arg = sys.argv[1]
_script = os.path.abspath(_script_arg)
try:
    with open(_script, 'rb') as _file:
        _source = _file.read()
except OSError as _error:  # Python's own message and exit status for a script it cannot open
    sys.stderr.write(f"{sys.orig_argv[0]}: can't open file {_script!r}: [Errno {_error.errno}] {_error.strerror}\n")
    sys.exit(2)

# The run's cgroup (docs/manifest.md): joined before any code of the script runs, so every process the script
# starts is in it, whatever it later does to its session, parent or environment.
_cgroup = os.environ.pop('MREORG_CGROUP', None)
if _cgroup:
    try:
        with open(os.path.join(_cgroup, 'cgroup.procs'), 'w') as _file:
            _file.write(str(os.getpid()))
    except OSError:
        pass  # the runner moves the process itself too; this only makes sure it happens first

_shim_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[0] = _shim_dir  # was this file's folder, whose modules (flags.py, ...) would shadow the script's
import mreorg  # noqa: E402  activates the shim before any code of the script runs
from mreorg.session import current as session  # noqa: E402

if os.environ.get('MREORG_COVERAGE'):  # mreorg build --coverage: imported while sys.path[0] is still the shim's
    from mreorg import _coverage  # noqa: E402
    _coverage.start(_script)

sys.path[0] = os.path.dirname(os.path.realpath(_script))
if _shim_dir not in sys.path:
    sys.path.append(_shim_dir)  # multiprocessing 'spawn' children re-import the script, and mreorg with it
sys.argv = [_script_arg] + sys.argv[2:]

# A fresh __main__ with the attributes, in the order, that `python script.py` gives it.
import builtins  # noqa: E402
from importlib.machinery import SourceFileLoader  # noqa: E402

# After the script, Python touches the module it started (this file's) through a borrowed reference: it must
# outlive its place in sys.modules, so the session holds it.
session.begin(_script, sys.modules['__main__'])
_main = type(sys)('__main__')
_main.__loader__ = SourceFileLoader('__main__', _script)
_main.__annotations__ = {}
_main.__builtins__ = builtins
_main.__file__ = _script
_main.__cached__ = None
sys.modules['__main__'] = _main  # pickle and multiprocessing look the script's classes up here

try:
    exec(compile(_source, _script, 'exec', dont_inherit=True), _main.__dict__)
except BaseException as _exc:
    session.end(_exc)
    raise  # a bare raise keeps the trimmed traceback: Python prints it as if the script had run alone
session.end(None)
