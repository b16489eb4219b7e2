#!/usr/bin/env bash
# Re-running stages as the README shows, on configs/test.yaml in a scratch directory:
#   --until partition   stops after the partition (no split, no training);
#   --forcerun train    re-runs every train job and what reads them, nothing upstream;
#   a sweep killed (the whole process group, SIGKILL) during a train job leaves no run.h5 and
#   no half-written output; after --unlock (Snakemake was killed too) and run again
#   (--rerun-incomplete, in the profile) the job resumes from its checkpoint and the sweep
#   completes.
#   tests/pipeline/rerun.sh [KGPERT]     (default: $KGPERT, else build/kgpert)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cli_test_setup "${1:-}"  # KGPERT (checked), one OpenMP/OpenBLAS thread
export KGPERT

tmp="$(mktemp -d)"
pgid=""
trap '[[ -z $pgid ]] || kill -9 -- "-$pgid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
# Snakemake keeps a directory in the system's temporary directory that a SIGKILL (below) leaves
# behind: here it goes inside $tmp, removed at exit.
mkdir "$tmp/sys_tmp"
export TMPDIR="$tmp/sys_tmp"
cfg="$ROOT/configs/test.yaml"
res="$tmp/results/test"
run_snake() { snake "$tmp" --profile "$ROOT/cluster/local" --cores 2 --configfile "$cfg" "$@"; }

# 1. --until partition: synth, ingest and partition, nothing after.
run_snake --until partition >"$tmp/until.log" 2>&1 || { tail -n 30 "$tmp/until.log"; fail "--until partition failed"; }
[[ -s $res/partition.h5 && -s $res/graph.h5 ]] || fail "--until partition did not make the partition"
[[ ! -e $res/splits && ! -e $res/runs ]] || fail "--until partition ran past the partition"
echo "ok: --until partition stopped after the partition"

# 2. The sweep, then --forcerun train: the train jobs and their readers, not the data stages.
run_snake >"$tmp/all.log" 2>&1 || { tail -n 30 "$tmp/all.log"; fail "the sweep failed"; }
out="$(run_snake -n --forcerun train 2>&1)" || { echo "$out"; fail "--forcerun dry run failed"; }
expect_eq "jobs of --forcerun train" "$(job_counts <<<"$out")" "all=1 compare=1 explain=1 plots=1 report=1 tables=1 train=3"

# 3. Killed during a train job (longer training, so there is time to kill it mid-run).
long='train={epochs: 400, patience: 400, batch_size: 8}'
setsid "$VENV/bin/snakemake" --snakefile "$ROOT/Snakefile" --directory "$tmp" --profile "$ROOT/cluster/local" \
  --cores 1 --configfile "$cfg" --config "$long" >"$tmp/killed.log" 2>&1 &
pgid=$!
log="$res/logs/train/model~gat/ablation~none/split~random/seed~0.log"
for _ in $(seq 600); do
  grep -q '^epoch  20 ' "$log" 2>/dev/null && break
  kill -0 "$pgid" 2>/dev/null || break
  sleep 0.1
done
grep -q '^epoch  20 ' "$log" 2>/dev/null || { tail -n 30 "$tmp/killed.log"; fail "the GAT job never reached epoch 20"; }
kill -9 -- "-$pgid"
wait "$pgid" 2>/dev/null || true
pgid=""
sleep 0.2
! pgrep -f "kgpert train .*$tmp" >/dev/null || fail "a kgpert process outlived the killed sweep"
run="$res/runs/model~gat/ablation~none/split~random/seed~0/run.h5"
[[ -e $run.ckpt ]] || fail "no checkpoint after the kill"
# Nothing half-written looks like an output: run.h5 is either the old complete file or absent.
if [[ -e $run ]]; then
  "$VENV/bin/python" -c "import h5py, sys; h5py.File(sys.argv[1], 'r')['metrics/test']" "$run" \
    || fail "a half-written run.h5 after the kill"
fi
echo "ok: killed mid-job: checkpoint left, no half-written run.h5"

# Snakemake itself was killed: its lock stays until --unlock (as after a lost login node).
run_snake --unlock >"$tmp/unlock.log" 2>&1 || { cat "$tmp/unlock.log"; fail "--unlock failed"; }
run_snake --config "$long" >"$tmp/rerun.log" 2>&1 || { tail -n 30 "$tmp/rerun.log"; fail "the rerun failed"; }
# It redoes what the kill left undone and nothing upstream: train jobs (the killed one, any not
# yet run) and their readers, no data stage (the kill came after them).
counts="$(job_counts <"$tmp/rerun.log")"
[[ " $counts" == *" train="* ]] || { tail -n 30 "$tmp/rerun.log"; fail "the rerun ran no train job: $counts"; }
[[ ! " $counts" =~ \ (synth[a-z_]*|ingest|split|partition)= ]] || fail "the rerun ran a data stage again: $counts"
echo "ok: the rerun's jobs: $counts"

grep -q '^train: resuming from checkpoint ".*run.h5.ckpt" after epoch' "$log" \
  || { cat "$log"; fail "the rerun of the killed job did not resume from its checkpoint"; }
[[ -s $run && ! -e $run.ckpt ]] || fail "after the rerun: no run.h5, or the checkpoint is left"
# The killed writer's temporary file (if it was writing) went with the rerun's next write.
leftover="$(find "$res" -name '.*.tmp.*')"
[[ -z $leftover ]] || fail "temporary files of the killed job left: $leftover"
out="$(run_snake --config "$long" 2>&1)" || { echo "$out"; fail "third run failed"; }
grep -q "Nothing to be done" <<<"$out" || { echo "$out"; fail "work left after the rerun"; }
echo "ok: $(grep '^train: resuming' "$log"); the sweep completed"
echo "rerun: all checks passed"
