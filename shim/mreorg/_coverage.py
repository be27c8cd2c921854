"""Measures which lines of the project's own library a script runs, for `mreorg build --coverage`.

The launcher calls `start()` before the script's code runs when MREORG_COVERAGE names the file to write. At exit,
before the manifest is built, each measured file's executed lines, its statements (coverage.py's own analysis,
so an rcfile's exclusions count) and its functions (Python's `ast`: exact start and end lines, decorators,
methods and nested functions, in the grammar of the interpreter that ran the script) go to that file as small
JSON. mreorg keeps one such file per script, so "which scripts ran this line" needs no coverage database.

Nothing of the script's own run changes: coverage is started from here, not by `coverage run`, so `__main__`,
`sys.argv`, `sys.path[0]`, tracebacks and the exit status stay the launcher's; the files coverage opens are
not recorded as the script's reads and writes, and coverage is not listed among the script's packages.
"""
import os
import sys

from . import flags, recorder

VERSION = 1
# Coverage's warnings would change the script's stderr for reasons that are not the script's.
_QUIET = ['no-data-collected', 'module-not-measured', 'module-not-imported', 'module-not-python',
          'include-ignored', 'couldnt-parse', 'already-imported', 'no-ctracer']


def start(script):
    """Start measuring if MREORG_COVERAGE asks for it; the variables are removed so child Pythons ignore them."""
    out = os.environ.pop('MREORG_COVERAGE', None)
    include = [p for p in os.environ.pop('MREORG_COVERAGE_INCLUDE', '').split(os.pathsep) if p]
    omit = [p for p in os.environ.pop('MREORG_COVERAGE_OMIT', '').split(os.pathsep) if p]
    rcfile = os.environ.pop('MREORG_COVERAGE_RCFILE', '')
    run_id = os.environ.pop('MREORG_COVERAGE_RUN', '')
    if not out:
        return
    try:
        import coverage
    except ImportError:
        flags.warn(f'coverage.py is not installed for {sys.executable} (Debian: apt-get install python3-coverage; '
                   'or pip install coverage): this run is not measured')
        return
    recorder.hidden_packages.add('coverage')
    shim = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        cov = coverage.Coverage(data_file=None, include=include or None, omit=omit + [script, shim + os.sep + '*'],
                                config_file=rcfile or False)
        cov.set_option('run:disable_warnings', _QUIET)
        cov.start()
    except Exception as exc:  # a broken rcfile: the run goes on, unmeasured, and says why
        flags.warn(f'coverage.py could not start ({exc}): this run is not measured')
        return
    import atexit
    atexit.register(_finish, cov, out, os.getpid(), {'runId': run_id, 'script': script, 'coverage': coverage.__version__})


def _finish(cov, out, pid, about):
    """Stop measuring and write what was run. Never raises: a coverage failure must not change the run."""
    if os.getpid() != pid:
        return  # a forked child ending normally: the data file is the script's own process's
    saved = recorder.pause()
    try:
        cov.stop()
        data = cov.get_data()
        files = {}
        for filename in sorted(data.measured_files()):
            described = _describe(cov, filename, data.lines(filename) or ())
            if described is not None:
                files[filename] = described
        from .manifest import write
        write(out, {'version': VERSION, **about, 'files': files})
    except Exception as exc:
        flags.warn(f'could not write the coverage data {out}: {exc!r}')
    finally:
        recorder.resume(saved)


def _describe(cov, filename, executed):
    """{sha256, statements, executed, functions} of one measured file; None when it is not Python source now."""
    import hashlib
    try:
        with open(filename, 'rb') as f:
            source = f.read()
        statements = cov.analysis2(filename)[1]
        functions = _functions(source, filename)
    except Exception:  # gone, not Python (a template run through exec), or no longer parses
        return None
    return {'sha256': hashlib.sha256(source).hexdigest(), 'statements': sorted(statements),
            'executed': sorted(executed), 'functions': functions}


def _functions(source, filename):
    """Every def, outermost first: qualified name (`Model.simulate`, `outer.<locals>.inner`), the line of `def`,
    the first line of its body and its last line."""
    import ast
    out = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = prefix + child.name
                out.append({'name': name, 'line': child.lineno, 'body': child.body[0].lineno,
                            'end': child.end_lineno})
                visit(child, name + '.<locals>.')
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + '.')
            else:
                visit(child, prefix)

    visit(ast.parse(source, filename), '')
    return out
