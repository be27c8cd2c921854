#!/usr/bin/env bash
# What saving every figure as SVG as well as PNG costs: a cold `mreorg build -j 2` (scripts run, figures saved,
# report written) of BENCH_FORMATS_N figure-heavy scripts (default 40; each draws a trace, a spike raster and a
# heat map: 3 figures), with figures.formats ['png'] (the default) and ['png', 'svg'].
#
#   npm run build && bash bench/formats.sh      # ~6 minutes on 2 cores; prints a Markdown table
#
# The two are alternated (png, png+svg, png, ...) so that load from elsewhere weighs on both alike, and CPU time
# (mreorg and every script it ran, user + system) is given beside wall time: it moves less with load.
# Knobs: BENCH_FORMATS_N (scripts), BENCH_RUNS (timed runs per row, default 3), BENCH_PYTHON. Timings go to
# bench/work/results/formats-*.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
WORK=${BENCH_WORK:-$HERE/work}
RES=$WORK/results
N=${BENCH_FORMATS_N:-40}
RUNS=${BENCH_RUNS:-3}
PY=${BENCH_PYTHON:-/usr/bin/python3}
MREORG="node $ROOT/bin/mreorg.js"
for tool in /usr/bin/time jq bc "$PY"; do
  command -v "$tool" >/dev/null || { echo "formats.sh: $tool is missing (apt-get install -y time jq bc)" >&2; exit 2; }
done
[ -f "$ROOT/dist/bundle/cli.js" ] || { echo "formats.sh: dist/ is missing: run npm run build" >&2; exit 2; }
mkdir -p "$RES"

# One project per format set, so each keeps its own ledger and report.
generate() {
  local dir=$1 formats=$2
  rm -rf "$dir"
  mkdir -p "$dir"
  echo "export default { jobs: 2, figures: { formats: $formats } };" > "$dir/mreorg.config.mjs"
  for i in $(seq 0 $((N - 1))); do
    local sub=$dir/sims/group$((i % 4))
    mkdir -p "$sub"
    cat > "$sub/fig_$i.py" <<EOF
"""Figure-heavy benchmark script $i: a trace, a spike raster (6,000 spikes) and a heat map."""
import numpy as np
import matplotlib.pyplot as plt

rng = np.random.default_rng($i)
t = np.linspace(0, 1, 2000)
plt.figure()
for k in range(5):
    plt.plot(t, np.sin(2 * np.pi * (k + 1) * t) + 0.1 * rng.standard_normal(t.size))
plt.figure()
plt.eventplot([np.sort(rng.uniform(0, 1, 100)) for _ in range(60)], linewidths=0.5)
plt.figure()
plt.imshow(rng.random((200, 200)))
EOF
  done
}

# build ID: one cold build (no ledger, no report, no saved figures) of project ID; appends "wall cpu" seconds
# (cpu = user + system of mreorg and every script it ran) to results/formats-ID.times.
build() {
  local id=$1 dir=$WORK/formats-$1
  rm -rf "$dir/.mreorg" "$dir/report" "$dir"/sims/*/_output
  (cd "$dir" && /usr/bin/time -f '%e %U %S' -o "$RES/formats-$id.time" $MREORG build -j 2 --python "$PY" > /dev/null 2>&1)
  awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$RES/formats-$id.time" >> "$RES/formats-$id.times"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

row() {
  local id=$1 formats=$2 dir=$WORK/formats-$1
  local wall cpu output report perScript
  wall=$(cut -d' ' -f1 "$RES/formats-$id.times" | median)
  cpu=$(cut -d' ' -f2 "$RES/formats-$id.times" | median)
  output=$(du -sbc "$dir"/sims/*/_output | tail -1 | cut -f1)
  # What report/ adds on disk: du counts a hard-linked figure once, so a linked one adds nothing.
  report=$(( $(du -sbc "$dir"/sims/*/_output "$dir/report" | tail -1 | cut -f1) - output ))
  # Mean run time of a script, from the last build's ledger.
  perScript=$(jq '[.. | objects | select(has("runId") and has("durationMs")) | .durationMs] | add / length / 1000' "$dir/.mreorg/ledger.json")
  printf '| %s | %.1f s | %.1f s | %.2f s | %.1f MB | %.1f MB |\n' "$formats" "$wall" "$cpu" "$perScript" \
    "$(echo "$output / 1000000" | bc -l)" "$(echo "$report / 1000000" | bc -l)"
}

generate "$WORK/formats-png" "['png']"
generate "$WORK/formats-png-svg" "['png', 'svg']"
rm -f "$RES"/formats-*.times
before=$(cut -d' ' -f1-3 /proc/loadavg)
build png; build png-svg # warm-up: the page cache and Python's bytecode
rm -f "$RES"/formats-*.times
# Alternated, so a change of load during the run weighs on both alike.
for _ in $(seq "$RUNS"); do build png; build png-svg; done
after=$(cut -d' ' -f1-3 /proc/loadavg)
echo "| figures.formats | cold build, $N scripts x 3 figures, -j 2: wall (median of $RUNS) | CPU time, mreorg + scripts | mean script run | figure files | report/ adds on disk |"
echo "|---|---|---|---|---|---|"
row png "['png']"
row png-svg "['png', 'svg']"
echo
echo "load (1, 5, 15 min) before: $before; after: $after; $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
