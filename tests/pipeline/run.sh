#!/usr/bin/env bash
# End to end through Snakemake on configs/test.yaml in a scratch directory: report.h5 content,
# compare CSV, plots; then re-runs: nothing to do without a change, and a changed GAT (MLP)
# hyper-parameter re-runs only the GAT (MLP) train jobs and what reads their runs; with
# dist.ranks=2 the gradient-trained jobs run as 2-rank MPI jobs; a sweep.grid adds runs per
# hyper-parameter value.
#   tests/pipeline/run.sh [KGPERT]     (default: $KGPERT, else build/kgpert)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cli_test_setup "${1:-}"  # KGPERT (checked), one OpenMP/OpenBLAS thread
export KGPERT

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cfg="$ROOT/configs/test.yaml"
res="$tmp/results/test"
run_snake() { snake "$tmp" --profile "$ROOT/cluster/local" --cores 2 --configfile "$cfg" "$@"; }

# 1. The whole workflow.
start=$SECONDS
if ! run_snake >"$tmp/first.log" 2>&1; then
  tail -n 60 "$tmp/first.log"
  fail "snakemake on configs/test.yaml failed"
fi
echo "ok: end to end in $((SECONDS - start)) s"

# 2. What it wrote.
"$VENV/bin/python" "$ROOT/tests/pipeline/check_report.py" "$res/report.h5" "$cfg" "$res/compare.csv"
[[ -s $res/compare.txt ]] || fail "compare.txt is empty"
grep -q "gat" "$res/compare.txt" && grep -q "mlp" "$res/compare.txt" || fail "compare.txt lacks a model"
for png in test_pearson learning_curves pred_vs_true attention_share; do
  [[ "$(head -c 8 "$res/plots/$png.png" | od -An -tx1 | tr -d ' \n')" == 89504e470d0a1a0a ]] \
    || fail "plots/$png.png is not a PNG"
done
[[ -d $res/plots/sweeps ]] || fail "no plots/sweeps directory"
[[ -z "$(find "$res/plots/sweeps" -name 'sweep_*.png')" ]] || fail "a sweep figure without a grid"
for f in graph.h5 samples.h5 splits/random.h5 partition.h5; do
  [[ -s $res/$f ]] || fail "missing $f"
done
[[ -s $res/logs/train/model~gat/ablation~none/split~random/seed~0.log ]] || fail "no train log"
echo "ok: outputs present"

# 3. A second run with no change does nothing.
out="$(run_snake 2>&1)" || { echo "$out"; fail "second run failed"; }
grep -q "Nothing to be done" <<<"$out" || { echo "$out"; fail "second run did work"; }
echo "ok: second run: nothing to be done"
# The same config under another file name changes nothing either.
cp "$cfg" "$tmp/same.yaml"
out="$(snake "$tmp" -n --cores 2 --configfile "$tmp/same.yaml" 2>&1)" || { echo "$out"; fail "dry run failed"; }
grep -q "Nothing to be done" <<<"$out" || { echo "$out"; fail "a renamed config file re-runs jobs"; }
echo "ok: renamed config file: nothing to be done"

# 4. gat.heads changed: only the GAT train jobs, and the report and what reads it.
out="$(run_snake -n --config 'gat={heads: 4}' 2>&1)" || { echo "$out"; fail "dry run failed"; }
expect_eq "jobs after gat.heads change" "$(job_counts <<<"$out")" \
  "all=1 compare=1 explain=1 plots=1 report=1 tables=1 train=2"
if grep -qE "output: [^,]*model~mlp" <<<"$out"; then echo "$out"; fail "an MLP job re-runs after a GAT change"; fi
grep -q "Params have changed" <<<"$out" || fail "reason is not a params change"

# 5. mlp.hidden changed: only the MLP train job.
out="$(run_snake -n --config 'mlp={hidden: 48}' 2>&1)" || { echo "$out"; fail "dry run failed"; }
expect_eq "jobs after mlp.hidden change" "$(job_counts <<<"$out")" \
  "all=1 compare=1 plots=1 report=1 tables=1 train=1"
if grep -qE "output: [^,]*model~gat" <<<"$out"; then echo "$out"; fail "a GAT job re-runs after an MLP change"; fi

# 6. split.seed changed: the split and every train job, but not synth/ingest/partition.
out="$(run_snake -n --config 'split={seed: 5}' 2>&1)" || { echo "$out"; fail "dry run failed"; }
expect_eq "jobs after split.seed change" "$(job_counts <<<"$out")" \
  "all=1 compare=1 explain=1 plots=1 report=1 split=1 tables=1 train=3"

