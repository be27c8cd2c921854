"""How much the Python shim costs a script. Budgets: `import mreorg` under 5 ms; the recorder's audit hook
under 5 % on a script importing 50 local modules and opening 200 files.

    /usr/bin/python3 bench/shim_import.py [--runs N]      (interpreter: $MREORG_PYTHON or /usr/bin/python3)

1. import cost: the cumulative `-X importtime` figure for mreorg (the in-process cost, free of start-up
   noise), and the median difference of N interleaved starts of `python -c "import mreorg"` and `-c pass`.
2. recorder cost: a generated project (50 local modules, 200 data files) run as plain `python main.py`,
   through the launcher (shim only), and through the launcher with MREORG_MANIFEST set (audit hook + manifest
   written at exit). The script times its own body, which isolates the hook; process CPU times add the rest.
Bytecode caching is on (in a temporary PYTHONPYCACHEPREFIX), as on users' machines. Prints the figures;
exits 1 when a budget is exceeded.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHIM = os.path.join(ROOT, 'shim')
LAUNCHER = os.path.join(SHIM, 'mreorg', '_launch.py')
PYTHON = os.environ.get('MREORG_PYTHON') or '/usr/bin/python3'
IMPORT_BUDGET_MS = 5.0
RECORDER_BUDGET = 0.05
PYCACHE = tempfile.mkdtemp(prefix='mreorg-bench-pycache-')


def clean_env(**extra):
    """The caller's environment without mreorg's variables, with bytecode caching on (as users have it), the
    cache kept out of the source tree."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith('MREORG_') and k not in ('PYTHONPATH', 'PYTHONDONTWRITEBYTECODE')}
    env['PYTHONPYCACHEPREFIX'] = PYCACHE
    env.update(extra)
    return env


def timed(argv, env, cwd=None):
    """(wall seconds, CPU seconds) of one run. CPU time (user + system, from wait4) shrugs off the load of
    other processes far better than wall time does."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise subprocess.CalledProcessError(child.returncode, argv)
    return wall, usage.ru_utime + usage.ru_stime


def medians(variants, runs, cwd=None):
    """{variant: (median wall, median CPU)}; variants run interleaved so load drifts hit all alike."""
    samples = {name: [] for name in variants}
    for _ in range(runs):
        for name, (argv, env) in variants.items():
            samples[name].append(timed(argv, env, cwd))
    return {name: tuple(statistics.median(column) for column in zip(*runs_))
            for name, runs_ in samples.items()}


def import_cost(runs):
    env = clean_env(PYTHONPATH=SHIM)
    timed([PYTHON, '-c', 'import mreorg'], env)  # compile the shim's bytecode once
    result = medians({'bare': ([PYTHON, '-c', 'pass'], env),
                      'import': ([PYTHON, '-c', 'import mreorg'], env)}, runs)
    wall_ms, cpu_ms = ((a - b) * 1000 for a, b in zip(result['import'], result['bare']))
    cumulative = []
    for _ in range(min(runs, 15)):
        out = subprocess.run([PYTHON, '-X', 'importtime', '-c', 'import mreorg'], env=env, timeout=60,
                             capture_output=True, text=True, check=True).stderr
        line = [ln for ln in out.splitlines() if ln.rstrip().endswith('| mreorg')][-1]
        cumulative.append(int(line.split('|')[1]) / 1000)
    return wall_ms, cpu_ms, statistics.median(cumulative)


def make_project(folder, modules=50, files=200):
    os.makedirs(os.path.join(folder, 'lib'))
    os.makedirs(os.path.join(folder, 'data'))
    for i in range(modules):
        with open(os.path.join(folder, 'lib', f'mod{i:02d}.py'), 'w') as f:
            f.write(f'VALUE = {i}\n\ndef twice(x):\n    return 2 * x + VALUE\n')
    for i in range(files):
        with open(os.path.join(folder, 'data', f'in{i:03d}.txt'), 'w') as f:
            f.write(f'{i}\n' * 50)
    with open(os.path.join(folder, 'main.py'), 'w') as f:
        f.write(f'''import importlib, os, sys, time
start = time.perf_counter()
sys.path.insert(0, os.path.join(os.path.dirname(__file__), 'lib'))
mods = [importlib.import_module(f'mod{{i:02d}}') for i in range({modules})]
total = sum(m.twice(1) for m in mods)
for i in range({files}):
    with open(os.path.join('data', f'in{{i:03d}}.txt')) as f:
        total += sum(int(line) for line in f)
with open('out.txt', 'w') as f:
    f.write(str(total))
with open(os.environ['BENCH_BODY_TIMES'], 'a') as f:  # outside the project: not recorded
    f.write(f'{{os.environ["BENCH_VARIANT"]}} {{time.perf_counter() - start}}\\n')
''')


def recorder_cost(runs):
    """{variant: (median wall, median CPU, median body)} seconds."""
    folder = tempfile.mkdtemp(prefix='mreorg-bench-')
    try:
        project = os.path.join(folder, 'project')
        make_project(project)
        body_times = os.path.join(folder, 'body-times.txt')
        env = clean_env(MPLBACKEND='Agg', MREORG_SAVEALL='', MREORG_NOSHOW='', BENCH_BODY_TIMES=body_times)
        manifest = dict(MREORG_MANIFEST=os.path.join(folder, 'manifest.json'), MREORG_PROJECT_ROOT=project)
        variants = {'plain': ([PYTHON, 'main.py'], dict(env, BENCH_VARIANT='plain')),
                    'shim': ([PYTHON, LAUNCHER, 'main.py'], dict(env, BENCH_VARIANT='shim')),
                    'recording': ([PYTHON, LAUNCHER, 'main.py'], dict(env, BENCH_VARIANT='recording', **manifest))}
        for argv, variant_env in variants.values():
            timed(argv, variant_env, project)  # compile the bytecode of everything once
        os.remove(body_times)
        result = medians(variants, runs, project)
        bodies = {}
        with open(body_times) as f:
            for line in f:
                name, seconds = line.split()
                bodies.setdefault(name, []).append(float(seconds))
        return {name: result[name] + (statistics.median(bodies[name]),) for name in variants}
    finally:
        shutil.rmtree(folder)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=40, help='process starts per variant (default 40)')
    runs = parser.parse_args().runs
    try:
        wall_ms, cpu_ms, importtime_ms = import_cost(runs)
        t = recorder_cost(runs)
    finally:
        shutil.rmtree(PYCACHE, ignore_errors=True)
    print(f'import mreorg: {importtime_ms:.2f} ms by -X importtime (median; budget {IMPORT_BUDGET_MS} ms); '
          f'process start {wall_ms:+.2f} ms wall, {cpu_ms:+.2f} ms CPU (medians of {runs} runs)')
    print('50 local modules + 200 files, medians of process CPU / wall / script body: ' + ', '.join(
        f'{name} {cpu * 1000:.1f} / {wall * 1000:.1f} / {body * 1000:.2f} ms' for name, (wall, cpu, body) in t.items()))
    plain_cpu = t['plain'][1]
    hook = (t['recording'][2] - t['shim'][2]) / plain_cpu
    print(f'audit hook: {hook:+.1%} of the plain run (body time with the hook minus without; budget '
          f'{RECORDER_BUDGET:.0%}); hook + manifest: {t["recording"][1] / t["shim"][1] - 1:+.1%} CPU; '
          f'launcher vs plain python: {t["shim"][1] / plain_cpu - 1:+.1%} CPU')
    return 1 if importtime_ms > IMPORT_BUDGET_MS or hook > RECORDER_BUDGET else 0


if __name__ == '__main__':
    sys.exit(main())
