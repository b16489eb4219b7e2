#!/usr/bin/env bash
# Dry run of the default config (the demo sweep): the expected jobs, and the config schema
# rejecting an unknown key and a bad value.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT

out="$(snake "$tmp" -n --cores 2 --configfile "$ROOT/configs/default.yaml" 2>&1)" \
  || { echo "$out"; fail "dry run failed"; }
# 3 splits; GAT x 3 ablations, MLP and cell_mlp x none: 3 seeds each -> (3 + 2) x 3 x 3 = 45;
# cell_mean, knn, ridge (closed form, the same fit for any seed): first seed only -> 3 x 3 = 9.
expect_eq "demo jobs" "$(job_counts <<<"$out")" \
  "all=1 compare=1 explain=1 ingest=1 partition=1 plots=1 report=1 split=3 synth=1 tables=1 train=54"
grep -q "results/demo/runs/model~gat/ablation~edge_shuffle/split~scaffold/seed~2/run.h5" <<<"$out" \
  || fail "dry run lacks the GAT edge_shuffle scaffold seed 2 run"
if grep -q "model~mlp/ablation~edge_shuffle" <<<"$out"; then fail "MLP got an ablation"; fi
grep -q "model~ridge/ablation~none/split~cold_drug/seed~0/run.h5" <<<"$out" || fail "no ridge cold_drug run"
if grep -q "model~knn/ablation~none/split~random/seed~1" <<<"$out"; then fail "a closed-form baseline got a second seed"; fi
echo "ok: run paths"

# Real inputs (inputs.kg_csv set): no synth job, ingest reads the given files.
mkdir -p "$tmp/in"
for f in kg.csv sig.gctx sig_info.txt gene_info.txt cell_info.txt pert_info.txt vocab.csv; do
  touch "$tmp/in/$f"
done
out="$(snake "$tmp" -n --cores 2 --config 'inputs={kg_csv: in/kg.csv, gctx: in/sig.gctx, sig_info: in/sig_info.txt, gene_info: in/gene_info.txt, cell_info: in/cell_info.txt, pert_info: in/pert_info.txt, drugbank_vocab: in/vocab.csv}' 2>&1)" \
  || { echo "$out"; fail "dry run with real inputs failed"; }
expect_eq "real-input jobs" "$(job_counts <<<"$out")" \
  "all=1 compare=1 explain=1 ingest=1 partition=1 plots=1 report=1 split=3 tables=1 train=54"

# dist.ranks=2: the 45 gradient-trained jobs become 2-rank MPI jobs (train_mpi, with the
# partition as input, started by dist.launcher), the closed-form ones stay; the partition must
# have as many parts.
out="$(snake "$tmp" -n -p --cores 2 --configfile "$ROOT/configs/default.yaml" --config 'dist={ranks: 2}' 2>&1)" \
  || { echo "$out"; fail "dry run with dist.ranks=2 failed"; }
expect_eq "2-rank jobs" "$(job_counts <<<"$out")" \
  "all=1 compare=1 explain=1 ingest=1 partition=1 plots=1 report=1 split=3 synth=1 tables=1 train=9 train_mpi=45"
grep -q 'mpirun --oversubscribe --bind-to none -n 2 "$KGPERT" train .*--partition results/demo/partition.h5' <<<"$out" \
  || { echo "$out" | grep -m3 mpirun; fail "train_mpi does not start 2 ranks with the partition"; }
if out="$(snake "$tmp" -n --cores 2 --config 'dist={ranks: 4}' 2>&1)"; then fail "dist.ranks=4 with 2 parts accepted"; fi
grep -q "needs partition.parts=4" <<<"$out" || { echo "$out"; fail "no reason for refusing dist.ranks=4"; }
echo "ok: dist.ranks=2 makes MPI train jobs; a partition of other parts is refused"

