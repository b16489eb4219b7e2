#!/usr/bin/env bash
# The demo end to end: set up (packages, venv, build), run the sweep on synthetic PrimeKG +
# LINCS data with Snakemake, and print the comparison table.
#   bash scripts/demo.sh [extra snakemake arguments]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh
export KGPERT="$ROOT/build/kgpert"
.venv/bin/snakemake --profile cluster/local --configfile configs/default.yaml \
  --cores "$(nproc)" "$@"

echo
echo "== results/demo/compare.txt =="
cat results/demo/compare.txt
echo
echo "Plots: results/demo/plots/*.png   Report: results/demo/report.h5"
