#!/usr/bin/env bash
# The warm executor against a fresh python per script (bash bench/warm.sh; ~5 min on 2 cores; not in run.sh):
#   heavy: N scripts that import numpy + matplotlib.pyplot and save one figure each (BENCH_WARM_N, default 60)
#   light: M trivial scripts (BENCH_WARM_M, default 200)
# each built with 2 jobs by mreorg --warm, mreorg --no-warm (both `build -B`: every script runs, the ledger of a
# first build is there to learn the preload set from), ninja -j2 and make -j2 running `python3 X.py`.
# Results: bench/work/warm/*.json and a Markdown table on stdout.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
WORK=${BENCH_WORK:-$HERE/work}/warm
PY=${BENCH_PYTHON:-/usr/bin/python3}
N=${BENCH_WARM_N:-60}
M=${BENCH_WARM_M:-200}
RUNS=${BENCH_RUNS:-3}
MREORG="node $ROOT/bin/mreorg.js"
rm -rf "$WORK" && mkdir -p "$WORK"

project() { # project DIR COUNT BODY
  local dir=$1 count=$2 body=$3
  mkdir -p "$dir/figs" "$dir/stamps"
  echo "export default { python: '$PY', figures: { formats: ['png'] } };" > "$dir/mreorg.config.mjs"
  printf 'rule py\n  command = cd %s && MPLBACKEND=Agg %s $in > /dev/null && touch $out\n' "$dir" "$PY" > "$dir/build.ninja"
  : > "$dir/Makefile"
  local all=""
  for i in $(seq -w 1 "$count"); do
    printf '%s' "${body//NAME/s$i}" > "$dir/s$i.py"
    printf 'build stamps/s%s: py s%s.py\n' "$i" "$i" >> "$dir/build.ninja"
    printf 'stamps/s%s: s%s.py\n\tMPLBACKEND=Agg %s s%s.py > /dev/null && touch $@\n' "$i" "$i" "$PY" "$i" >> "$dir/Makefile"
    all="$all stamps/s$i"
  done
  printf 'all:%s\n' "$all" | cat - "$dir/Makefile" > "$dir/Makefile.tmp" && mv "$dir/Makefile.tmp" "$dir/Makefile"
  (cd "$dir" && $MREORG build --no-warm --no-report -j 2 > /dev/null)  # the ledger the warm build learns from
}

HEAVY='import numpy as np
import matplotlib.pyplot as plt
x = np.linspace(0, 1, 100)
plt.plot(x, np.sin(x * 7))
plt.savefig("figs/NAME.png")
plt.close()
'
LIGHT='print("NAME")
'
project "$WORK/heavy" "$N" "$HEAVY"
project "$WORK/light" "$M" "$LIGHT"

for kind in heavy light; do
  d=$WORK/$kind
  hyperfine --runs "$RUNS" --export-json "$WORK/$kind.json" \
    --prepare true --prepare true --prepare "rm -f $d/stamps/* $d/.ninja_log" --prepare "rm -f $d/stamps/*" \
    -n "mreorg --warm" "cd $d && $MREORG build -B --warm --no-report -j 2" \
    -n "mreorg --no-warm" "cd $d && $MREORG build -B --no-warm --no-report -j 2" \
    -n "ninja -j2" "ninja -C $d -j2 > /dev/null" \
    -n "make -j2" "make -C $d -j2 -s"
done

node -e '
const fs = require("fs");
for (const kind of ["heavy", "light"]) {
  const r = JSON.parse(fs.readFileSync(process.argv[1] + "/" + kind + ".json", "utf8")).results;
  const ninja = r.find((x) => x.command === "ninja -j2").median;
  console.log(`\n${kind}: median s (x ninja)`);
  for (const x of r) console.log(`| ${x.command} | ${x.median.toFixed(2)} | ${(x.median / ninja).toFixed(2)}x |`);
}' "$WORK"
