#!/usr/bin/env bash
# `mpirun -np 2 kgpert train` with the signatures shared by METIS part: one rank killed with
# SIGKILL mid-run makes every rank exit non-zero within 30 s (no hang), leaving the checkpoint;
# the run started again resumes from it and writes exactly the run.h5 of an uninterrupted
# 2-rank run. SIGUSR1 to mpirun (which hands it to every rank, as srun does) stops every rank
# after the same step with a checkpoint, and the rerun ends with the same run.h5. A partition
# with the wrong number of parts is refused on every rank.
#   tests/cli/mpi_fault.sh [KGPERT]     (default: $KGPERT, else build/kgpert)
set -euo pipefail
source "$(dirname "$0")/../pipeline/lib.sh"  # ROOT, VENV, fail, cli_test_setup, run, tiny_dataset, wait_for_line
cli_test_setup "${1:-}"
command -v mpirun >/dev/null || fail "no mpirun (install openmpi-bin)"

tmp="$(mktemp -d)"
pid=""
trap '[[ -z $pid ]] || kill -9 "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
cfg="$ROOT/configs/test.yaml"
tiny_dataset "$cfg"
run partition "$KGPERT" partition --config "$cfg" --set partition.parts=2 --graph "$tmp/graph.h5" \
  --samples "$tmp/samples.h5" --split "$tmp/split.h5" --out "$tmp/partition.h5"

mpi=(mpirun -np 2 --oversubscribe --allow-run-as-root)
epochs=40
args=(train --config "$cfg" --set model=gat --set gat.dropout=0.2 --set train.lr_schedule=cosine
      --set train.epochs=$epochs --set train.patience=$epochs --set train.batch_size=8
      --graph "$tmp/graph.h5" --samples "$tmp/samples.h5" --split "$tmp/split.h5"
      --partition "$tmp/partition.h5")
run whole "${mpi[@]}" "$KGPERT" "${args[@]}" --out "$tmp/whole/run.h5"
grep -q '^train: 2 ranks (mpi backend' "$tmp/whole.log" || { cat "$tmp/whole.log"; fail "no 2-rank line"; }
[[ $(grep -c '^epoch' "$tmp/whole.log") -eq $epochs ]] || fail "rank 0 did not log each epoch once"
echo "ok: $(grep '^train: 2 ranks' "$tmp/whole.log")"

# Rank 1 killed once epoch 10 is logged.
out="$tmp/killed/run.h5"
"${mpi[@]}" "$KGPERT" "${args[@]}" --out "$out" >"$tmp/killed.log" 2>&1 &
pid=$!
wait_for_line "$pid" "$tmp/killed.log" '^epoch  10 '
victim=""
for p in $(pgrep -f "kgpert train .*$tmp/killed/run.h5" || true); do
  tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=1' && victim=$p
done
[[ -n $victim ]] || { cat "$tmp/killed.log"; fail "no rank 1 process to kill (did the run end already?)"; }
kill -9 "$victim"
start=$SECONDS
rc=0
while kill -0 "$pid" 2>/dev/null; do
  ((SECONDS - start <= 30)) || fail "ranks still running 30 s after rank 1 was killed"
  sleep 0.1
done
wait "$pid" || rc=$?
pid=""
((rc != 0)) || fail "mpirun exited 0 after a rank was killed"
leftover="$(pgrep -f "kgpert train .*$tmp/killed/run.h5" || true)"
[[ -z $leftover ]] || fail "kgpert processes left after the job ended: $leftover"
[[ ! -e $out ]] || fail "a run.h5 was written by a job that lost a rank"
[[ -e $out.ckpt ]] || { cat "$tmp/killed.log"; fail "no checkpoint $out.ckpt after the kill"; }
echo "ok: rank 1 killed after $(grep -c '^epoch' "$tmp/killed.log") epochs; every rank gone in $((SECONDS - start)) s, exit $rc, checkpoint left"

