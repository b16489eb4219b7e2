#!/usr/bin/env bash
# `snakemake --slurm-requeue` and a train job that SLURM requeues while it trains, on the one-node
# cluster of scripts/slurm_cluster.sh with the SLURM profile (see lib.sh). `scontrol requeue`
# does what a preemption with PreemptMode=REQUEUE does: SIGTERM to every process of the job,
# SIGKILL KillWait (30 s) later, and the job back to PENDING, to run again from its batch script
# once cred_expire (10 s on the test cluster) has passed. (A time limit signals the same way but
# does not requeue; `scancel --signal=USR1` signals the job steps only, and the job then ends as
# failed, for Snakemake's --retries.) Checks that the job was requeueable (the cluster's
# JobRequeue=0 leaves that to --slurm-requeue), that kgpert got the SIGTERM and wrote its
# checkpoint, that the job ran a second time (Restarts=1) and resumed from the checkpoint in the
# epoch it stopped in, that the outer Snakemake took the job's return to PENDING in its stride
# and finished, and that run.h5 equals that of an uninterrupted run (a local Snakemake run of the
# same config, meanwhile on the other core) bit for bit.
#   tests/slurm/requeue.sh [KGPERT]     (default: $KGPERT, else build/kgpert)
# The cluster is started and stopped as lib.sh says; runs of the SLURM tests on one machine take
# turns. KGPERT_KEEP_TMP=1 keeps the scratch directory.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
snake_pid="" ref_pid=""
slurm_test_cleanup() {  # called at exit: SIGINT makes Snakemake cancel its jobs (SLURM or local)
  local pid
  for pid in $snake_pid $ref_pid; do
    kill -INT "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  return 0
}
slurm_test_setup "${1:-}"

# One GAT job of the test config, long enough to be requeued while it trains: 200 epochs of 56
# steps of one signature (~20 s on an idle core; patience = epochs, so it runs them all).
cfg="$ROOT/configs/test.yaml"
long=(threads=1 'sweep={models: [gat], ablations: [none]}'
      'train={epochs: 200, patience: 200, batch_size: 1}' "$TEST_RESOURCES")
run=results/test/runs/model~gat/ablation~none/split~random/seed~0/run.h5
log="$tmp/results/test/logs/train/model~gat/ablation~none/split~random/seed~0.log"
start=$SECONDS

# The uninterrupted run, local (one core), in the background.
mkdir -p "$tmp/ref"
"$VENV/bin/snakemake" --snakefile "$ROOT/Snakefile" --directory "$tmp/ref" --cores 1 \
  --configfile "$cfg" --config "${long[@]}" -- "$run" >"$tmp/ref.log" 2>&1 &
ref_pid=$!

# The same through SLURM, every job submitted with --requeue (--slurm-requeue, which the profile
# sets as well), given up after 5 min.
timeout -s INT -k 30 300 "${SNAKE_SLURM[@]}" --slurm-requeue --configfile "$cfg" \
  --config "${long[@]}" -- "$run" >"$tmp/snake.log" 2>&1 &
snake_pid=$!
wait_until() {  # wait_until SECONDS WHAT COMMAND...: polls COMMAND every 0.2 s
  local limit=$((SECONDS + $1)) what="$2"; shift 2
  until "$@"; do
    if ((SECONDS > limit)) || ! kill -0 "$snake_pid" 2>/dev/null; then
      slurm_failure_report "$tmp/snake.log"
      fail "$what"
    fi
    sleep 0.2
  done
}

# 1. The train job runs and has trained 5 epochs; it may be requeued (Requeue=1: the flag
# reached sbatch).
run_id=""
train_job() {  # the train job's id and state -> job, state
  [[ -n $run_id ]] || run_id="$(sed -n 's/^SLURM run ID: //p' "$tmp/snake.log")"
  [[ -n $run_id ]] || return 1
  read -r job state < <(squeue -h --states=all --name "$run_id" -o '%i %T %k' | awk '$3 ~ /^rule_train_/ {print $1, $2}') || return 1
}
running_for_5_epochs() { train_job && [[ $state == RUNNING ]] && grep -q '^epoch   5 ' "$log" 2>/dev/null; }
wait_until 150 "the train job did not reach epoch 5 in SLURM" running_for_5_epochs
echo "ok: train job $job running, epoch 5 done, $((SECONDS - start)) s after the start"
scontrol show job "$job" | grep -qw 'Requeue=1' || { scontrol show job "$job"; fail "job $job may not be requeued (Requeue=0)"; }

# 2. Requeued: SIGTERM to all its processes (kgpert among them, in the job step that the
# executor's srun started). The job goes back to PENDING; before it starts again, the first
# run's log (the second overwrites it) says kgpert stopped with a checkpoint, which is there.
scontrol requeue "$job"
requeued=$SECONDS
pending() { train_job && [[ $state == PENDING ]]; }
wait_until 60 "job $job did not go back to PENDING after scontrol requeue" pending
cp "$log" "$tmp/first.log"
stop="$(grep '^train: stopped by' "$tmp/first.log")" || { cat "$tmp/first.log"; fail "the first run's log does not say it stopped"; }
[[ $stop =~ ^train:\ stopped\ by\ SIGTERM\ in\ epoch\ ([0-9]+):\ checkpoint\ \".*/run.h5.ckpt\"\ written ]] \
  || fail "unexpected stop message: $stop"
stopped_epoch="${BASH_REMATCH[1]}"
[[ -e $tmp/$run.ckpt && ! -e $tmp/$run ]] || fail "after the requeue: no checkpoint, or a run.h5"
echo "ok: requeued; kgpert: ${stop%%;*}"

# 3. The second run: the outer Snakemake (polling squeue) waited through PENDING and finished.
rc=0
wait "$snake_pid" || rc=$?
snake_pid=""
if [[ $rc -ne 0 ]]; then slurm_failure_report "$tmp/snake.log"; fail "Snakemake failed (exit $rc)"; fi
echo "ok: Snakemake finished $((SECONDS - requeued)) s after the requeue"
scontrol show job "$job" >"$tmp/job.txt"
grep -qw 'JobState=COMPLETED' "$tmp/job.txt" && grep -qw 'Restarts=1' "$tmp/job.txt" \
  || { cat "$tmp/job.txt"; fail "job $job did not complete after one restart"; }
resumed="$(grep '^train: resuming from checkpoint' "$log")" || { cat "$log"; fail "the second run did not resume"; }
# "after epoch K and S steps of epoch K+1" (or "after epoch K"): K+1 is the epoch it stopped in.
[[ $resumed =~ after\ epoch\ ([0-9]+) ]] || fail "unexpected resume message: $resumed"
((BASH_REMATCH[1] + 1 == stopped_epoch)) || fail "stopped in epoch $stopped_epoch, but: $resumed"
[[ ! -e $tmp/$run.ckpt ]] || fail "the checkpoint is still there after run.h5 was written"
echo "ok: job $job COMPLETED after 1 restart; kgpert: $resumed"

# 4. The same run.h5 as the uninterrupted run.
rc=0
wait "$ref_pid" || rc=$?
ref_pid=""
[[ $rc -eq 0 ]] || { tail -n 30 "$tmp/ref.log"; fail "the uninterrupted local run failed"; }
"$PY" "$ROOT/tests/pipeline/same_run.py" "$tmp/ref/$run" "$tmp/$run" "requeued"
echo "slurm requeue: all checks passed in $((SECONDS - start)) s"
