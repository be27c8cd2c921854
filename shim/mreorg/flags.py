"""Script flags: the MREORG_* environment variables, read once when mreorg is imported.

Two spellings are accepted, as in the original mreorg:

    MREORG_NOSHOW= MREORG_SAVEALL= python script.py      # one variable per switch
    MREORG_CONFIG="NOSHOW;SAVEALL" python script.py      # one variable, ';'-separated

Switches count by presence (the value is ignored); MPLCONFIG, TIMEOUT and FIGURE_FORMATS carry a value
(`MREORG_TIMEOUT=30`, or `TIMEOUT=30` inside MREORG_CONFIG). When both spellings set the same name, the
separate variable wins.
"""
import os
import sys

ALLOWED_FORMATS = ('eps', 'pdf', 'png', 'svg')
DEFAULT_FORMATS = ('png', 'svg')

# Names after the MREORG_ prefix.
_SWITCHES = ('NOSHOW', 'SAVEALL', 'SAVEFIGADDINFO', 'BATCHRUN', 'CURATIONRUN', 'NOMPLIMPORT')
_VALUED = ('MPLCONFIG', 'TIMEOUT', 'FIGURE_FORMATS')
# Set by the runner (docs/manifest.md) or read by the runner and its tests; the shim must not warn about them.
_RUNNER = ('CGROUP', 'CONFIG_TIMEOUT', 'MANIFEST', 'NO_CGROUP', 'PROJECT_ROOT', 'PYTHON', 'RUN_ID', 'SHIM_TEST_WARM', 'SUBREAPER', 'WARM', 'ZYGOTE_AREAS',
           'COVERAGE', 'COVERAGE_INCLUDE', 'COVERAGE_OMIT', 'COVERAGE_RCFILE', 'COVERAGE_RUN')
KNOWN_NAMES = frozenset(_SWITCHES + _VALUED + _RUNNER)


class MreorgWarning(UserWarning):
    """Something mreorg could not do; the script carries on."""


def warn(message):
    """Print a warning to stderr through `warnings`, so filters apply as usual; never raise."""
    import warnings  # only on the rare path: importing mreorg must stay cheap
    try:
        warnings.warn(message, MreorgWarning, stacklevel=2)
    except Warning:  # -W error made it an exception: mreorg must not stop the script over it
        sys.stderr.write(f'MreorgWarning: {message}\n')


def read_settings(environ):
    """Return {NAME: value} for every known MREORG_ setting in `environ`; warn about unknown ones.

    >>> read_settings({'MREORG_CONFIG': 'NOSHOW;TIMEOUT=30', 'MREORG_SAVEALL': ''})
    {'NOSHOW': '', 'TIMEOUT': '30', 'SAVEALL': ''}
    """
    settings = {}
    for token in environ.get('MREORG_CONFIG', '').split(';'):
        name, _, value = token.strip().partition('=')
        if not name:
            continue
        if name in KNOWN_NAMES:
            settings[name] = value
        else:
            warn(f'unknown MREORG_CONFIG entry {name!r} ignored')
    for key, value in environ.items():
        if not key.startswith('MREORG_') or key == 'MREORG_CONFIG':
            continue
        name = key[len('MREORG_'):]
        if name in KNOWN_NAMES:
            settings[name] = value
        else:
            warn(f'unknown environment variable {key} ignored')
    return settings


def parse_formats(value):
    """'png,PDF' -> ['png', 'pdf']; unknown formats are dropped with a warning, nothing left -> the default."""
    formats = []
    for fmt in value.replace(';', ',').split(','):
        fmt = fmt.strip().lower()
        if fmt in ALLOWED_FORMATS:
            formats.append(fmt)
        elif fmt:
            warn(f'unknown figure format {fmt!r} ignored (allowed: {", ".join(ALLOWED_FORMATS)})')
    return formats or list(DEFAULT_FORMATS)


def _parse_timeout(value):
    try:
        return float(value)
    except ValueError:
        warn(f'MREORG_TIMEOUT={value!r} is not a number; ignored')
        return None


SETTINGS = read_settings(os.environ)


class ScriptFlags:
    """What mreorg does with figures. show() and the autosave read these at call time, so a script may
    assign them after `import mreorg`:

        mreorg.ScriptFlags.MREORG_NOSHOW = True     # show() opens no window
        mreorg.ScriptFlags.MREORG_SAVEALL = False   # no autosave
    """
    MREORG_BATCHRUN = 'BATCHRUN' in SETTINGS
    MREORG_CURATIONRUN = 'CURATIONRUN' in SETTINGS
    # Batch and curation runs are unattended: nobody is there to close a window, everything is kept.
    MREORG_NOSHOW = 'NOSHOW' in SETTINGS or MREORG_BATCHRUN or MREORG_CURATIONRUN
    MREORG_SAVEALL = 'SAVEALL' in SETTINGS or MREORG_BATCHRUN or MREORG_CURATIONRUN
    MREORG_SAVEFIGADDINFO = 'SAVEFIGADDINFO' in SETTINGS
    # The shim never imports matplotlib itself, so there is nothing left for NOMPLIMPORT to prevent.
    MREORG_NOMPLIMPORT = 'NOMPLIMPORT' in SETTINGS
    # A matplotlib style (name or .mplstyle path) applied when pyplot is imported.
    MREORG_MPLCONFIG = SETTINGS.get('MPLCONFIG') or None
    # Seconds; informational: the runner enforces timeouts, the shim does not.
    MREORG_TIMEOUT = _parse_timeout(SETTINGS['TIMEOUT']) if SETTINGS.get('TIMEOUT') else None


FIGURE_FORMATS = parse_formats(SETTINGS['FIGURE_FORMATS']) if 'FIGURE_FORMATS' in SETTINGS else list(DEFAULT_FORMATS)
