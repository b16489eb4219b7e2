#!/usr/bin/env bash
# Backend nccl, 2 ranks under mpirun with dist.timeout_s=3: rank 1 never arrives at an NCCL
# all-reduce (it sleeps outside collectives); rank 0 gives up after the timeout, ends its NCCL
# communicator (ncclCommAbort), says that rank 1 did not arrive, and the job ends non-zero
# through MPI_Abort. The ranks are test_mpi's NcclDataParallel.StalledRankEndsTheJobAfterTheTimeout
# (beside the program); skipped (exit 77) where it skips: no NCCL, or not one GPU per rank.
#   tests/faults/nccl_stall.sh [KGPERT]     (default: $KGPERT, else build/kgpert)
set -euo pipefail
source "$(dirname "$0")/../pipeline/lib.sh"  # ROOT, fail, cli_test_setup
cli_test_setup "${1:-}"
command -v mpirun >/dev/null || fail "no mpirun (install openmpi-bin)"
prog="$(dirname "$KGPERT")/test_mpi"
[[ -x $prog ]] || fail "no $prog (build the target test_mpi)"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
start=$SECONDS
rc=0
KGPERT_NCCL_STALL=1 timeout 90 mpirun -np 2 --oversubscribe --allow-run-as-root "$prog" \
  --gtest_color=no --gtest_filter='NcclDataParallel.StalledRankEndsTheJobAfterTheTimeout' >"$tmp/log" 2>&1 || rc=$?
took=$((SECONDS - start))
if grep -q 'Running 0 tests' "$tmp/log"; then cat "$tmp/log"; fail "$prog has no test NcclDataParallel.StalledRankEndsTheJobAfterTheTimeout"; fi
if ((rc == 0)) && grep -q '^\[  SKIPPED \]' "$tmp/log"; then
  echo "skipped: $(grep -m1 -A1 'Skipped' "$tmp/log" | tail -n1)"
  exit 77
fi
((rc != 124)) || { cat "$tmp/log"; fail "the job was still running after 90 s"; }
((rc != 0)) || { cat "$tmp/log"; fail "mpirun exited 0 with a stalled rank"; }
msg="$(grep -m1 'not complete after' "$tmp/log" || true)"
[[ -n $msg ]] || { cat "$tmp/log"; fail "no timeout message"; }
grep -q 'rank 0 of 2: ncclAllReduce (collective #[0-9]*) not complete after 3 s (dist.timeout_s): rank 1 (no answer' <<<"$msg" ||
  fail "the message does not name rank 1 as the one missing: $msg"
((took < 60)) || fail "the job ended after $took s, not soon after the timeout of 3 s"
echo "ok: rank 1 never arrived; job ended in $took s (exit $rc): $msg"