# What jobs ask for comes from the config's resources section and passes the SLURM profile
# unchanged (the profile sets only the MPI launcher): a train_mpi job ranks x resources.train
# (memory, GPUs, one task per GPU), a closed-form train job no GPU, ingest its own section, the
# other rules resources.default. (A dry run needs no SLURM.)
out="$(snake "$tmp" -n --profile "$ROOT/cluster/slurm" --configfile "$ROOT/configs/default.yaml" \
  --config 'dist={ranks: 2}' 'resources={train: {mem_mb: 3000, runtime: 90, gpus: 1}, ingest: {runtime: 45}}' 2>&1)" \
  || { echo "$out"; fail "dry run with the SLURM profile failed"; }
resources_of() {  # resources_of RULE WILDCARDS-REGEX KEY... < dry run: KEY=value of its first such job
  local line key
  line="$(awk -v rule="rule $1:" -v want="$2" '
    $0 == rule {f = 1; w = ""; next}
    /^[^ ]/ {f = 0}
    f && /^ +wildcards:/ {w = $0}
    f && /^ +resources:/ && w ~ want {print; exit}')"
  shift 2
  for key; do grep -o "\b$key=[^,]*" <<<"$line" | head -n1; done | tr '\n' ' ' | sed 's/ $//'
}
expect_eq "resources of a GAT train_mpi job" "$(resources_of train_mpi model=gat mem_mb runtime gpu tasks_per_gpu gpus_per_task tasks cpus_per_task mpi <<<"$out")" \
  "mem_mb=6000 runtime=90 gpu=2 tasks_per_gpu=1 gpus_per_task=1 tasks=2 cpus_per_task=1 mpi=srun --mpi=pmix"
# ... and its srun gives each rank one GPU of the allocation (the executor has no such resource).
grep -q 'srun --mpi=pmix --gpus-per-task=1 -n 2 "$KGPERT" train ' <<<"$out" \
  || { echo "$out" | grep -m3 'srun'; fail "a GPU train_mpi job's srun does not ask for one GPU per task"; }
expect_eq "resources of a knn train job" "$(resources_of train model=knn mem_mb runtime gpu <<<"$out")" "mem_mb=3000 runtime=90 gpu=0"
expect_eq "resources of ingest" "$(resources_of ingest "" mem_mb runtime <<<"$out")" "mem_mb=32000 runtime=45"
expect_eq "resources of split" "$(resources_of split split=scaffold mem_mb runtime <<<"$out")" "mem_mb=4000 runtime=60"
# Without GPUs no GPU option; mpirun (the local profile) is given none either.
out="$(snake "$tmp" -n --profile "$ROOT/cluster/slurm" --configfile "$ROOT/configs/default.yaml" --config 'dist={ranks: 2}' 2>&1)" \
  || { echo "$out"; fail "dry run with the SLURM profile, no GPUs, failed"; }
grep -q 'srun --mpi=pmix -n 2 "$KGPERT" train ' <<<"$out" || { echo "$out" | grep -m3 'srun'; fail "no srun for a CPU train_mpi job"; }
out="$(snake "$tmp" -n -p --cores 2 --configfile "$ROOT/configs/default.yaml" --config 'dist={ranks: 2}' 'resources={train: {gpus: 1}}' 2>&1)" \
  || { echo "$out"; fail "dry run with GPUs, local profile, failed"; }
grep -q 'mpirun --oversubscribe --bind-to none -n 2 "$KGPERT" train ' <<<"$out" \
  || { echo "$out" | grep -m3 'mpirun'; fail "mpirun given a GPU option"; }
if out="$(snake "$tmp" -n --cores 1 --config 'resources={train: {gpus: 2}}' 2>&1)"; then fail "resources.train.gpus=2 accepted"; fi
echo "ok: jobs' resources from the config's resources section, through the SLURM profile"

