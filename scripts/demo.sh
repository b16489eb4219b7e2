#!/usr/bin/env bash
# The demo end to end: set up (packages, venv, build), run the sweep on synthetic PrimeKG +
# LINCS data with Snakemake, print the comparison table and make the HTML report.
#   bash scripts/demo.sh [extra snakemake arguments]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh
export KGPERT="$ROOT/build/kgpert"
.venv/bin/snakemake --profile cluster/local --configfile configs/default.yaml \
  --cores "$(nproc)" "$@"

# The HTML report (made again each time: it reflects the results as they are now).
.venv/bin/snakemake --profile cluster/local --configfile configs/default.yaml \
  --report results/demo/report.html "$@"

echo
echo "== results/demo/compare.txt =="
cat results/demo/compare.txt
echo
echo "Plots: results/demo/plots/*.png   Report: results/demo/report.h5"
echo "HTML report: results/demo/report.html (open it in a browser)"
