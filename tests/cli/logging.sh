#!/usr/bin/env bash
# The logger as a user meets it: KGPERT_LOG_LEVEL=warn silences a stage's progress lines,
# a level that is not one of error/warn/info/debug is refused naming the variable; a 2-rank
# training with dist.rank_logs writes each rank's own log beside run.h5 while stderr carries
# rank 0's lines only.
#   tests/cli/logging.sh [KGPERT]     (default: $KGPERT, else build/kgpert)
set -euo pipefail
source "$(dirname "$0")/../pipeline/lib.sh"  # ROOT, VENV, fail, cli_test_setup, run, tiny_dataset
cli_test_setup "${1:-}"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cfg="$ROOT/configs/test.yaml"
tiny_dataset "$cfg"
split=("$KGPERT" split --config "$cfg" --samples "$tmp/samples.h5")

run info "${split[@]}" --out "$tmp/info.h5"
grep -q '^split [a-z_]*: train [0-9]* / val' "$tmp/info.log" || { cat "$tmp/info.log"; fail "no split line at level info"; }
KGPERT_LOG_LEVEL=warn "${split[@]}" --out "$tmp/warn.h5" 2>"$tmp/warn.log" || fail "split failed at level warn"
[[ ! -s $tmp/warn.log ]] || { cat "$tmp/warn.log"; fail "level warn printed info lines"; }
[[ -s $tmp/warn.h5 ]] || fail "split wrote nothing at level warn"
echo "ok: level info logs \"$(head -n 1 "$tmp/info.log")\"; level warn logs nothing"

rc=0
KGPERT_LOG_LEVEL=loud "${split[@]}" --out "$tmp/loud.h5" 2>"$tmp/loud.log" || rc=$?
[[ $rc -eq 1 ]] || fail "KGPERT_LOG_LEVEL=loud: exit $rc, expected 1"
grep -qx 'kgpert split: KGPERT_LOG_LEVEL "loud": expected error, warn, info or debug' "$tmp/loud.log" ||
  { cat "$tmp/loud.log"; fail "the bad level is not named"; }
[[ ! -e $tmp/loud.h5 ]] || fail "output written despite the bad level"
echo "ok: $(cat "$tmp/loud.log")"

command -v mpirun >/dev/null || { echo "skip: no mpirun (install openmpi-bin) for the rank logs"; exit 0; }
run partition "$KGPERT" partition --config "$cfg" --set partition.parts=2 --graph "$tmp/graph.h5" \
  --samples "$tmp/samples.h5" --split "$tmp/split.h5" --out "$tmp/partition.h5"
epochs=3
run ranks mpirun -np 2 --oversubscribe --allow-run-as-root "$KGPERT" train --config "$cfg" --set model=gat \
  --set train.epochs=$epochs --set dist.rank_logs=true --graph "$tmp/graph.h5" --samples "$tmp/samples.h5" \
  --split "$tmp/split.h5" --partition "$tmp/partition.h5" --out "$tmp/run/run.h5"
[[ $(grep -c '^epoch' "$tmp/ranks.log") -eq $epochs ]] || { cat "$tmp/ranks.log"; fail "stderr: not one line per epoch"; }
for r in 0 1; do
  f="$tmp/run/run.h5.rank$r.log"
  [[ -s $f ]] || fail "no rank log $f"
  [[ $(grep -c '^epoch' "$f") -eq $epochs ]] || { cat "$f"; fail "rank $r's log: not one line per epoch"; }
  grep -q '^train: 2 ranks (mpi backend' "$f" || { cat "$f"; fail "rank $r's log lacks the ranks line"; }
done
grep -q '^train: peak resident memory per rank' "$tmp/run/run.h5.rank0.log" || fail "rank 0's log lacks the memory line"
echo "ok: rank logs $(cd "$tmp/run" && ls run.h5.rank*.log | tr '\n' ' ')with $epochs epoch lines each"
