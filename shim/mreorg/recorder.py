"""Records what a run depends on, for the manifest: local modules, files read and written, packages.

An audit hook (sys.addaudithook) sees these events:
- `open` (open(), io, os.open, pathlib, ...): files inside the project root, sorted into reads / writes by
  the mode, and into missing when opened for reading while absent;
- `exec` of a code object: how the import system runs a module's code, so modules imported lazily, through
  importlib, or later dropped from sys.modules are seen too;
- the start of another process (fork, subprocess, os.system, exec...): the first one makes the folder
  `<manifest>.spawned`, at once, so the runner knows to look for processes the script left behind even when
  the script later dies without writing its manifest. multiprocessing's spawn and forkserver start their
  processes without an event: importing multiprocessing counts as starting one. When the runner has no
  cgroup for the run (MREORG_SUBREAPER), the script also becomes a child subreaper then: a process orphaned
  under it (a double fork, a daemon) is re-parented to the script instead of init, so the runner, which
  polls the script's process tree, still sees it.
Python calls the hook for every audit event of the process, so it does a few comparisons and a set add;
normalising and filtering wait until exit. Only running with MREORG_MANIFEST installs it.
"""
import os
import sys

_roots = ()          # every root with a trailing separator, as given and with symlinks resolved (prefix tests)
_pairs = ()          # (as given, resolved) per root: paths are spelled with the root as given
executed = set()     # co_filename of code run by exec() under a root (modules, mostly)
reads = {}           # path -> its stat when the script first opened it: (size, mtime_ns, inode)
writes = set()
missing = set()
_hooked = False
_spawn_mark = None   # the folder to make at the first process start; None once made (or not wanted)
_adopt = False       # become a child subreaper at the first process start
hidden_packages = set()  # distributions mreorg itself imported into the run (coverage.py), not the script
_SPAWNING = frozenset(('os.fork', 'os.forkpty', 'os.posix_spawn', 'os.spawn', 'os.system', 'os.exec',
                       'subprocess.Popen'))

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
# Bound once: the hook runs for every audit event of the process.
_SEP, _isabs, _getcwd, _stat = os.sep, os.path.isabs, os.getcwd, os.stat


def start(root, spawn_mark=None, adopt=False):
    """Record from now on, for files under `root` (several roots joined by os.pathsep: the project and monitored
    folders outside it); make the folder `spawn_mark` (and, with `adopt`, become a child subreaper) when the
    script starts a process. Called again (by the launcher) it starts afresh."""
    global _roots, _pairs, _hooked, _spawn_mark, _adopt
    _spawn_mark, _adopt = spawn_mark, adopt
    _pairs = tuple((os.path.join(os.path.abspath(r), ''), os.path.join(os.path.realpath(r), ''))
                   for r in root.split(os.pathsep) if r)
    _roots = tuple(dict.fromkeys(p for pair in _pairs for p in pair))
    for found in (executed, reads, writes, missing):
        found.clear()
    if not _hooked:
        sys.addaudithook(_on_audit)  # cannot be removed again; hence the guard
        _hooked = True


def pause():
    """Stop recording until resume(pause()): for mreorg's own file work at exit (coverage data)."""
    global _roots
    saved, _roots = _roots, ()
    return saved


def resume(saved):
    global _roots
    _roots = saved


