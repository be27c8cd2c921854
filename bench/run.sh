#!/usr/bin/env bash
# Every benchmark of BENCHMARKS.md in one command:
#
#   npm run bench                 # = npm run build && bash bench/run.sh   (full run, 12-20 minutes on 2 cores)
#   BENCH_QUICK=1 npm run bench   # smoke run: N=100 and 200, one or two runs per row, BENCHMARKS.md untouched
#
# mreorg is compared with ninja, make, doit and snakemake on generated projects (bench/generate.mjs) where all
# five run the same `python3 X.py` per script. Raw results (hyperfine JSON, peak RSS, CPU profiles) go to
# bench/work/results/; bench/summarize.mjs turns them into tables, spliced into BENCHMARKS.md between the
# bench:results markers on a full run.
#
# Knobs (environment):
#   BENCH_QUICK=1                 smoke run (see above)
#   BENCH_N_SMALL, BENCH_N_LARGE  project sizes (default 1000 and 10000)
#   BENCH_ONLY="noop change"      run only these sections (startup cold noop change status report micro deps
#                                 profile), keeping the other rows' results: to re-run rows disturbed by load
#   BENCH_PYTHON                  interpreter every tool runs the scripts with (default /usr/bin/python3)
#   BENCH_RUNS                    override the number of timed runs of every hyperfine row
#   BENCH_SNAKEMAKE_TIMEOUT       seconds allowed to snakemake's no-op at the large size (default 60; 0 = skip)
#   BENCH_REPORT_COLD=0           skip the cold report at the large size (minutes: one thumbnail per PNG)
#   BENCH_PRIME=real              make the large project up to date by really building it with every tool
#                                 (default: synthesise the state a build leaves, then check each tool agrees)
#   BENCH_WRITE_DOC=0|1           splice the tables into BENCHMARKS.md (default 1 on a full run, 0 when quick)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
WORK=${BENCH_WORK:-$HERE/work}
RES=$WORK/results
PY=${BENCH_PYTHON:-/usr/bin/python3}
QUICK=${BENCH_QUICK:-0}
if [ "$QUICK" = 1 ]; then
  NS=${BENCH_N_SMALL:-100}; NL=${BENCH_N_LARGE:-200}
  R_FAST=3; R_MID=2; R_SLOW=1; R_COLD=1; WRITE_DOC=${BENCH_WRITE_DOC:-0}; MICRO_N=1000; MICRO_TIME=300
else
  NS=${BENCH_N_SMALL:-1000}; NL=${BENCH_N_LARGE:-10000}
  R_FAST=10; R_MID=5; R_SLOW=3; R_COLD=3; WRITE_DOC=${BENCH_WRITE_DOC:-1}; MICRO_N=10000; MICRO_TIME=1500
fi
if [ -n "${BENCH_RUNS:-}" ]; then R_FAST=$BENCH_RUNS; R_MID=$BENCH_RUNS; R_SLOW=$BENCH_RUNS; R_COLD=$BENCH_RUNS; fi
ONLY=${BENCH_ONLY:-startup cold noop change status report micro deps profile}
SNAKE_TIMEOUT=${BENCH_SNAKEMAKE_TIMEOUT:-60}
REPORT_COLD=${BENCH_REPORT_COLD:-1}
PRIME=${BENCH_PRIME:-synthetic}
JOBS=2
PKG=$WORK/pkg
MREORG="node $PKG/bin/mreorg.js"
SMALL=$WORK/n$NS
LARGE=$WORK/n$NL
REPORTP=$WORK/report$NL

for tool in hyperfine ninja make doit snakemake jq /usr/bin/time "$PY"; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install -y hyperfine ninja-build make snakemake python3-doit time jq)" >&2; exit 2; }
done
[ -f "$ROOT/dist/bundle/cli.js" ] || { echo "bench: dist/ is missing: run npm run build (npm run bench does)" >&2; exit 2; }

