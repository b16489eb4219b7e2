# Shared by the SLURM tests (sourced): one such test at a time on this machine, the one-node
# cluster of scripts/slurm_cluster.sh, a scratch directory and the test profile.
#   source "$(dirname "$0")/lib.sh"; slurm_test_setup "${1:-}"
# After slurm_test_setup: KGPERT (checked, exported), ROOT, VENV, PY, tmp (scratch; removed at
# exit unless KGPERT_KEEP_TMP=1), partition, $tmp/profile (the SLURM profile with the test's
# settings, see slurm_test_profile), SNAKE_SLURM (the Snakemake command line: the repository's
# Snakefile in $tmp with that profile) and TEST_RESOURCES (a --config value: what every job asks
# for, small enough for the test node). The cluster is started, and stopped at exit, unless
# KGPERT_SLURM_UP=1 (a SLURM cluster whose config is /etc/slurm/slurm.conf runs already, with a
# partition that fits these jobs) or one from slurm_cluster.sh is up already (then it is left
# running). A test's own clean-up goes in a function slurm_test_cleanup, called first at exit.
# Needs root and, the first time, apt-get (slurm-wlm, munge, libpmix-dev).
source "$(dirname "${BASH_SOURCE[0]}")/../pipeline/lib.sh"

SLURM_CLUSTER="$ROOT/scripts/slurm_cluster.sh"
# 1 GB (jobs must fit the node, two at a time; ingest 1.5 GB, so that a test can tell the
# config's sections apart), 30 min.
TEST_RESOURCES='resources={default: {mem_mb: 1000, runtime: 30}, ingest: {mem_mb: 1500, runtime: 30}, train: {mem_mb: 1000, runtime: 30}}'

_slurm_started=0
_slurm_cleanup() {
  if declare -F slurm_test_cleanup >/dev/null; then slurm_test_cleanup || true; fi
  if [[ $_slurm_started -eq 1 ]]; then bash "$SLURM_CLUSTER" stop >/dev/null 9>&- || true; fi
  if [[ ${KGPERT_KEEP_TMP:-0} == 1 ]]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}

# slurm_test_setup [KGPERT]
slurm_test_setup() {
  cli_test_setup "${1:-}"  # KGPERT (checked), PY, one OpenMP/OpenBLAS thread
  export KGPERT
  # One SLURM test at a time on this machine: a second waits (up to 7 min) for the first, which
  # may stop the cluster both would use. (The daemons must not inherit the lock: 9>&-.)
  # The lock lives in /run/lock (a lock file must outlive every test that takes it, so it
  # cannot be removed by one of them; /run is cleared at boot and is no temporary directory).
  local lock=/run/lock/kgpert-slurm-test.lock
  mkdir -p /run/lock
  exec 9>"$lock"
  flock -w 420 9 || fail "another SLURM test has held $lock for 7 min"

  tmp="$(mktemp -d)"
  trap _slurm_cleanup EXIT

  # The cluster (its config in the default place: job steps drop SLURM_CONF).
  unset SLURM_CONF
  if [[ ${KGPERT_SLURM_UP:-0} == 1 ]]; then
    echo "ok: using the running cluster (KGPERT_SLURM_UP=1)"
  elif bash "$SLURM_CLUSTER" status >/dev/null 2>&1 9>&-; then
    echo "ok: a cluster of slurm_cluster.sh is up; using it (left running)"
  else
    _slurm_started=1
    local start=$SECONDS
    bash "$SLURM_CLUSTER" start 9>&- || fail "could not start the SLURM cluster (see the messages above)"
    echo "ok: cluster up in $((SECONDS - start)) s"
  fi
  partition="$(sinfo -h -o %R | head -n1)" || fail "sinfo does not answer"
  [[ -n $partition ]] || fail "the cluster has no partition"
  export KGPERT_SLURM_ACCOUNT="" KGPERT_SLURM_PARTITION="$partition"
  slurm_test_profile "$tmp/profile"
  SNAKE_SLURM=("$VENV/bin/snakemake" --snakefile "$ROOT/Snakefile" --directory "$tmp" --profile "$tmp/profile")
}

# slurm_test_profile DIR: DIR/config.yaml, the SLURM profile (cluster/slurm/config.yaml) with no
# retries and job states from squeue (no accounting database here; the cluster keeps finished
# jobs for MinJobAge = 1 h), checked 2 s after submission, then every 12, 22 s...
slurm_test_profile() {
  mkdir -p "$1"
  "$VENV/bin/python" - "$ROOT/cluster/slurm/config.yaml" "$1/config.yaml" <<'PYEOF'
import sys, yaml
prof = yaml.safe_load(open(sys.argv[1]))
prof.update({"retries": 0, "latency-wait": 10, "slurm-status-command": "squeue",
             "slurm-init-seconds-before-status-checks": 2})
assert prof["set-resources"]["train_mpi"]["mpi"].startswith("srun --mpi="), prof
yaml.safe_dump(prof, open(sys.argv[2], "w"), sort_keys=False)
PYEOF
}

# slurm_failure_report LOG: the end of Snakemake's LOG, the cluster's jobs and every job log.
slurm_failure_report() {
  tail -n 80 "$1"
  echo "== the cluster's jobs:"; squeue --states=all || true
  find "$tmp/.snakemake/slurm_logs" "$tmp/results" -name '*.log' 2>/dev/null | sort | while read -r f; do
    echo "== $f"; tail -n 20 "$f"
  done
}