def _on_audit(event, args):
    if event == 'open':
        path, mode, flags = args
        if path.__class__ is not str:
            if isinstance(path, int):
                return  # an already open file descriptor
            try:
                path = os.fsdecode(os.fspath(path))  # bytes or os.PathLike
            except TypeError:
                return  # open() itself will complain; a hook that raised would change its error
        if path[:1] != _SEP and not _isabs(path):  # on POSIX the first test settles it
            path = _getcwd() + _SEP + path  # the working directory now: the script may chdir later
        if not path.startswith(_roots):
            return
        if mode is None:  # os.open: only flags
            read = flags & (os.O_WRONLY | os.O_RDWR) != os.O_WRONLY
            write = flags & _WRITE_FLAGS != 0
        else:  # 'r', 'w', 'a', 'x', with '+' and maybe 'b'; 'w'/'x' truncate or create: no read dependency
            read = 'r' in mode or ('a' in mode and '+' in mode)
            write = 'r' not in mode or '+' in mode
        if read:
            try:
                st = _stat(path)
            except (OSError, ValueError):
                missing.add(path)
            else:
                # The first open is what the run depends on: the runner compares it with the file at the end, so
                # only a file changed while the script used it counts as changed (not one written before it opened).
                if path not in reads:
                    reads[path] = (st.st_size, st.st_mtime_ns, st.st_ino)
        if write:
            writes.add(path)
    elif event == 'exec':
        filename = getattr(args[0], 'co_filename', None)
        if filename is not None and filename.startswith(_roots):
            executed.add(filename)
    elif _spawn_mark is not None and (event in _SPAWNING or (event == 'import' and args[0] == 'multiprocessing')):
        _mark_spawned()


def _mark_spawned():
    """A folder, not a file: os.mkdir raises no `open` event, so the mark is never recorded as a write."""
    global _spawn_mark
    mark, _spawn_mark = _spawn_mark, None
    try:
        os.mkdir(mark)
    except OSError:
        pass  # already there: the launcher started recording afresh
    if _adopt and sys.platform.startswith('linux'):
        _become_subreaper()


def _become_subreaper():
    """prctl(PR_SET_CHILD_SUBREAPER): not inherited by children, so only the script's own process adopts."""
    try:
        import ctypes  # here, not at the top: only scripts that start processes pay for it
        ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # no prctl: orphans go to init, and the runner finds them by the run token only


def result(script, output_dir, shim_dir):
    """{'modules', 'reads', 'writes', 'missing'}: sorted absolute paths under the root (as given), without
    the script, its _output folder, the shim, the standard library, site-packages and bytecode caches; and
    'opened': read path -> 'size:mtime_ns:inode' when the script first opened it."""
    own = {_canonical(p) for p in (script, output_dir, shim_dir) if p} - {None}
    skip_under = tuple(os.path.join(p, '') for p in own) + (os.path.join(os.path.dirname(os.__file__), ''),)
    skip_inside = tuple(_SEP + name + _SEP for name in ('site-packages', 'dist-packages', '__pycache__'))

    def keep(path):
        path = _canonical(path)
        if path is None or path in own or path.startswith(skip_under):
            return None
        if skip_inside[0] in path or skip_inside[1] in path or skip_inside[2] in path:
            return None
        return path

    module_files = set(executed)
    for module in list(sys.modules.values()):
        filename = getattr(module, '__file__', None)
        if isinstance(filename, str) and filename.startswith(_roots):
            module_files.add(filename)
    modules = set(map(keep, module_files)) - {None}

    def files(paths):
        return sorted(set(map(keep, paths)) - {None} - modules)

    opened = {}
    for path, (size, mtime_ns, ino) in reads.items():
        kept = keep(path)
        if kept is not None and kept not in modules and kept not in opened:
            opened[kept] = f'{size}:{mtime_ns}:{ino}'  # a string: mtime_ns exceeds what JSON numbers keep exactly
    return {'modules': sorted(modules), 'reads': files(reads), 'writes': files(writes), 'missing': files(missing),
            'opened': opened}


def _canonical(path):
    """Normalised absolute path, spelled with its root as given; None when outside every root."""
    if not os.path.isabs(path) or _SEP + '.' in path or _SEP + _SEP in path:
        path = os.path.abspath(path)  # which normalises; most paths need neither, and it is slow-ish
    for given, resolved in _pairs:
        if path.startswith(resolved) and given != resolved:
            path = given + path[len(resolved):]
        if path.startswith(given):
            return path
    return None


