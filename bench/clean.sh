#!/usr/bin/env bash
# Resets a generated project (bench/generate.mjs) to "never built" for one tool: no stamps, none of its state.
# Usage: bash bench/clean.sh PROJECT ninja|make|doit|snakemake|mreorg
set -eu
proj=$1
tool=$2
find "$proj/scripts" -name '*.stamp' -delete
case $tool in
  ninja) rm -f "$proj/.ninja_log" "$proj/.ninja_deps" ;;
  make) ;;
  doit) rm -f "$proj"/.doit.db* ;;
  snakemake) rm -rf "$proj/.snakemake" ;;
  mreorg*) rm -rf "$proj/scripts/.mreorg" "$proj/scripts/report" ;;
  *) echo "clean.sh: unknown tool $tool" >&2; exit 2 ;;
esac
