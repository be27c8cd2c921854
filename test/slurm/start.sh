#!/usr/bin/env bash
# Starts a one-node SLURM cluster on 127.0.0.1 for mreorg's tests: installs Debian's slurmctld, slurmd,
# slurm-client and munge when missing, starts munged (unless one already answers), slurmctld and slurmd with a
# configuration in $MREORG_SLURM_STATE (default /tmp/mreorg-slurm), and waits until the node is idle.
# Clients find the cluster with SLURM_CONF=$MREORG_SLURM_STATE/slurm.conf (printed on the last line).
# Idempotent: when the cluster is already up this does nothing. What it started is listed in
# $STATE/started, which stop.sh stops and nothing else. No systemd or cgroups needed.
set -euo pipefail
STATE="${MREORG_SLURM_STATE:-/tmp/mreorg-slurm}"
CONF="$STATE/slurm.conf"
export SLURM_CONF="$CONF"
NODE="$(hostname -s)"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo

die() { echo "start.sh: $*" >&2; exit 1; }

up() { [ -f "$CONF" ] && scontrol ping 2>/dev/null | grep -q 'is UP' && [ "$(sinfo -h -n "$NODE" -o %T 2>/dev/null)" != "" ]; }

if command -v scontrol >/dev/null && up; then
  echo "SLURM_CONF=$CONF"; exit 0
fi

need=()
for p in slurmctld slurmd slurm-client munge; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then
  echo "start.sh: installing ${need[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

$SUDO install -d -o slurm -g slurm "$STATE" "$STATE/ctld" "$STATE/log" "$STATE/pids"
$SUDO install -d "$STATE/slurmd"
touch "$STATE/started"

# munged: reuse one that answers (a machine's own); else start ours and remember its pid.
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  $SUDO install -d -o munge -g munge -m 755 /run/munge
  $SUDO runuser -u munge -- munged --force
  for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
  munge -n | unmunge >/dev/null || die "munged does not answer"
  echo "munged $(cat /run/munge/munged.pid)" >> "$STATE/started"
fi

mem_mb=$(awk '/MemTotal/ { print int($2 / 1024 * 0.9) }' /proc/meminfo)
# More CPUs than the machine has (config_overrides): trivial test jobs then run side by side.
cpus=$(( $(nproc) > 8 ? $(nproc) : 8 ))
cat > "$CONF" <<CONF
ClusterName=mreorgtest
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=slurm
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
MailProg=/bin/true
SwitchType=switch/none
ProctrackType=proctrack/pgid
TaskPlugin=task/none
# Memory limits without cgroups: slurmstepd samples each task every second and kills one past --mem.
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=task=1
JobAcctGatherParams=OverMemoryKill
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$STATE/log/jobcomp.log
SelectType=select/cons_tres
# Memory is a consumable resource, so --mem sets a limit (enforced by jobacct_gather below); jobs without
# --mem get DefMemPerCPU.
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1000
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
SlurmdParameters=config_overrides
ReturnToService=2
EnforcePartLimits=ALL
MinJobAge=300
KillWait=5
OverTimeLimit=0
InactiveLimit=0
MessageTimeout=10
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/slurmd
SlurmctldPidFile=$STATE/pids/slurmctld.pid
SlurmdPidFile=$STATE/pids/slurmd.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
CONF

running() { [ -f "$1" ] && [ -d "/proc/$(cat "$1")" ] && grep -qx "$2" "/proc/$(cat "$1")/comm"; }

if ! running "$STATE/pids/slurmctld.pid" slurmctld; then
  $SUDO slurmctld -c -i -f "$CONF"
  for _ in $(seq 100); do scontrol ping 2>/dev/null | grep -q 'is UP' && break; sleep 0.1; done
  scontrol ping | grep -q 'is UP' || die "slurmctld did not come up; see $STATE/log/slurmctld.log"
  echo "slurmctld $(cat "$STATE/pids/slurmctld.pid")" >> "$STATE/started"
fi
if ! running "$STATE/pids/slurmd.pid" slurmd; then
  $SUDO slurmd -f "$CONF" -N "$NODE"
  for _ in $(seq 50); do [ -f "$STATE/pids/slurmd.pid" ] && break; sleep 0.1; done
  echo "slurmd $(cat "$STATE/pids/slurmd.pid")" >> "$STATE/started"
fi
for _ in $(seq 300); do
  case "$(sinfo -h -n "$NODE" -o %T 2>/dev/null)" in idle|mixed|allocated) echo "SLURM_CONF=$CONF"; exit 0;; esac
  sleep 0.1
done
die "node $NODE is not idle after 30 s ($(sinfo -h -n "$NODE" -o '%T %E' 2>&1)); see $STATE/log/"