# 7. Really re-run the GAT change: the MLP run stays untouched, and then nothing is left to do.
mlp_run="$res/runs/model~mlp/ablation~none/split~random/seed~0/run.h5"
before="$(stat -c %.9Y "$mlp_run")"
run_snake --config 'gat={heads: 4}' >"$tmp/third.log" 2>&1 \
  || { tail -n 40 "$tmp/third.log"; fail "re-run after gat.heads change failed"; }
expect_eq "MLP run untouched" "$(stat -c %.9Y "$mlp_run")" "$before"
grep -q "heads: 4" "$res/runs/model~gat/ablation~none/split~random/seed~0/run.config.yaml" \
  || fail "GAT run.config.yaml does not record gat.heads 4"
out="$(run_snake --config 'gat={heads: 4}' 2>&1)" || { echo "$out"; fail "fourth run failed"; }
grep -q "Nothing to be done" <<<"$out" || { echo "$out"; fail "fourth run did work"; }
echo "ok: GAT change re-ran only GAT jobs"

# 8. A grid over gat.heads: the GAT jobs get heads~2/ and heads~4/ in their paths (the MLP, which
# does not read it, keeps its run), the report groups by variant, compare shows it, plots draws it.
grid='sweep={models: [gat, mlp], splits: [random], ablations: [none], ablation_models: [gat], seeds: [0], grid: ["gat.heads: [2, 4]"]}'
out="$(run_snake -n --config "$grid" 2>&1)" || { echo "$out"; fail "grid dry run failed"; }
expect_eq "jobs of the gat.heads grid" "$(job_counts <<<"$out")" "all=1 compare=1 explain=1 plots=1 report=1 tables=1 train=2"
run_snake --config "$grid" >"$tmp/grid.log" 2>&1 || { tail -n 40 "$tmp/grid.log"; fail "the grid sweep failed"; }
grep -q "heads: 4" "$res/runs/model~gat/ablation~none/split~random/gat.heads~4/seed~0/run.config.yaml" \
  || fail "the heads~4 run was not trained with gat.heads 4"
"$VENV/bin/python" - "$res/report.h5" <<'PYEOF'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
runs = dict(zip(f["runs/run_id"].asstr()[()], zip(f["runs/variant"].asstr()[()], f["runs/config/gat.heads"].asstr()[()])))
want = {"gat_none_random_gat.heads=2_seed0": ("gat.heads=2", "2"), "gat_none_random_gat.heads=4_seed0": ("gat.heads=4", "4"),
        "mlp_none_random_seed0": ("", "")}
assert runs == want, runs
assert sorted(f["aggregates/variant"].asstr()[()]) == ["", "gat.heads=2", "gat.heads=4"]
PYEOF
grep -q '^random  gat    none      gat.heads=4' "$res/compare.txt" || { cat "$res/compare.txt"; fail "compare.txt lacks the variant"; }
[[ "$(head -c 8 "$res/plots/sweeps/sweep_gat.heads.png" | od -An -tx1 | tr -d ' \n')" == 89504e470d0a1a0a ]] \
  || fail "plots/sweeps/sweep_gat.heads.png is not a PNG"
echo "ok: sweep.grid over gat.heads: runs, report variants, compare and its sweep figure"
# 9. dist.ranks=2: the GAT and MLP jobs run again as 2-rank MPI jobs (rule train_mpi, started by
# dist.launcher with the partition), then nothing is left to do.
if command -v mpirun >/dev/null; then
  out="$(run_snake -n --config 'gat={heads: 4}' 'dist={ranks: 2}' 2>&1)" || { echo "$out"; fail "dry run failed"; }
  expect_eq "jobs after dist.ranks=2" "$(job_counts <<<"$out")" "all=1 compare=1 explain=1 plots=1 report=1 tables=1 train_mpi=3"
  run_snake --config 'gat={heads: 4}' 'dist={ranks: 2}' >"$tmp/mpi.log" 2>&1 \
    || { tail -n 40 "$tmp/mpi.log"; fail "the 2-rank sweep failed"; }
  expect_two_ranks "$res"
  out="$(run_snake --config 'gat={heads: 4}' 'dist={ranks: 2}' 2>&1)" || { echo "$out"; fail "rerun failed"; }
  grep -q "Nothing to be done" <<<"$out" || { echo "$out"; fail "the 2-rank sweep re-ran jobs"; }
  echo "ok: dist.ranks=2 ran the GAT and MLP jobs on 2 ranks under mpirun"
else
  echo "skip: no mpirun (install openmpi-bin) for the 2-rank sweep"
fi
echo "pipeline: all checks passed"
