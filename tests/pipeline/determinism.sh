#!/usr/bin/env bash
# Determinism on the CPU: the same config and seed, run twice from scratch in two directories,
# give report.h5 files equal byte for byte in every dataset and attribute but the provenance
# (tests/pipeline/same_report.py). A small sweep of configs/test.yaml: the GAT, the MLP and one
# closed-form baseline, the random split, seed 0, on 2 threads a job (threaded reductions must
# not change the bits either). Runs of different thread counts are not compared: their training
# losses agree bit for bit, but their predictions differ in the last float bits.
#   tests/pipeline/determinism.sh [KGPERT]     (default: $KGPERT, else build/kgpert)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cli_test_setup "${1:-}"
export KGPERT

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
sweep='sweep={models: [gat, mlp, ridge], splits: [random], ablations: [none], ablation_models: [], seeds: [0]}'
for n in 1 2; do
  mkdir -p "$tmp/run$n"
  start=$SECONDS
  if ! snake "$tmp/run$n" --profile "$ROOT/cluster/local" --cores 2 --configfile "$ROOT/configs/test.yaml" \
       --config "$sweep" threads=2 >"$tmp/run$n.log" 2>&1; then
    tail -n 60 "$tmp/run$n.log"
    fail "sweep $n failed"
  fi
  echo "ok: sweep $n in $((SECONDS - start)) s"
done
"$PY" "$ROOT/tests/pipeline/same_report.py" "$tmp/run1/results/test/report.h5" "$tmp/run2/results/test/report.h5"
echo "determinism: all checks passed"
