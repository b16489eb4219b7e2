#!/usr/bin/env bash
# A successive-halving sweep (sweep.search: halving) through a real SLURM cluster: the one-node
# cluster and SLURM profile of sweep.sh, dist.ranks=2, so every rung of every GAT point is a
# 2-rank MPI job (rule train_rung_mpi under srun --mpi=pmix) going on from the rung before's
# checkpoint, and the checkpoint rule's tables pick the survivors between rungs. Checks the
# rungs trained (4, 2, 1 points), that each rung job ran as a SLURM job with 2 tasks, that
# the rung runs trained on 2 ranks to their budgets, and report.h5's stopped reasons.
#   tests/slurm/halving.sh [KGPERT]     (default: $KGPERT, else build/kgpert)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
slurm_test_setup "${1:-}"

cfg="$ROOT/configs/test.yaml"
res="$tmp/results/test"
cat >"$tmp/halving.yaml" <<'YAML'
train: {epochs: 4, patience: 4, batch_size: 8}
sweep:
  models: [gat, ridge]
  splits: [random]
  ablations: [none]
  seeds: [0]
  grid: ["gat.heads: [1, 2]", "train.lr: [0.001, 0.01]"]
  search: halving
  halving: {min_epochs: 1, eta: 2, metric: pearson}
YAML
start=$SECONDS
rc=0
timeout -s INT -k 30 600 "${SNAKE_SLURM[@]}" --configfile "$cfg" "$tmp/halving.yaml" --config threads=1 \
  'dist={ranks: 2}' 'partition={parts: 2}' "$TEST_RESOURCES" >"$tmp/snake.log" 2>&1 || rc=$?
if [[ $rc -ne 0 ]]; then
  slurm_failure_report "$tmp/snake.log"
  [[ $rc -eq 124 ]] && echo "the sweep did not finish in 10 min"
  fail "the halving sweep through SLURM failed"
fi
echo "ok: halving sweep through SLURM in $((SECONDS - start)) s"

# The rung jobs: 4 + 2 + 1 of rule train_rung_mpi, each a completed SLURM job of 2 CPUs.
run_id="$(sed -n 's/^SLURM run ID: //p' "$tmp/snake.log")"
[[ -n $run_id ]] || fail "no SLURM run ID in the Snakemake log"
squeue -h --states=all --name "$run_id" -o '%i %T %C %k' >"$tmp/jobs.txt"
cat "$tmp/jobs.txt"
expect_eq "jobs of the run not COMPLETED" "$(awk '$2 != "COMPLETED"' "$tmp/jobs.txt")" ""
expect_eq "train_rung_mpi jobs with 2 CPUs" "$(awk '$4 ~ /^rule_train_rung_mpi/ && $3 == 2' "$tmp/jobs.txt" | wc -l)" 7
expect_eq "train_rung_mpi jobs" "$(awk '$4 ~ /^rule_train_rung_mpi/' "$tmp/jobs.txt" | wc -l)" 7

# The rung runs (2 ranks, their budgets), the tables and the report's stopped reasons.
"$VENV/bin/python" - "$res" <<'PYEOF'
import glob, sys, h5py
res = sys.argv[1]
group = f"{res}/runs/model~gat/ablation~none/split~random"
def fail(msg):
    sys.exit(f"FAIL: {msg}")
for r, (n, budget) in enumerate([(4, 1), (2, 2), (1, 4)]):
    runs = sorted(glob.glob(f"{group}/**/seed~0/rung~{r}/run.h5", recursive=True))
    if len(runs) != n:
        fail(f"rung {r}: {len(runs)} runs, want {n}")
    for p in runs:
        with h5py.File(p, "r") as f:
            got = (int(f.attrs["rung"]), int(f.attrs["epoch_budget"]), int(f.attrs["ranks"]))
        if got != (r, budget, 2):
            fail(f"{p}: rung/epoch_budget/ranks {got}, want {(r, budget, 2)}")
with h5py.File(f"{res}/report.h5", "r") as f:
    models = [m.decode() if isinstance(m, bytes) else m for m in f["runs/model"][()]]
    stopped = [s.decode() if isinstance(s, bytes) else s for s in f["runs/stopped"][()]]
gat = sorted(s for m, s in zip(models, stopped) if m == "gat")
if gat != ["finished", "halved at rung 0", "halved at rung 0", "halved at rung 1"]:
    fail(f"report.h5 stopped reasons of the GAT points: {gat}")
print("ok: rungs of 4, 2 and 1 points to 1, 2 and 4 epochs on 2 ranks; report.h5: 1 finished, 3 halved")
PYEOF
echo "slurm.halving: all checks passed"
