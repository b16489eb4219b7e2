#!/usr/bin/env bash
# The sweep of configs/test.yaml through a real SLURM cluster: the one-node cluster of
# scripts/slurm_cluster.sh, the SLURM profile (cluster/slurm/config.yaml, see lib.sh), the test's
# job resources from the config (TEST_RESOURCES) and dist.ranks=2, so the GAT and MLP jobs are
# 2-rank MPI jobs started by the profile's srun --mpi=pmix. Checks the report, that the GAT
# trained on 2 ranks, that every job ran as a SLURM job (the train_mpi jobs with 2 tasks), and
# that the config's resources reached SLURM (memory and time limit of the jobs).
#   tests/slurm/sweep.sh [KGPERT]     (default: $KGPERT, else build/kgpert)
# The cluster is started and stopped as lib.sh says; runs of the SLURM tests on one machine take
# turns. KGPERT_KEEP_TMP=1 keeps the scratch directory.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
slurm_test_setup "${1:-}"

# The sweep, with the GAT and MLP jobs on 2 ranks (given up after 7 min: SIGINT makes
# Snakemake cancel its SLURM jobs).
cfg="$ROOT/configs/test.yaml"
res="$tmp/results/test"
start=$SECONDS
rc=0
timeout -s INT -k 30 420 "${SNAKE_SLURM[@]}" --configfile "$cfg" --config threads=1 'dist={ranks: 2}' \
  'partition={parts: 2}' "$TEST_RESOURCES" >"$tmp/snake.log" 2>&1 || rc=$?
if [[ $rc -ne 0 ]]; then
  slurm_failure_report "$tmp/snake.log"
  [[ $rc -eq 124 ]] && echo "the sweep did not finish in 7 min"
  fail "the sweep through SLURM failed"
fi
echo "ok: sweep through SLURM in $((SECONDS - start)) s"

# What it wrote.
"$VENV/bin/python" "$ROOT/tests/pipeline/check_report.py" "$res/report.h5" "$cfg" "$res/compare.csv"
expect_two_ranks "$res"
echo "ok: report checked; the GAT trained on 2 ranks"

# Every job ran as a SLURM job that completed: squeue (finished jobs stay for MinJobAge) lists
# one job per rule the log shows (the local rule `all` aside), all named with this run's id;
# the train_mpi jobs had 2 tasks (2 CPUs) and 2 x resources.train.mem_mb; ingest its own
# memory, the other jobs resources.default's; all the time limit of 30 min, and --requeue.
run_id="$(sed -n 's/^SLURM run ID: //p' "$tmp/snake.log")"
[[ -n $run_id ]] || fail "no SLURM run ID in the Snakemake log"
squeue -h --states=all --name "$run_id" -o '%i %T %C %k %m %l' >"$tmp/jobs.txt"
cat "$tmp/jobs.txt"
expect_eq "SLURM jobs of the run" "$(wc -l <"$tmp/jobs.txt")" "$(grep -c '^rule ' "$tmp/snake.log")"
expect_eq "jobs of the run not COMPLETED" "$(awk '$2 != "COMPLETED"' "$tmp/jobs.txt")" ""
expect_eq "train_mpi jobs with 2 CPUs" "$(awk '$4 ~ /^rule_train_mpi/ && $3 == 2' "$tmp/jobs.txt" | wc -l)" 3
expect_eq "memory of the jobs by rule" \
  "$(awk '{sub(/_wildcards.*/, "", $4); print $4, $5}' "$tmp/jobs.txt" | sort -u | tr '\n' ' ')" \
  "rule_compare 1000M rule_explain 1000M rule_ingest 1500M rule_partition 1000M rule_plots 1000M rule_report 1000M rule_split 1000M rule_synth 1000M rule_tables 1000M rule_train_mpi 2000M "
expect_eq "jobs without a 30 min limit" "$(awk '$6 != "30:00"' "$tmp/jobs.txt")" ""
expect_eq "jobs that may not be requeued (the profile sets slurm-requeue)" \
  "$(squeue -h --states=all --name "$run_id" -O 'JobID:12,Requeue:4' | awk '$2 != 1')" ""
echo "slurm: all checks passed"