# What is measured is a snapshot of mreorg (src compiled afresh into bench/work/pkg/, with its shim, templates and
# these scripts): a rebuild of dist/ or an edit of the shim by someone else during the run cannot change it.
snapshot() {
  rm -rf "$PKG"
  mkdir -p "$PKG/bench"
  cp -r "$ROOT/bin" "$ROOT/src" "$ROOT/shim" "$ROOT/templates" "$ROOT/package.json" "$ROOT/tsconfig.json" "$PKG/"
  cp "$HERE"/*.mjs "$HERE"/*.ts "$HERE"/*.sh "$PKG/bench/"
  ln -s "$ROOT/node_modules" "$PKG/node_modules"
  find "$PKG/shim" -name __pycache__ -prune -exec rm -rf {} +
  if ! { node "$ROOT/node_modules/typescript/bin/tsc" -p "$PKG/tsconfig.json" && node "$PKG/bin/bundle.mjs"; } > "$WORK/snapshot-tsc.log" 2>&1; then
    echo "bench: src/ does not compile right now (see $WORK/snapshot-tsc.log); measuring a copy of dist/ instead" >&2
    rm -rf "$PKG/dist"
    cp -r "$ROOT/dist" "$PKG/dist"
  fi
  $MREORG --version > /dev/null || { echo "bench: the snapshot of mreorg does not start" >&2; exit 2; }
}

want() { [[ " $ONLY " == *" $1 "* ]]; }
log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
load1() { cut -d' ' -f1 /proc/loadavg; }

# meta ID KEY=VALUE...: a small JSON file of facts about a row (all values strings; summarize.mjs converts).
meta() {
  local id=$1; shift
  local args=()
  for kv in "$@"; do args+=(--arg "${kv%%=*}" "${kv#*=}"); done
  jq -n '$ARGS.named' "${args[@]}" > "$RES/$id.meta.json"
}

# bench_row ID CWD RUNS WARMUP PREPARE CMD: hyperfine (no shell) in CWD; PREPARE may be '' (none).
bench_row() {
  local id=$1 cwd=$2 runs=$3 warmup=$4 prepare=$5 cmd=$6
  local args=(-N --runs "$runs" --warmup "$warmup" --export-json "$RES/$id.json" -n "$id")
  [ -n "$prepare" ] && args+=(--prepare "$prepare")
  local before after
  before=$(load1)
  log "$id: $cmd (in ${cwd#"$WORK"/}, $runs runs)"
  if (cd "$cwd" && hyperfine "${args[@]}" "$cmd") > "$RES/$id.log" 2>&1; then
    after=$(load1)
    meta "$id" cmd="$cmd" cwd="${cwd#"$WORK"/}" loadBefore="$before" loadAfter="$after" runs="$runs"
    log "$id: median $(jq -r '.results[0].median * 1000 | floor' "$RES/$id.json") ms (load $before -> $after)"
  else
    meta "$id" cmd="$cmd" cwd="${cwd#"$WORK"/}" failed=1
    log "$id: FAILED, see $RES/$id.log"
    tail -5 "$RES/$id.log" >&2 || true
  fi
}

# mem_row ID CWD CMD: one run under /usr/bin/time; peak RSS (KB) of the tool or its largest child.
mem_row() {
  local id=$1 cwd=$2 cmd=$3
  # shellcheck disable=SC2086
  (cd "$cwd" && /usr/bin/time -f '%M %e' -o "$RES/$id.mem" $cmd > /dev/null 2> "$RES/$id.mem.err") ||
    log "$id: memory run exited non-zero: $(tail -3 "$RES/$id.mem.err" | tr '\n' ' ')"
}

# The five tools' build commands (peers run in the project folder, mreorg in its scripts/ folder).
cmd_of() {
  case $1 in
    ninja) echo "ninja -j $JOBS" ;;
    make) echo "make -j $JOBS" ;;
    doit) echo "doit -n $JOBS" ;;
    snakemake) echo "snakemake -j $JOBS --quiet" ;;
    mreorg) echo "$MREORG build -j $JOBS --python $PY --no-report" ;;
    mreorg-report) echo "$MREORG build -j $JOBS --python $PY" ;;
  esac
}
cwd_of() { case $1 in mreorg*) echo "$2/scripts" ;; *) echo "$2" ;; esac; }

# ------------------------------------------------------------------------------------------------- setup
T0=$(date +%s)
mkdir -p "$RES"
# A full run starts afresh; a partial one (BENCH_ONLY) replaces only its own rows and notes itself in meta.json.
PARTIAL=0
if [ -n "${BENCH_ONLY:-}" ] && [ -f "$RES/meta.json" ]; then
  PARTIAL=1
  jq --arg only "$ONLY" --arg at "$(date -u +%FT%TZ)" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
    '.reruns = ((.reruns // []) + [{sections: $only, at: $at, load: $load}])' "$RES/meta.json" > "$RES/meta.tmp"
  mv "$RES/meta.tmp" "$RES/meta.json"
else
  rm -f "$RES"/*.json "$RES"/*.mem "$RES"/*.err "$RES"/*.log "$RES"/*.txt "$RES"/*.cpuprofile 2>/dev/null || true
fi
snapshot
log "sizes $NS and $NL, python $PY, runs fast/mid/slow/cold = $R_FAST/$R_MID/$R_SLOW/$R_COLD, sections: $ONLY"
[ $PARTIAL = 1 ] || jq -n --arg date "$(date -u +%FT%TZ)" --arg uname "$(uname -srm)" \
  --arg cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')" --arg cores "$(nproc)" \
  --arg memGB "$(awk '/MemTotal/ {printf "%.1f", $2/1048576}' /proc/meminfo)" \
  --arg fs "$(df -T "$WORK" | awk 'NR==2 {print $2}')" \
  --arg node "$(node --version)" --arg python "$($PY --version 2>&1)" --arg ninja "$(ninja --version)" \
  --arg make "$(make --version | head -1)" --arg doit "$(doit --version | head -1)" \
  --arg snakemake "$(snakemake --version)" --arg hyperfine "$(hyperfine --version)" \
  --arg loadStart "$(cut -d' ' -f1-3 /proc/loadavg)" --arg quick "$QUICK" --arg ns "$NS" --arg nl "$NL" \
  --arg mreorg "$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)$(cd "$ROOT" && git --no-optional-locks status --porcelain src shim templates 2>/dev/null | grep -q . && echo '+uncommitted changes' || true)" \
  --arg jobs "$JOBS" --arg primed "$PRIME" \
  --arg snapshot "$(cd "$PKG" && find src shim templates -type f | sort | xargs cat | sha256sum | cut -c1-12)" \
  '$ARGS.named' > "$RES/meta.json"

# A partial run reuses the projects (each row's warm-up or priming brings every tool up to date again).
if [ $PARTIAL = 0 ] || [ ! -d "$SMALL" ]; then
  log "generating $NS scripts"
  node "$HERE/generate.mjs" --n "$NS" --out "$SMALL" --python "$PY" >&2
fi
if [ $PARTIAL = 0 ] || [ ! -d "$LARGE" ]; then
  log "generating $NL scripts"
  if [ "$PRIME" = real ]; then
    node "$HERE/generate.mjs" --n "$NL" --out "$LARGE" --python "$PY" >&2
  else
    node "$HERE/generate.mjs" --n "$NL" --out "$LARGE" --python "$PY" --built >&2
  fi
fi
ONE_SMALL="$SMALL/scripts/p00/q00/s00000.py"

# ------------------------------------------------------------------------------------------------- startup
if want startup; then
  bench_row startup-help "$PKG" "$R_FAST" 3 '' "$MREORG --help"
  bench_row startup-python "$SMALL" "$R_FAST" 3 '' "$PY -c pass"
  bench_row startup-script "$SMALL" "$R_FAST" 3 '' "$PY $ONE_SMALL"
  # One script as mreorg starts it: through the launcher, recording on (manifest, project root set).
  bench_row startup-launcher "$SMALL/scripts" "$R_FAST" 3 '' \
    "env MREORG_MANIFEST=$WORK/launcher.manifest.json MREORG_PROJECT_ROOT=$SMALL/scripts MREORG_SAVEALL= MREORG_NOSHOW= MPLBACKEND=Agg $PY $PKG/shim/mreorg/_launch.py $ONE_SMALL"
  bench_row startup-env "$SMALL" "$R_FAST" 3 '' "env $PY $ONE_SMALL"
fi

# ------------------------------------------------------------------------------------------------- cold
if want cold; then
  for tool in ninja make doit snakemake mreorg mreorg-report; do
    runs=$R_COLD
    case $tool in snakemake | mreorg-report) runs=$R_SLOW ;; esac
    mem="$RES/cold-S-$tool.mem"
    rm -f "$mem"
    bench_row "cold-S-$tool" "$(cwd_of $tool "$SMALL")" "$runs" 0 "bash $HERE/clean.sh $SMALL $tool" \
      "/usr/bin/time -a -o $mem -f %M_%e $(cmd_of $tool)"
  done
fi

# ------------------------------------------------------------------------------------------------- priming
prime_large() {
  if [ "$PRIME" = real ]; then
    for tool in ninja doit mreorg; do
      log "priming $NL with a real $tool build"
      (cd "$(cwd_of $tool "$LARGE")" && /usr/bin/time -f '%M %e' -o "$RES/prime-L-$tool.mem" $(cmd_of $tool) > /dev/null 2>&1)
    done
  else
    log "priming $NL: doit reset-dep, synthetic mreorg ledger"
    (cd "$LARGE" && doit reset-dep > /dev/null)
    node --import tsx "$PKG/bench/synth-ledger.ts" --project "$LARGE" --runs 1 --figures 0 --python "$PY" >&2
  fi
  # Every tool must agree there is nothing to do, or the no-op rows would time builds.
  local ok=1
  (cd "$LARGE" && ninja -n | grep -q 'no work to do') || { log "ninja does not see $NL as up to date"; ok=0; }
  (cd "$LARGE" && make -q) || { log "make does not see $NL as up to date"; ok=0; }
  (cd "$LARGE" && [ "$(doit list --all --status | grep -c '^R script:')" = 0 ]) || { log "doit does not see $NL as up to date"; ok=0; }
  local up
  up=$(cd "$LARGE/scripts" && $MREORG status --json --python "$PY" | jq '[.scripts[] | select(.state == "up-to-date")] | length')
  [ "$up" = "$NL" ] || { log "mreorg sees $up of $NL up to date"; ok=0; }
  meta prime-L mode="$PRIME" allUpToDate="$ok"
}

# ------------------------------------------------------------------------------------------------- no-op
if want noop || want change || want status || want profile; then
  prime_large
fi
if want noop; then
  for size in S L; do
    proj=$SMALL; n=$NS
    [ $size = L ] && { proj=$LARGE; n=$NL; }
    for tool in ninja make doit snakemake mreorg mreorg-report; do
      runs=$R_FAST
      case $tool in make | doit | mreorg-report) runs=$R_MID ;; snakemake) runs=$R_SLOW ;; esac
      if [ "$tool" = snakemake ] && [ $size = L ]; then
        if [ "$SNAKE_TIMEOUT" != 0 ]; then
          # Snakemake is capped: one attempt with a timeout; only if it finishes in time is it timed properly.
          # It never built this project itself (a real build of 10,000 takes ~10 min), so .snakemake/ holds no
          # job metadata: its no-op then checks only that outputs exist and are newer than their inputs.
          log "noop-L-snakemake-attempt: one attempt, timeout ${SNAKE_TIMEOUT}s"
          start=$(date +%s%N)
          set +e
          (cd "$LARGE" && timeout "$SNAKE_TIMEOUT" snakemake -j $JOBS --quiet > "$RES/noop-L-snakemake-attempt.log" 2>&1)
          code=$?
          set -e
          meta noop-L-snakemake-attempt ms="$((($(date +%s%N) - start) / 1000000))" exit="$code" timeout="$SNAKE_TIMEOUT"
          if [ $code = 0 ]; then
            bench_row noop-L-snakemake "$LARGE" "$R_SLOW" 0 '' "timeout $SNAKE_TIMEOUT $(cmd_of snakemake)"
            mem_row noop-L-snakemake "$LARGE" "$(cmd_of snakemake)"
          fi
        fi
        continue
      fi
      # Warm-up runs make the project up to date for this tool (the cold rows left only the last tool's state).
      bench_row "noop-$size-$tool" "$(cwd_of $tool "$proj")" "$runs" 2 '' "$(cmd_of $tool)"
      mem_row "noop-$size-$tool" "$(cwd_of $tool "$proj")" "$(cmd_of $tool)"
    done
  done
fi

# ------------------------------------------------------------------------------------------------- change
if want change; then
  ONE_LARGE="$LARGE/scripts/p12/q10/s05000.py"
  [ -f "$ONE_LARGE" ] || ONE_LARGE="$LARGE/scripts/p00/q00/s00000.py"
  for tool in ninja make doit mreorg; do
    cwd=$(cwd_of $tool "$LARGE")
    runs=$R_MID
    [ "$tool" = ninja ] && runs=$R_FAST
    bench_row "change-L-$tool" "$cwd" "$runs" 1 "bash $HERE/touch-one.sh $ONE_LARGE" "$(cmd_of $tool)"
    bash "$HERE/touch-one.sh" "$ONE_LARGE"
    mem_row "change-L-$tool" "$cwd" "$(cmd_of $tool)"
  done
  bench_row change-L-script "$LARGE" "$R_FAST" 3 '' "$PY $ONE_LARGE"
fi

# ------------------------------------------------------------------------------------------------- status
if want status; then
  bench_row status-L-mreorg "$LARGE/scripts" "$R_FAST" 2 '' "$MREORG status --python $PY"
  mem_row status-L-mreorg "$LARGE/scripts" "$MREORG status --python $PY"
  bench_row status-L-ninja "$LARGE" "$R_FAST" 2 '' "ninja -n"
fi

# ------------------------------------------------------------------------------------------------- profile
if want profile; then
  prof=$WORK/profile
  rm -rf "$prof"
  mkdir -p "$prof"
  log "profile: no-op build of $NL with --cpu-prof"
  (cd "$LARGE/scripts" && $MREORG build -j $JOBS --python "$PY" --no-report > /dev/null) # up to date again
  (cd "$LARGE/scripts" && node --cpu-prof --cpu-prof-dir="$prof" "$PKG/bin/mreorg.js" build -j $JOBS --python "$PY" --no-report > /dev/null)
  main=$(ls -S "$prof"/*.cpuprofile | head -1)
  node "$PKG/bench/profile-summary.mjs" --top 30 --json "$RES/profile-noop-L.json" "$main" > "$RES/profile-noop-L.txt"
  cp "$main" "$RES/profile-noop-L.cpuprofile"
  log "profile: no-op build with report of $NL"
  (cd "$LARGE/scripts" && $MREORG build -j $JOBS --python "$PY" > /dev/null)
  rm -f "$prof"/*.cpuprofile
  (cd "$LARGE/scripts" && node --cpu-prof --cpu-prof-dir="$prof" "$PKG/bin/mreorg.js" build -j $JOBS --python "$PY" > /dev/null)
  main=$(ls -S "$prof"/*.cpuprofile | head -1)
  node "$PKG/bench/profile-summary.mjs" --top 30 --json "$RES/profile-noop-report-L.json" "$main" > "$RES/profile-noop-report-L.txt"
  cp "$main" "$RES/profile-noop-report-L.cpuprofile"
  log "profile: cold build of $NS"
  bash "$HERE/clean.sh" "$SMALL" mreorg
  rm -f "$prof"/*.cpuprofile
  (cd "$SMALL/scripts" && node --cpu-prof --cpu-prof-dir="$prof" "$PKG/bin/mreorg.js" build -j $JOBS --python "$PY" --no-report > /dev/null)
  main=$(ls -S "$prof"/*.cpuprofile | head -1)
  node "$PKG/bench/profile-summary.mjs" --top 30 --json "$RES/profile-cold-S.json" "$main" > "$RES/profile-cold-S.txt"
  cp "$main" "$RES/profile-cold-S.cpuprofile"
fi

# ------------------------------------------------------------------------------------------------- report
if want report; then
  log "report: $NL scripts x 1 run with 2 figures each, synthesised"
  node "$HERE/generate.mjs" --n "$NL" --out "$REPORTP" --python "$PY" >&2
  node --import tsx "$PKG/bench/synth-ledger.ts" --project "$REPORTP" --runs 1 --figures 2 --python "$PY" >&2
  (cd "$REPORTP/scripts" && $MREORG status --python "$PY" > /dev/null) # fills the stat cache, as a build would have
  if [ "$REPORT_COLD" = 1 ]; then
    log "report-L-cold: one run (every figure copied and thumbnailed)"
    before=$(load1)
    (cd "$REPORTP/scripts" && /usr/bin/time -f '%M %e' -o "$RES/report-L-cold.mem" $MREORG report --python "$PY" > /dev/null) \
      || log "report-L-cold failed"
    meta report-L-cold loadBefore="$before" loadAfter="$(load1)"
    log "report-L-cold: $(cut -d' ' -f2 "$RES/report-L-cold.mem") s, peak $(cut -d' ' -f1 "$RES/report-L-cold.mem") KB"
  fi
  bench_row report-L-warm "$REPORTP/scripts" "$R_SLOW" 1 '' "$MREORG report --python $PY"
  mem_row report-L-warm "$REPORTP/scripts" "$MREORG report --python $PY"
  jq -n --arg files "$(find "$REPORTP/scripts/report" -type f | wc -l)" --arg bytes "$(du -sb "$REPORTP/scripts/report" | cut -f1)" \
    --arg figures "$(find "$REPORTP/scripts" -path '*/_output/*' -name '*.png' | wc -l)" \
    '$ARGS.named' > "$RES/report-L-size.json"

  log "ledger size: $NL scripts x 20 runs"
  node "$HERE/generate.mjs" --n "$NL" --out "$REPORTP" --python "$PY" >&2
  node --import tsx "$PKG/bench/synth-ledger.ts" --project "$REPORTP" --runs 20 --figures 2 --python "$PY" --check-history \
    > "$RES/ledger-history.txt"
  L=$REPORTP/scripts/.mreorg
  jq -n --arg total "$(du -sb "$L" | cut -f1)" --arg ledger "$(stat -c %s "$L/ledger.json")" \
    --arg runs "$(du -sb "$L/runs" | cut -f1)" --arg files "$(find "$L/runs" -type f | wc -l)" \
    --arg history "$(grep -o 'history file [0-9]* B after [0-9]* runs, [0-9]* B after [0-9]*' "$RES/ledger-history.txt" || true)" \
    '$ARGS.named' > "$RES/ledger-size.json"
  bench_row status-L20-mreorg "$REPORTP/scripts" "$R_MID" 1 '' "$MREORG status --python $PY"
fi

# ------------------------------------------------------------------------------------------------- micro, deps
if want micro; then
  log "micro-benchmarks (tinybench), n=$MICRO_N"
  (cd "$PKG" && node --import tsx bench/micro.ts --n "$MICRO_N" --time "$MICRO_TIME" --json "$RES/micro.json") > "$RES/micro.txt" 2> "$RES/micro.log" \
    || log "micro failed, see $RES/micro.log"
fi
if want deps; then
  log "dependency-recording overhead"
  node "$PKG/bench/deps_overhead.mjs" --python "$PY" --runs "$R_FAST" --json "$RES/deps.json" > "$RES/deps.txt" 2>&1 \
    || log "deps_overhead failed, see $RES/deps.txt"
fi

# ------------------------------------------------------------------------------------------------- tables
[ $PARTIAL = 1 ] || jq --arg finished "$(date -u +%FT%TZ)" --arg loadEnd "$(cut -d' ' -f1-3 /proc/loadavg)" --arg wall "$(($(date +%s) - T0))" \
  '. + {end: $finished, loadEnd: $loadEnd, wallSeconds: ($wall | tonumber)}' "$RES/meta.json" > "$RES/meta.tmp"
[ $PARTIAL = 1 ] || mv "$RES/meta.tmp" "$RES/meta.json"
node "$HERE/summarize.mjs" --results "$RES" --out "$RES/RESULTS.md" $([ "$WRITE_DOC" = 1 ] && echo "--doc $ROOT/BENCHMARKS.md")
log "done in $(($(date +%s) - T0)) s: $RES/RESULTS.md$([ "$WRITE_DOC" = 1 ] && echo ' and BENCHMARKS.md')"
