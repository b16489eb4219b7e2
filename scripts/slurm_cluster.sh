#!/usr/bin/env bash
# A one-node SLURM cluster on this machine, for tests (Debian 12, as root, no systemd needed).
#
#   bash scripts/slurm_cluster.sh start|stop|status
#
# start: installs slurm-wlm, munge and libpmix-dev (srun --mpi=pmix loads its libpmix.so) from
#   Debian if missing, makes a munge key if there is none, writes /etc/slurm/slurm.conf (one
#   node named `hostname -s` with the CPUs and memory `slurmd -C` reports, one partition
#   "kgpert"), starts munged (unless one answers already), slurmctld and slurmd, and waits
#   until the node is idle. Running it again while the cluster is up does nothing.
# stop: cancels this cluster's jobs, stops the daemons that start started, removes the
#   slurm.conf that start wrote (left without its daemons, it makes every scontrol call wait
#   ~10 s for a controller that is not there; the executor plugin makes such calls whenever
#   Snakemake starts, with any profile) and what start wrote into KGPERT_SLURM_DIR (state,
#   spool, logs; the directory itself when that leaves it empty).
# status: sinfo and squeue, or says the cluster is down (exit 1).
#
# The config goes to SLURM's default place, /etc/slurm/slurm.conf, because the executor
# plugin's job steps drop SLURM_CONF from the environment of the commands they run (srun
# inside a job would not find a config elsewhere); a slurm.conf there that this script did
# not write is never overwritten. State, spool, logs and pid files go to KGPERT_SLURM_DIR
# (default /tmp/kgpert-cluster). There is no accounting (no slurmdbd): sacct does not answer;
# finished jobs stay visible to `squeue --states=all` for MinJobAge (1 h) and get a line in
# $KGPERT_SLURM_DIR/jobcomp.log.
set -euo pipefail

DIR="${KGPERT_SLURM_DIR:-/tmp/kgpert-cluster}"
PARTITION=kgpert
export SLURM_CONF=/etc/slurm/slurm.conf
MARK="# Written by scripts/slurm_cluster.sh"
NODE="$(hostname -s)"

say() { printf '[slurm] %s\n' "$*"; }
die() { printf '[slurm] ERROR: %s\n' "$*" >&2; exit 1; }

