#!/usr/bin/env bash
# Changes one script's content (a new comment line): a change every tool sees (mtime and hash both change).
# Usage: bash bench/touch-one.sh SCRIPT.py
set -eu
printf '# edit %s\n' "$(date +%s%N)" >> "$1"
