#!/usr/bin/env bash
# A `kgpert train` killed with SIGKILL after its checkpoint of epoch k and run again resumes from
# <out>.ckpt and writes exactly the run.h5 (curves, metrics, predictions) of an uninterrupted run;
# the checkpoint is removed afterwards; a run with another config refuses the checkpoint.
# SIGTERM (SLURM before a time limit or a preemption) stops it after the current step with a
# checkpoint (exit 143), and the rerun goes on from that step to the same run.h5. On a terminal
# training shows a progress bar; epoch lines end with the time left at most.
#   tests/cli/resume.sh [KGPERT]     (default: $KGPERT, else build/kgpert)
set -euo pipefail
source "$(dirname "$0")/../pipeline/lib.sh"  # ROOT, VENV, fail, cli_test_setup, run, tiny_dataset, wait_for_line
cli_test_setup "${1:-}"

tmp="$(mktemp -d)"
pid=""
trap '[[ -z $pid ]] || kill -9 "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
cfg="$ROOT/configs/test.yaml"
tiny_dataset "$cfg"

# The GAT with dropout (so the RNG state matters) and a cosine schedule, for 40 short epochs.
epochs=40
args=(train --config "$cfg" --set model=gat --set gat.dropout=0.2 --set train.lr_schedule=cosine
      --set train.epochs=$epochs --set train.patience=$epochs --set train.batch_size=8
      --graph "$tmp/graph.h5" --samples "$tmp/samples.h5" --split "$tmp/split.h5")
train() {  # train OUT [--set ...]
  local out="$1"; shift
  "$KGPERT" "${args[@]}" "$@" --out "$out"
}
run whole train "$tmp/whole/run.h5"
grep -q '^epoch   1  train_loss .*s  (≤ [0-9:]* left)$' "$tmp/whole.log" || { cat "$tmp/whole.log"; fail "no time left in the epoch lines"; }

# On a terminal (script(1) gives it one) a progress bar is redrawn in place: steps, loss, times.
if command -v script >/dev/null; then
  script -qec "$(printf '%q ' "$KGPERT" "${args[@]}" --set train.epochs=2 --out "$tmp/tty/run.h5")" /dev/null \
    >"$tmp/tty.log" 2>&1 || { cat "$tmp/tty.log"; fail "training on a terminal failed"; }
  tr '\r' '\n' <"$tmp/tty.log" | grep -q '^epoch   2/2 \[#*\.*\] [0-9]*/[0-9]* steps  loss [0-9.]*  [0-9:]* < [0-9:]*' ||
    { cat -v "$tmp/tty.log" | head; fail "no progress bar on a terminal"; }
  echo "ok: progress bar on a terminal"
fi

# The same comparison for every rerun below: run.h5 bit for bit that of the uninterrupted run.
same_as_whole() {  # same_as_whole RUN.H5 WHAT
  "$PY" "$ROOT/tests/pipeline/same_run.py" "$tmp/whole/run.h5" "$1" "$2"
}

# Killed once epoch 10 is logged (its checkpoint is written before the line). Started as a
# simple command, so that $! is kgpert itself and not a subshell around it.
out="$tmp/killed/run.h5"
"$KGPERT" "${args[@]}" --out "$out" >"$tmp/killed.log" 2>&1 &
pid=$!
wait_for_line "$pid" "$tmp/killed.log" '^epoch  10 '
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
! kill -0 "$pid" 2>/dev/null || fail "kgpert survived SIGKILL"
pid=""
[[ ! -e $out ]] || fail "the run ended before it was killed (make the epochs longer)"
[[ -e $out.ckpt ]] || { cat "$tmp/killed.log"; fail "no checkpoint $out.ckpt after the kill"; }
echo "ok: killed after $(grep -c '^epoch' "$tmp/killed.log") epochs, checkpoint left"

# Another config refuses the checkpoint, naming it and the key, and leaves it in place.
rc=0
train "$out" --set train.lr=0.002 >"$tmp/refused.log" 2>&1 || rc=$?
[[ $rc -ne 0 ]] || fail "a run with another train.lr resumed from the checkpoint"
grep -qF "checkpoint \"$out.ckpt\": was written by another run (\"train.lr\" is 0.001 there, 0.002 here)" \
  "$tmp/refused.log" || { cat "$tmp/refused.log"; fail "refusal does not name the file and key"; }
[[ -e $out.ckpt ]] || fail "the refused checkpoint was removed"
echo "ok: another config is refused: $(tail -1 "$tmp/refused.log")"

run resumed train "$out"
k="$(sed -n 's/^train: resuming from checkpoint ".*" after epoch \([0-9]*\)$/\1/p' "$tmp/resumed.log")"
[[ -n $k ]] || { cat "$tmp/resumed.log"; fail "the rerun did not say it resumed"; }
((k >= 10 && k < epochs)) || fail "resumed after epoch $k, expected 10..$((epochs - 1))"
[[ $(grep -c '^epoch' "$tmp/resumed.log") -eq $((epochs - k)) ]] || fail "the rerun did not run epochs $((k + 1))..$epochs only"
[[ ! -e $out.ckpt ]] || fail "the checkpoint is still there after run.h5 was written"
echo "ok: resumed after epoch $k, checkpoint removed"

same_as_whole "$out" resumed

# SIGTERM mid-epoch: a checkpoint at the step it stopped after, exit 143, no run.h5.
out="$tmp/stopped/run.h5"
"$KGPERT" "${args[@]}" --out "$out" >"$tmp/stopped.log" 2>&1 &
pid=$!
wait_for_line "$pid" "$tmp/stopped.log" '^epoch   5 '
sleep 0.05  # into epoch 6's steps
kill -TERM "$pid" 2>/dev/null || true
rc=0
wait "$pid" || rc=$?
pid=""
((rc == 143)) || { cat "$tmp/stopped.log"; fail "SIGTERM: exit $rc, expected 143"; }
grep -q '^train: stopped by SIGTERM in epoch [0-9]*: checkpoint ".*run.h5.ckpt" written' "$tmp/stopped.log" ||
  { cat "$tmp/stopped.log"; fail "no stop message naming the checkpoint"; }
[[ ! -e $out && -e $out.ckpt ]] || fail "after SIGTERM: run.h5 written or no checkpoint"
echo "ok: $(grep '^train: stopped' "$tmp/stopped.log")"
run stopped_resumed train "$out"
grep -q '^train: resuming from checkpoint ".*" after epoch [0-9]*' "$tmp/stopped_resumed.log" ||
  { cat "$tmp/stopped_resumed.log"; fail "the rerun after SIGTERM did not resume"; }
echo "ok: $(grep '^train: resuming' "$tmp/stopped_resumed.log")"
same_as_whole "$out" "stopped and resumed"
