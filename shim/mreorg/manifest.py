"""The run manifest (docs/manifest.md, version 1): built and written once, at exit.

Every run pays for what this module imports, so it avoids `json` (which drags in `re`: ~3 ms when the
script did not load it already) and imports `traceback` only when there is an exception to describe.
"""
import os
import sys
import time

from . import recorder
from .plotmanager import PlotManager

VERSION = 1
_IMPLEMENTATIONS = {'cpython': 'CPython', 'pypy': 'PyPy'}
# JSON string escapes, as json.dumps(ensure_ascii=False) writes them: '"', '\\' and control characters.
_ESCAPES = {c: f'\\u{c:04x}' for c in range(0x20)}
_ESCAPES.update({ord(c): '\\' + e for c, e in zip('"\\\b\f\n\r\t', '"\\bfnrt')})


def build(session):
    """The manifest of `session` (a session.Session, once it has ended) as a dict, keys in the documented
    order."""
    shim_dir = os.path.dirname(os.path.abspath(__file__))
    found = recorder.result(session.script, session.output_dir(), shim_dir)
    elapsed = session.elapsed
    return {
        'version': VERSION,
        'script': session.script,
        'python': {
            'executable': sys.executable,
            'version': sys.version.split()[0],
            'implementation': _IMPLEMENTATIONS.get(sys.implementation.name, sys.implementation.name),
        },
        'startedAt': _iso_utc(session.started_at),
        'wallTimeS': round(elapsed, 6) if elapsed is not None else None,
        'exitCode': session.exit_code(),
        'exception': _describe(session.exception) if session.exception is not None else None,
        'figures': list(PlotManager.saved_files),
        'modules': found['modules'],
        'reads': found['reads'],
        'writes': found['writes'],
        'missing': found['missing'],
        'opened': found['opened'],
        'packages': _packages(),
    }


def write(path, data):
    """Write atomically: a temp file in the same folder, then a rename, so readers never see half a file."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    temp = os.path.join(folder, f'.{os.path.basename(path)}.{os.getpid()}.tmp')
    try:
        # backslashreplace: a lone surrogate (an undecodable file name) becomes \udcXX, a valid JSON escape
        with open(temp, 'w', encoding='utf-8', errors='backslashreplace') as f:
            f.write(to_json(data) + '\n')
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.remove(temp)
        raise


def _json_string(text):
    return '"' + text.translate(_ESCAPES) + '"'


def to_json(value, indent=''):
    """The text of json.dumps(value, indent=2, ensure_ascii=False), for the value types of a manifest."""
    inner = indent + '  '
    if isinstance(value, dict):
        items = [f'{inner}{_json_string(str(k))}: {to_json(v, inner)}' for k, v in value.items()]
        return '{\n' + ',\n'.join(items) + f'\n{indent}}}' if items else '{}'
    if isinstance(value, (list, tuple)):
        items = [inner + to_json(v, inner) for v in value]
        return '[\n' + ',\n'.join(items) + f'\n{indent}]' if items else '[]'
    if isinstance(value, str):
        return _json_string(value)
    if value is None or isinstance(value, bool):
        return {None: 'null', True: 'true', False: 'false'}[value]
    if isinstance(value, (int, float)):
        return repr(value)  # finite numbers only in a manifest
    raise TypeError(f'not JSON: {value!r}')


def _describe(exc):
    """type, message, the traceback as Python prints it, and its frames outermost first."""
    import traceback
    exc_type = type(exc)
    name = exc_type.__qualname__
    if exc_type.__module__ not in ('builtins', '__main__'):
        name = f'{exc_type.__module__}.{name}'  # as the last line of a traceback names it
    try:
        message = str(exc)
    except Exception:
        message = '<exception str() failed>'
    frames = [{'file': frame.filename, 'line': frame.lineno, 'function': frame.name, 'code': frame.line}
              for frame in traceback.extract_tb(exc.__traceback__)]
    return {'type': name, 'message': message, 'traceback': ''.join(traceback.format_exception(exc)),
            'frames': frames}


def _packages():
    try:
        return recorder.packages()
    except Exception:  # broken distribution metadata must not cost the whole manifest
        return {}


def _iso_utc(timestamp):
    """2026-11-25T10:00:00.123456+00:00, without importing datetime."""
    seconds = int(timestamp)
    micros = int((timestamp - seconds) * 1e6)
    return time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(seconds)) + f'.{micros:06d}+00:00'
