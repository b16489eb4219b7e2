#!/usr/bin/env bash
# A 2-rank `mpirun kgpert train` with dist.timeout_s=5 and rank 1 stopped (SIGSTOP) mid-training:
# rank 0 gives up on its collective after the timeout, says that rank 1 did not arrive, and the
# job ends non-zero within the timeout and a few seconds, leaving no kgpert process behind.
#   tests/faults/stall.sh [KGPERT]     (default: $KGPERT, else build/kgpert)
set -euo pipefail
source "$(dirname "$0")/../pipeline/lib.sh"  # ROOT, fail, cli_test_setup, run, tiny_dataset, wait_for_line
cli_test_setup "${1:-}"
command -v mpirun >/dev/null || fail "no mpirun (install openmpi-bin)"

tmp="$(mktemp -d)"
pid="" victim=""
cleanup() {
  # `|| true`: under set -e a failing kill (the process already gone) would end the trap, and
  # with it the script, with status 1 after the test had passed.
  [[ -z $victim ]] || kill -9 "$victim" 2>/dev/null || true
  [[ -z $pid ]] || kill -9 "$pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
cfg="$ROOT/configs/test.yaml"
tiny_dataset "$cfg"
run partition "$KGPERT" partition --config "$cfg" --set partition.parts=2 --graph "$tmp/graph.h5" \
  --samples "$tmp/samples.h5" --split "$tmp/split.h5" --out "$tmp/partition.h5"

timeout_s=5
out="$tmp/stalled/run.h5"
mpirun -np 2 --oversubscribe --allow-run-as-root "$KGPERT" train --config "$cfg" --set model=gat \
  --set train.epochs=200 --set train.patience=200 --set train.batch_size=8 --set dist.timeout_s=$timeout_s \
  --graph "$tmp/graph.h5" --samples "$tmp/samples.h5" --split "$tmp/split.h5" \
  --partition "$tmp/partition.h5" --out "$out" >"$tmp/stalled.log" 2>&1 &
pid=$!
wait_for_line "$pid" "$tmp/stalled.log" '^epoch   3 '
for p in $(pgrep -f "kgpert train .*$out" || true); do
  tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=1' && victim=$p
done
[[ -n $victim ]] || { cat "$tmp/stalled.log"; fail "no rank 1 process to stop (did the run end already?)"; }
kill -STOP "$victim"
start=$SECONDS
while kill -0 "$pid" 2>/dev/null; do
  ((SECONDS - start <= timeout_s + 20)) || { cat "$tmp/stalled.log"; fail "job still running $((SECONDS - start)) s after rank 1 stopped (timeout $timeout_s s)"; }
  sleep 0.1
done
rc=0
wait "$pid" || rc=$?
pid=""
took=$((SECONDS - start))
kill -9 "$victim" 2>/dev/null || true
((rc != 0)) || fail "mpirun exited 0 with a stalled rank"
msg="$(grep -m1 'not complete after' "$tmp/stalled.log" || true)"
[[ -n $msg ]] || { cat "$tmp/stalled.log"; fail "no timeout message"; }
grep -q 'rank 0 of 2: MPI_I[a-z]* (collective #[0-9]*) not complete after 5 s (dist.timeout_s): rank 1 (no answer' <<<"$msg" ||
  fail "the message does not name rank 1 as the one missing: $msg"
((took >= timeout_s)) || fail "aborted after $took s, before the timeout of $timeout_s s"
sleep 1
leftover="$(pgrep -f "kgpert train .*$out" || true)"
[[ -z $leftover ]] || fail "kgpert processes left after the job ended: $leftover"
[[ ! -e $out ]] || fail "a run.h5 was written by a job with a stalled rank"
echo "ok: rank 1 stopped; job ended in $took s (exit $rc): $msg"
