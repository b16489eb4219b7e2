#!/usr/bin/env bash
# The sweep of configs/test.yaml through a real SLURM cluster: the one-node cluster of
# scripts/slurm_cluster.sh, the SLURM profile (cluster/slurm/config.yaml, with the test's
# resources below) and dist.ranks=2, so the GAT and MLP jobs are 2-rank MPI jobs started by
# the profile's srun --mpi=pmix. Checks the report, that the GAT trained on 2 ranks, and that
# every job ran as a SLURM job (and the train_mpi jobs with 2 tasks).
#   tests/slurm/sweep.sh [KGPERT]     (default: $KGPERT, else build/kgpert)
# Starts the cluster and stops it at the end, unless KGPERT_SLURM_UP=1 (a SLURM cluster whose
# config is /etc/slurm/slurm.conf runs already, with a partition that fits these jobs) or one
# from slurm_cluster.sh is up already (then it is left running). Runs of this test on one
# machine take turns. Needs root and, the first time, apt-get (slurm-wlm, munge, libpmix-dev).
# KGPERT_KEEP_TMP=1 keeps the scratch directory.
set -euo pipefail
source "$(dirname "$0")/../pipeline/lib.sh"
cli_test_setup "${1:-}"  # KGPERT (checked), one OpenMP/OpenBLAS thread
export KGPERT
cluster="$ROOT/scripts/slurm_cluster.sh"

# One run at a time on this machine: a second waits (up to 7 min) for the first, which may
# stop the cluster both would use. (The daemons must not inherit the lock: 9>&-.)
lock="${KGPERT_SLURM_DIR:-/tmp/kgpert-cluster}.lock"
exec 9>"$lock"
flock -w 420 9 || fail "another tests/slurm/sweep.sh has held $lock for 7 min"

tmp="$(mktemp -d)"
started=0
cleanup() {
  if [[ $started -eq 1 ]]; then bash "$cluster" stop >/dev/null 9>&- || true; fi
  if [[ ${KGPERT_KEEP_TMP:-0} == 1 ]]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

# 1. The cluster (its config in the default place: job steps drop SLURM_CONF).
unset SLURM_CONF
if [[ ${KGPERT_SLURM_UP:-0} == 1 ]]; then
  echo "ok: using the running cluster (KGPERT_SLURM_UP=1)"
elif bash "$cluster" status >/dev/null 2>&1 9>&-; then
  echo "ok: a cluster of slurm_cluster.sh is up; using it (left running)"
else
  started=1
  start=$SECONDS
  bash "$cluster" start 9>&- || fail "could not start the SLURM cluster (see the messages above)"
  echo "ok: cluster up in $((SECONDS - start)) s"
fi
partition="$(sinfo -h -o %R | head -n1)" || fail "sinfo does not answer"
[[ -n $partition ]] || fail "the cluster has no partition"

# 2. The test profile: the SLURM profile with a test's resources (one core per task, 1 GB: a
# job must fit the node) and job states from squeue (no accounting database here; the cluster
# keeps finished jobs for MinJobAge = 1 h), checked 2 s after submission, then every 12, 22 s...
mkdir -p "$tmp/profile"
"$VENV/bin/python" - "$ROOT/cluster/slurm/config.yaml" "$tmp/profile/config.yaml" <<'PYEOF'
import sys, yaml
prof = yaml.safe_load(open(sys.argv[1]))
prof.update({"retries": 0, "latency-wait": 10, "slurm-status-command": "squeue",
             "slurm-init-seconds-before-status-checks": 2})
prof["default-resources"]["mem_mb"] = 1000
prof["set-threads"] = {"train": 1}
for rule in prof["set-resources"].values():
    rule.update(mem_mb=1000, runtime=30)
    if "cpus_per_task" in rule:
        rule["cpus_per_task"] = 1
assert prof["set-resources"]["train_mpi"]["mpi"].startswith("srun --mpi="), prof
yaml.safe_dump(prof, open(sys.argv[2], "w"), sort_keys=False)
PYEOF
export KGPERT_SLURM_ACCOUNT="" KGPERT_SLURM_PARTITION="$partition"

# 3. The sweep, with the GAT and MLP jobs on 2 ranks (given up after 7 min: SIGINT makes
# Snakemake cancel its SLURM jobs).
cfg="$ROOT/configs/test.yaml"
res="$tmp/results/test"
start=$SECONDS
rc=0
timeout -s INT -k 30 420 "$VENV/bin/snakemake" --snakefile "$ROOT/Snakefile" --directory "$tmp" \
  --profile "$tmp/profile" --configfile "$cfg" --config threads=1 'dist={ranks: 2}' \
  'partition={parts: 2}' >"$tmp/snake.log" 2>&1 || rc=$?
if [[ $rc -ne 0 ]]; then
  tail -n 80 "$tmp/snake.log"
  [[ $rc -eq 124 ]] && echo "the sweep did not finish in 7 min; the cluster's jobs:" && squeue --states=all
  find "$tmp/.snakemake/slurm_logs" "$res/logs" -name '*.log' 2>/dev/null | sort | while read -r f; do
    echo "== $f"; tail -n 20 "$f"
  done
  fail "the sweep through SLURM failed"
fi
echo "ok: sweep through SLURM in $((SECONDS - start)) s"

# 4. What it wrote.
"$VENV/bin/python" "$ROOT/tests/pipeline/check_report.py" "$res/report.h5" "$cfg" "$res/compare.csv"
expect_two_ranks "$res"
echo "ok: report checked; the GAT trained on 2 ranks"

# 5. Every job ran as a SLURM job that completed: squeue (finished jobs stay for MinJobAge) lists
# one job per rule the log shows (the local rule `all` aside), all named with this run's id;
# the train_mpi jobs had 2 tasks (2 CPUs).
run_id="$(sed -n 's/^SLURM run ID: //p' "$tmp/snake.log")"
[[ -n $run_id ]] || fail "no SLURM run ID in the Snakemake log"
squeue -h --states=all --name "$run_id" -o '%i %T %C %k' >"$tmp/jobs.txt"
cat "$tmp/jobs.txt"
expect_eq "SLURM jobs of the run" "$(wc -l <"$tmp/jobs.txt")" "$(grep -c '^rule ' "$tmp/snake.log")"
expect_eq "jobs of the run not COMPLETED" "$(awk '$2 != "COMPLETED"' "$tmp/jobs.txt")" ""
expect_eq "train_mpi jobs with 2 CPUs" "$(awk '$4 ~ /^rule_train_mpi/ && $3 == 2' "$tmp/jobs.txt" | wc -l)" 3
echo "slurm: all checks passed"