run resumed "${mpi[@]}" "$KGPERT" "${args[@]}" --out "$out"
k="$(sed -n 's/^train: resuming from checkpoint ".*" after epoch \([0-9]*\)$/\1/p' "$tmp/resumed.log")"
[[ -n $k ]] || { cat "$tmp/resumed.log"; fail "the rerun did not say it resumed"; }
[[ $(grep -c '^epoch' "$tmp/resumed.log") -eq $((epochs - k)) ]] || fail "the rerun did not run epochs $((k + 1))..$epochs only"
[[ ! -e $out.ckpt ]] || fail "the checkpoint is still there after run.h5 was written"
echo "ok: resumed after epoch $k"

same_as_whole() {  # same_as_whole RUN.H5 WHAT
  "$PY" - "$tmp/whole/run.h5" "$1" "$2" <<'PYEOF'
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
for n in ["curves/train_loss", "curves/val_loss", "curves/val_pearson", "metrics/test", "metrics/val", "test/pred"]:
    if not np.array_equal(a[n][()], b[n][()]):
        sys.exit(f"FAIL: {n} differs between the uninterrupted and the {sys.argv[3]} 2-rank run")
assert a.attrs["ranks"] == 2 and b.attrs["ranks"] == 2
assert a.attrs["world_size"] == 2 and b.attrs["world_size"] == 2, "provenance world_size is not the 2 ranks"
print(f"ok: the {sys.argv[3]} 2-rank run.h5 equals the uninterrupted one bit for bit "
      f"(test pearson {dict(zip(a['metrics/names'].asstr()[()], a['metrics/test'][()]))['pearson']:.6f})")
PYEOF
}
same_as_whole "$out" resumed

# SIGUSR1 (SLURM's warning before a time limit, `--signal=USR1@120`) to mpirun mid-epoch.
out="$tmp/stopped/run.h5"
"${mpi[@]}" "$KGPERT" "${args[@]}" --out "$out" >"$tmp/stopped.log" 2>&1 &
pid=$!
wait_for_line "$pid" "$tmp/stopped.log" '^epoch   5 '
sleep 0.05
kill -USR1 "$pid" 2>/dev/null || true
rc=0
wait "$pid" || rc=$?
pid=""
((rc != 0)) || fail "mpirun exited 0 after SIGUSR1"
grep -q '^train: stopped by SIGUSR1 in epoch [0-9]*: checkpoint ".*run.h5.ckpt" written' "$tmp/stopped.log" ||
  { cat "$tmp/stopped.log"; fail "no stop message naming the checkpoint"; }
[[ ! -e $out && -e $out.ckpt ]] || fail "after SIGUSR1: run.h5 written or no checkpoint"
echo "ok: $(grep '^train: stopped' "$tmp/stopped.log") (mpirun exit $rc)"
run stopped_resumed "${mpi[@]}" "$KGPERT" "${args[@]}" --out "$out"
grep -q '^train: resuming from checkpoint ".*" after epoch [0-9]*' "$tmp/stopped_resumed.log" ||
  { cat "$tmp/stopped_resumed.log"; fail "the rerun after SIGUSR1 did not resume"; }
echo "ok: $(grep '^train: resuming' "$tmp/stopped_resumed.log")"
same_as_whole "$out" "stopped and resumed"

# A partition of 3 parts for 2 ranks: every rank says why, the job ends non-zero, no output.
run partition3 "$KGPERT" partition --config "$cfg" --set partition.parts=3 --graph "$tmp/graph.h5" \
  --samples "$tmp/samples.h5" --split "$tmp/split.h5" --out "$tmp/partition3.h5"
rc=0
timeout 60 "${mpi[@]}" "$KGPERT" "${args[@]/$tmp\/partition.h5/$tmp/partition3.h5}" --out "$tmp/bad/run.h5" \
  >"$tmp/bad.log" 2>&1 || rc=$?
((rc != 0 && rc != 124)) || { cat "$tmp/bad.log"; fail "a 3-part partition for 2 ranks: exit $rc"; }
grep -qF "has 3 parts but the job has 2 ranks" "$tmp/bad.log" || { cat "$tmp/bad.log"; fail "no reason given"; }
[[ ! -e $tmp/bad/run.h5 ]] || fail "run.h5 written despite the error"
echo "ok: $(grep -m1 -F 'has 3 parts' "$tmp/bad.log")"
