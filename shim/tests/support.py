"""Helpers for the shim's tests: a throwaway project per test, and real scripts run in real subprocesses.

The interpreter is $MREORG_PYTHON, default /usr/bin/python3 (it needs matplotlib). The tests never import
mreorg themselves: importing it would activate the shim in the test process.

MREORG_SHIM_TEST_WARM=1 runs every launched script (run_launched) as the warm executor does instead: forked by
a zygote (_zygote.py) that preloaded numpy and matplotlib.pyplot, so the same assertions hold for both.
"""
import json
import os
import selectors
import shutil
import subprocess
import tempfile
import textwrap

PYTHON = os.environ.get('MREORG_PYTHON') or '/usr/bin/python3'
SHIM_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE_DIR = os.path.join(SHIM_DIR, 'mreorg')
LAUNCHER = os.path.join(PACKAGE_DIR, '_launch.py')
ZYGOTE = os.path.join(PACKAGE_DIR, '_zygote.py')
WARM = os.environ.get('MREORG_SHIM_TEST_WARM') == '1'
TIMEOUT = 60

# A matplotlib backend whose show() prints instead of opening a window: MPLBACKEND=module://fake_backend.
FAKE_BACKEND = '''
from matplotlib.backends.backend_agg import FigureCanvasAgg as FigureCanvas

def show(*args, **kwargs):
    print('FAKE-SHOW')
'''


class Run:
    """What a finished script left: exit status, output, and the manifest if one was written."""

    def __init__(self, completed, manifest):
        self.returncode = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.manifest = manifest

    def __repr__(self):
        return f'Run(returncode={self.returncode}, stdout={self.stdout!r}, stderr={self.stderr!r})'


class Project:
    """A temporary project folder (`root`), with the manifest path outside it, removed after the test."""

    def __init__(self, test):
        base = os.path.realpath(tempfile.mkdtemp(prefix='mreorg-shim-test-'))
        test.addCleanup(shutil.rmtree, base, True)
        self.root = os.path.join(base, 'project')
        os.mkdir(self.root)
        self.manifest_path = os.path.join(base, 'state', 'manifest.json')

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def write(self, relpath, text):
        """Write dedented `text` to root/relpath; returns the absolute path."""
        path = self.path(relpath)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write(textwrap.dedent(text).lstrip('\n'))
        return path

    def files(self, relpath='.'):
        """Sorted paths of the files under root/relpath, relative to it ([] if it does not exist)."""
        top = self.path(relpath)
        return sorted(os.path.relpath(os.path.join(folder, name), top)
                      for folder, _, names in os.walk(top) for name in names)

    def run_by_hand(self, script, *args, cwd=None, **env):
        """`python script args...` as a user types it, with the shim on PYTHONPATH.
        Keyword arguments are environment variables (None removes one)."""
        return self._run([PYTHON, script, *args], cwd, dict(PYTHONPATH=SHIM_DIR, **env))

    def run_launched(self, script, *args, cwd=None, **env):
        """The script as the runner starts it: through the launcher, cwd = the script's folder, with the
        runner's variables (docs/manifest.md). Keyword arguments add to or (None) remove variables."""
        runner = dict(MREORG_MANIFEST=self.manifest_path, MREORG_PROJECT_ROOT=self.root,
                      MREORG_SAVEALL='', MREORG_NOSHOW='')
        runner.update(env)
        if cwd is None:
            cwd = os.path.dirname(self.path(script))
        return self._run([PYTHON, LAUNCHER, self.path(script), *args], cwd, runner)

    def _run(self, argv, cwd, env):
        if os.path.exists(self.manifest_path):
            os.remove(self.manifest_path)
        completed = run_warm(argv, cwd or self.root, clean_env(**env)) if WARM and argv[1] == LAUNCHER else None
        if completed is None:  # cold, or the zygote would not fork for this script (then the runner runs it cold)
            completed = subprocess.run(argv, cwd=cwd or self.root, env=clean_env(**env), capture_output=True,
                                       text=True, timeout=TIMEOUT)
        manifest = None
        if os.path.exists(self.manifest_path):
            with open(self.manifest_path, encoding='utf-8') as f:
                manifest = json.load(f)
        return Run(completed, manifest)


def clean_env(**env):
    """This process's environment without anything that would steer the shim or matplotlib, plus `env`."""
    result = {k: v for k, v in os.environ.items()
              if not k.startswith('MREORG_') and k not in ('PYTHONPATH', 'MPLBACKEND', 'PYTHONWARNINGS')}
    result['MPLBACKEND'] = 'Agg'
    for key, value in env.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def run_python(*argv, cwd=None, **env):
    """`python argv...` (no project), e.g. `-c` snippets; returns the CompletedProcess."""
    return subprocess.run([PYTHON, *argv], cwd=cwd, env=clean_env(**env), capture_output=True, text=True,
                          timeout=TIMEOUT)


_zygotes = {}  # environment without MREORG_* -> its zygote, for the whole test process


def _zygote(env):
    own = {k: v for k, v in env.items() if not k.startswith('MREORG_')}
    key = tuple(sorted(own.items()))
    zygote = _zygotes.get(key)
    if zygote is None or zygote.poll() is not None:
        zygote = subprocess.Popen([PYTHON, ZYGOTE, 'numpy', 'matplotlib', 'matplotlib.pyplot'], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, env=own, cwd='/')
        ready = zygote.stdout.readline().decode()
        assert ready.startswith('ready '), ready
        _zygotes[key] = zygote
    return zygote


def run_warm(argv, cwd, env):
    """`argv` = [python, launcher, script, args...] forked by a zygote, as the runner's warm executor does it;
    None when the zygote will not fork for it."""
    zygote = _zygote(env)
    folder = tempfile.mkdtemp(prefix='mreorg-shim-fifo-')
    paths = [os.path.join(folder, 'stdout'), os.path.join(folder, 'stderr')]
    request = {'id': 't', 'script': argv[2], 'argv': argv[3:], 'cwd': cwd, 'env': env, 'stdout': paths[0],
               'stderr': paths[1]}
    zygote.stdin.write(json.dumps(request).encode() + b'\n')
    zygote.stdin.flush()
    kind, _, rest = zygote.stdout.readline().decode().strip().partition(' ')
    if kind == 'cold':
        shutil.rmtree(folder)
        return None
    assert kind == 'started', (kind, rest)
    pid = int(rest.split()[1])
    fds = [os.open(p, os.O_RDONLY) for p in paths]  # the zygote holds them read-write: no wait for a writer
    zygote.stdin.write(b'{"opened": "t"}\n')
    zygote.stdin.flush()
    shutil.rmtree(folder)
    chunks = {fd: [] for fd in fds}
    with selectors.DefaultSelector() as sel:
        for fd in fds:
            sel.register(fd, selectors.EVENT_READ)
        while sel.get_map():
            events = sel.select(TIMEOUT)
            assert events, 'the warm child wrote nothing for a minute'
            for key, _ in events:
                data = os.read(key.fd, 65536)
                if data:
                    chunks[key.fd].append(data)
                else:
                    sel.unregister(key.fd)
                    os.close(key.fd)
    words = zygote.stdout.readline().decode().split()
    assert words[:2] == ['exited', str(pid)], words
    code = int(words[3]) if words[2] == 'code' else -int(words[3])
    text = [b''.join(chunks[fd]).decode() for fd in fds]
    return subprocess.CompletedProcess(argv, code, text[0], text[1])
