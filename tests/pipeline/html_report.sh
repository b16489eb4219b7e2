#!/usr/bin/env bash
# The HTML report (`snakemake --report results/<dataset>/report.html`) of the tiny pipeline
# (configs/test.yaml) opened in headless Chromium by check_html_report.py: every table and
# figure there, shown without a broken image or error text, and a screenshot that is not blank.
# Four sweeps: no grid (no sweep figures: no Sweeps category), a gat.heads grid (its sweep
# figure under Sweeps/gat.heads), that grid by successive halving (also Sweeps/halving), and
# the MLP alone (no GAT run: no explain figure, no paired
# comparisons). Skipped (exit 77) without Chromium (Debian's chromium; scripts/setup.sh
# installs it).
#   tests/pipeline/html_report.sh [KGPERT]     (default: $KGPERT, else build/kgpert)
# KGPERT_REPORT_KEEP=DIR keeps each check's report, screenshot and page DOM in DIR/<step>/.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cli_test_setup "${1:-}"
export KGPERT

chromium="${CHROMIUM:-$(command -v chromium || true)}"
if [[ -z $chromium ]]; then
  echo "SKIP: no chromium to open the report in (apt install chromium; scripts/setup.sh installs it)"
  exit 77
fi
command -v dot >/dev/null || fail "no Graphviz dot for the explain figure (apt install graphviz)"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cfg="$ROOT/configs/test.yaml"
res="$tmp/results/test"
run_snake() { snake "$tmp" --profile "$ROOT/cluster/local" --cores 2 --configfile "$cfg" "$@"; }

# check STEP CONFIG...: the sweep of configs/test.yaml with --config CONFIG..., its report, and
# the report checked in Chromium.
check() {
  local step="$1"; shift
  local config=()
  [[ $# -gt 0 ]] && config=(--config "$@")
  run_snake "${config[@]}" >"$tmp/$step.log" 2>&1 || { tail -n 60 "$tmp/$step.log"; fail "$step: snakemake failed"; }
  rm -f "$res/report.html"
  run_snake "${config[@]}" --report "$res/report.html" >"$tmp/$step.report.log" 2>&1 \
    || { tail -n 40 "$tmp/$step.report.log"; fail "$step: snakemake --report failed"; }
  [[ -s $res/report.html ]] || fail "$step: no report.html"
  "$VENV/bin/python" "$ROOT/tests/pipeline/check_html_report.py" "$res/report.html" "$res" "$tmp/check-$step" \
    "$chromium" || fail "$step: the report in Chromium"
  if [[ -n ${KGPERT_REPORT_KEEP:-} ]]; then
    mkdir -p "$KGPERT_REPORT_KEEP/$step"
    cp "$res/report.html" "$tmp/check-$step/screenshot.png" "$tmp/check-$step/dom.html" "$KGPERT_REPORT_KEEP/$step/"
  fi
  echo "ok: $step: report.html ($(($(stat -c %s "$res/report.html") / 1024)) KiB) checked in Chromium"
}

start=$SECONDS
# 1. No grid: no sweep figure, the Sweeps category absent; the GAT run explained.
check no-grid
[[ -s $res/explain/explain.png ]] || fail "no explain figure"
grep -q '"Sweeps"' "$res/report.html" && fail "a Sweeps category without a grid"
echo "ok: no grid: no Sweeps category"

# 2. A gat.heads grid: its sweep figure under Sweeps / gat.heads.
check grid 'sweep={models: [gat, mlp], splits: [random], ablations: [none], ablation_models: [gat], seeds: [0], grid: ["gat.heads: [2, 4]"]}'
[[ -s $res/plots/sweeps/sweep_gat.heads.png ]] || fail "no sweep figure of the grid"

# 3. A halving sweep of a gat.heads grid: its rungs' figure under Sweeps / halving beside the
# grid key's figure; the explained run is the last rung's first-ranked point.
check halving 'sweep={models: [gat, mlp], splits: [random], ablations: [none], ablation_models: [gat], seeds: [0], grid: ["gat.heads: [1, 2]"], search: halving, halving: {min_epochs: 1, eta: 2, metric: pearson}}'
[[ -s $res/plots/halving/halving_gat.png ]] || fail "no halving figure"
[[ -s $res/explain/explain.png ]] || fail "no explain figure of the halving sweep"
echo "ok: halving: the rungs' figure in the report"

# 4. The MLP alone: no GAT run to explain, no paired comparison; the report still whole.
rm -rf "$res/explain"
check mlp-only 'sweep={models: [mlp], splits: [random], ablations: [none], ablation_models: [], seeds: [0]}'
[[ ! -e $res/explain ]] || fail "an explanation without a GAT run"
echo "html_report: all checks passed in $((SECONDS - start)) s"