def packages():
    """{distribution: version} for the third-party top-level modules the run imported.

    Modules already loaded when interpreter startup ended (.pth files, sitecustomize) are not the script's:
    `site` is re-inserted at the end of sys.modules when its import finishes, so they all sit before it.
    """
    names = list(sys.modules)
    warm = sys.modules.get('_mreorg_warm')
    if warm is not None:
        names = _warm_names(warm)
    else:
        first = names.index('site') + 1 if 'site' in names else 0
        names = names[first:]
    wanted = [name for name in names
              if '.' not in name and not name.startswith('_') and name not in hidden_packages
              and _in_site_packages(sys.modules.get(name))]
    if not wanted:
        return {}  # and importlib.metadata is never imported
    from importlib import metadata
    found, unmatched = {}, set()
    for name in wanted:  # fast path: the distribution is named like the module (numpy, matplotlib, ...)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            unmatched.add(name)
        else:
            found.setdefault(dist.metadata['Name'], dist.version)
    if unmatched:  # PIL -> Pillow, dateutil -> python-dateutil: the top_level.txt of each distribution
        for dist in metadata.distributions():
            provided = unmatched.intersection((dist.read_text('top_level.txt') or '').split())
            if provided:
                found.setdefault(dist.metadata['Name'], dist.version)
                unmatched -= provided
    if unmatched:  # wheels without top_level.txt: the complete mapping, several times slower
        mapping = metadata.packages_distributions()
        for name in unmatched:
            for dist_name in mapping.get(name, ()):
                found.setdefault(dist_name, metadata.version(dist_name))
    return dict(sorted((name, version) for name, version in found.items() if name))


def _in_site_packages(module):
    filename = getattr(module, '__file__', None)
    if not isinstance(filename, str):
        return False  # built-in, frozen, or a namespace package
    parts = filename.split(os.sep)
    return 'site-packages' in parts or 'dist-packages' in parts


def _warm_names(warm):
    """Under a warm interpreter (_zygote.py) the preloaded modules were in sys.modules before the script
    started, so importing them left no trace there: what the script uses is what it loaded itself, plus every
    preloaded module its namespaces (and those of the modules it loaded) refer to or its code imports, each
    with the modules a cold import of it would have loaded (warm.closures)."""
    import types
    new = [name for name in list(sys.modules) if name not in warm.baseline]
    used = set(new)
    spaces = [sys.modules.get('__main__')] + [sys.modules.get(name) for name in new]
    for module in spaces:
        for value in list(getattr(module, '__dict__', {}).values()):
            if isinstance(value, types.ModuleType):
                used.add(value.__name__)
            elif isinstance(value, (type, types.FunctionType, types.BuiltinFunctionType)):
                used.add(getattr(value, '__module__', None) or '')
            else:
                used.add(getattr(type(value), '__module__', None) or '')
        used |= _imported_names(getattr(module, '__file__', None))
    found = set()
    for name in used:
        if not isinstance(name, str) or not name:
            continue
        parts = name.split('.')
        found.add(parts[0])
        for i in range(len(parts), 0, -1):
            found.update(warm.closures.get('.'.join(parts[:i]), ()))
    return sorted(found - warm.startup)


def _imported_names(filename):
    """The absolute imports in a source file under the root (the script, its local modules): imports inside
    functions leave nothing in a namespace."""
    if not isinstance(filename, str) or not filename.endswith('.py') or not filename.startswith(_roots):
        return set()
    import dis
    import types
    try:
        with open(filename, 'rb') as file:
            code = compile(file.read(), filename, 'exec', dont_inherit=True)
    except (OSError, SyntaxError, ValueError):
        return set()
    names, todo = set(), [code]
    while todo:
        code = todo.pop()
        level = None
        for ins in dis.get_instructions(code):
            if ins.opname == 'LOAD_CONST' and isinstance(ins.argval, int):
                level = ins.argval
            elif ins.opname == 'IMPORT_NAME':
                if level == 0:
                    names.add(ins.argval)
                level = None
        todo.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
    return names
