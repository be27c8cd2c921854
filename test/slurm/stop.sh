#!/usr/bin/env bash
# Stops what start.sh started (listed in $MREORG_SLURM_STATE/started), and nothing else: cancels every job first
# (their slurmstepd processes outlive slurmd), then the daemons by pid, checking each pid is still that daemon.
set -uo pipefail
STATE="${MREORG_SLURM_STATE:-/tmp/mreorg-slurm}"
export SLURM_CONF="$STATE/slurm.conf"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
[ -f "$STATE/started" ] || exit 0
if [ -s "$STATE/started" ] && scontrol ping 2>/dev/null | grep -q 'is UP'; then
  squeue -h -o %i 2>/dev/null | xargs -r $SUDO scancel 2>/dev/null
  for _ in $(seq 100); do [ -z "$(squeue -h -t running,completing -o %i 2>/dev/null)" ] && break; sleep 0.1; done
fi
# Stop in the reverse order of starting; a zombie (not yet reaped by pid 1) counts as stopped.
tac "$STATE/started" | while read -r name pid; do
  [ -n "$pid" ] || continue
  if [ -d "/proc/$pid" ] && grep -qx "$name" "/proc/$pid/comm"; then
    $SUDO kill "$pid"
    for _ in $(seq 100); do
      { [ ! -d "/proc/$pid" ] || grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; } && break
      sleep 0.1
    done
  fi
done
rm -f "$STATE/started"