# sweep.grid: every combination for the models that read each key, the values in the paths (in
# the order of the entries);
# bad entries are refused before anything runs.
grid='sweep={models: [gat, mlp, knn], splits: [random], ablations: [none], ablation_models: [gat], seeds: [0, 1], grid: ["gat.heads: [2, 4]", "train.lr: [0.001, 0.0003]", "gat.fanouts: [[], [10, 5]]", "baseline.knn_k: [[5], [3, 10]]"]}'
out="$(snake "$tmp" -n --cores 2 --config "$grid" 2>&1)" || { echo "$out"; fail "grid dry run failed"; }
# gat: 2 heads x 2 lr x 2 fanouts x 2 seeds = 16; mlp: 2 lr x 2 seeds = 4; knn: 2 (first seed).
expect_eq "grid jobs" "$(job_counts <<<"$out")" \
  "all=1 compare=1 explain=1 ingest=1 partition=1 plots=1 report=1 split=1 synth=1 tables=1 train=22"
for path in "model~gat/ablation~none/split~random/gat.heads~4/train.lr~0.0003/gat.fanouts~10-5/seed~1/run.h5" \
            "model~gat/ablation~none/split~random/gat.heads~2/train.lr~0.001/gat.fanouts~none/seed~0/run.h5" \
            "model~mlp/ablation~none/split~random/train.lr~0.0003/seed~0/run.h5" \
            "model~knn/ablation~none/split~random/baseline.knn_k~3-10/seed~0/run.h5"; do
  grep -qF "results/demo/runs/$path" <<<"$out" || { echo "$out" | grep "output:.*run.h5"; fail "no grid run $path"; }
done
bad() {  # bad GRID-ENTRY EXPECTED-MESSAGE
  local o
  if o="$(snake "$tmp" -n --cores 1 --config "sweep={grid: [\"$1\"]}" 2>&1)"; then fail "grid entry \"$1\" accepted"; fi
  grep -qF "$2" <<<"$o" || { echo "$o" | tail -5; fail "grid entry \"$1\": no \"$2\""; }
}
bad "gat.head: [2]" "unknown config key gat.head"
bad "gat.heads: [2, -1]" "gat.heads=-1 is not a valid value"
bad "split.seed: [1, 2]" "split.seed is read by no train job"
bad "train.seed: [1]" "seeds are sweep.seeds"
bad "gat.heads: 4" "expected a non-empty list of values"
echo "ok: sweep.grid paths and counts; bad entries refused"

# The sweep files, after a data config: the paper's experiment is 40 train jobs.
out="$(snake "$tmp" -n --cores 2 --configfile "$ROOT/configs/default.yaml" "$ROOT/configs/sweeps/paper.yaml" 2>&1)" \
  || { echo "$out"; fail "dry run of configs/sweeps/paper.yaml failed"; }
expect_eq "paper sweep jobs" "$(job_counts <<<"$out")" \
  "all=1 compare=1 explain=1 ingest=1 partition=1 plots=1 report=1 split=2 synth=1 tables=1 train=40"
for f in "$ROOT"/configs/sweeps/*.yaml; do
  out="$(snake "$tmp" -n --cores 2 --configfile "$ROOT/configs/default.yaml" "$f" 2>&1)" \
    || { echo "$out"; fail "dry run of $f failed"; }
done
echo "ok: configs/sweeps/*.yaml"

# The schema rejects what kgpert would reject.
if out="$(snake "$tmp" -n --cores 1 --config bogus=1 2>&1)"; then fail "unknown key accepted"; fi
grep -q "'bogus' was unexpected" <<<"$out" || { echo "$out"; fail "schema error does not name the key"; }
if out="$(snake "$tmp" -n --cores 1 --config 'train={lr: -1}' 2>&1)"; then fail "train.lr=-1 accepted"; fi
grep -q "\['train'\]\['properties'\]\['lr'\]" <<<"$out" || { echo "$out"; fail "schema error does not name train.lr"; }
echo "ok: schema rejects an unknown key and an out-of-range value"