# alive PIDFILE: its process runs and has the file's name (slurmd.pid: slurmd), so a stale
# file whose pid came back for another program does not count.
alive() {
  local pid
  pid="$(cat "$1" 2>/dev/null)" || return 1
  [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$(basename "$1" .pid)" ]]
}
munge_ok() { command -v munge >/dev/null && munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }
node_state() { sinfo -h -n "$NODE" -o %t 2>/dev/null | head -n1; }

install_packages() {
  local p missing=()
  for p in slurm-wlm munge libpmix-dev; do
    [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" == "install ok installed" ]] || missing+=("$p")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  say "installing ${missing[*]} (apt-get)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$DIR/apt.log" 2>&1 \
    || { tail -n 5 "$DIR/apt.log" >&2; die "could not install ${missing[*]} with apt-get (see $DIR/apt.log)"; }
}

start_munge() {
  if munge_ok; then say "munged already running"; return 0; fi
  if [[ ! -s /etc/munge/munge.key ]]; then
    say "creating /etc/munge/munge.key"
    mungekey --create --keyfile=/etc/munge/munge.key
  fi
  chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
  install -d -o munge -g munge -m 755 /run/munge
  runuser -u munge -- munged --force || die "munged did not start (see /var/log/munge/munged.log)"
  for _ in $(seq 50); do munge_ok && break; sleep 0.1; done
  munge_ok || die "munge does not answer (see /var/log/munge/munged.log)"
  cp /run/munge/munged.pid "$DIR/munged.pid"   # ours: stop ends it
}

write_conf() {
  # slurmd -C: "NodeName=... CPUs=... Boards=... SocketsPerBoard=... CoresPerSocket=...
  # ThreadsPerCore=... RealMemory=..." (its second line is the uptime).
  local node_line
  node_line="$(slurmd -C | head -n1)"
  [[ $node_line == NodeName=* ]] || die "slurmd -C printed: $node_line"
  if [[ -e $SLURM_CONF ]] && [[ "$(head -n1 "$SLURM_CONF")" != "$MARK"* ]]; then
    die "$SLURM_CONF exists and was not written by this script: not overwriting it"
  fi
  mkdir -p "$(dirname "$SLURM_CONF")"
  cat >"$SLURM_CONF" <<EOF
$MARK: a one-node test cluster (run as root); state and logs in $DIR.
ClusterName=kgpert
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/slurmctld.log
SlurmdLogFile=$DIR/slurmd.log
# No cgroups in a container: track processes by parent, no task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
MailProg=/bin/true
# No accounting database: job states come from slurmctld (squeue --states=all), which keeps
# finished jobs for MinJobAge seconds; a line per finished job goes to jobcomp.log.
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/jobcomp.log
MinJobAge=3600
# Requeueing (tests/slurm/requeue.sh): only jobs submitted with --requeue (Snakemake's
# --slurm-requeue) may be requeued, as at sites that turn the default off; a job that is
# requeued, preempted or at its time limit gets SIGTERM on all its processes and SIGKILL
# KillWait s later (the default, written out: train's checkpoint must be written in it); a
# requeued job may start again once its old credentials have expired, cred_expire s (default
# 120) after the requeue.
JobRequeue=0
KillWait=30
AuthInfo=cred_expire=10
$node_line NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=$PARTITION Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
}

wait_idle() {
  local state=""
  for _ in $(seq 60); do
    state="$(node_state)"
    [[ $state == idle || $state == mix || $state == alloc ]] && return 0
    sleep 1
  done
  die "node $NODE is not idle after 60 s (state: \"${state:-no answer}\"); read $DIR/slurmctld.log and $DIR/slurmd.log"
}

start() {
  [[ $(id -u) -eq 0 ]] || die "run as root (slurmd must run as root)"
  mkdir -p "$DIR"
  install_packages
  if alive "$DIR/slurmctld.pid" && alive "$DIR/slurmd.pid" && munge_ok; then
    say "already running"
  else
    stop_daemons
    rm -rf "$DIR/state" "$DIR/spool" "$DIR/jobcomp.log"
    mkdir -p "$DIR/state" "$DIR/spool"
    write_conf
    start_munge
    slurmctld || die "slurmctld did not start (see $DIR/slurmctld.log)"
    slurmd || die "slurmd did not start (see $DIR/slurmd.log)"
  fi
  wait_idle
  say "node $NODE idle in partition $PARTITION (config $SLURM_CONF, logs in $DIR)"
}

# Ends the daemons whose pid files are in $DIR (slurmd, slurmctld, and munged when start
# started it), waiting up to 10 s each before SIGKILL.
stop_daemons() {
  local name pid
  for name in slurmd slurmctld munged; do
    alive "$DIR/$name.pid" || { rm -f "$DIR/$name.pid"; continue; }
    pid="$(cat "$DIR/$name.pid")"
    kill "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    rm -f "$DIR/$name.pid"
    say "stopped $name ($pid)"
  done
}

stop() {
  if alive "$DIR/slurmctld.pid"; then
    scancel --full -u "$(id -un)" 2>/dev/null || true
    for _ in $(seq 50); do [[ -z "$(squeue -h -t running,completing 2>/dev/null)" ]] && break; sleep 0.2; done
  fi
  stop_daemons
  alive "$DIR/slurmctld.pid" && return 0
  if [[ "$(head -n1 "$SLURM_CONF" 2>/dev/null)" == "$MARK"* ]]; then rm -f "$SLURM_CONF"; fi
  rm -rf "$DIR/state" "$DIR/spool" "$DIR/jobcomp.log" "$DIR/apt.log" \
    "$DIR/slurmctld.log" "$DIR/slurmd.log" "$DIR"/*.pid
  rmdir "$DIR" 2>/dev/null || true
}

status() {
  if alive "$DIR/slurmctld.pid"; then
    sinfo
    squeue --states=all
  else
    echo "not running (no slurmctld from $DIR)"
    return 1
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
