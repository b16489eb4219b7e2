#!/usr/bin/env bash
# Data-parallel training throughput: the GAT (sampled neighbourhoods [10, 10]) on the scaffold
# split of a dataset made by the pipeline (default: the medium sweep's, results/medium), trained
# for a few epochs as 1 rank x 1 thread, 1 rank x 2 threads and 2 ranks x 1 thread (mpirun,
# signatures owned by METIS part). Prints training signatures/s (steps only, not evaluation),
# the speed-up over 1 x 1, the share of step time spent waiting for gradient all-reduces, and
# the peak RSS of every process, and what each rank holds (nodes, edges and signatures: with
# --partition a rank reads only its own signatures' profiles and keeps its part of the graph).
# usage: benchmarks/ddp_train.sh path/to/kgpert [results dir (results/medium)] [epochs (8)]
#   make the data first: .venv/bin/snakemake --cores 2 --configfile configs/medium.yaml \
#     --profile cluster/local results/medium/splits/scaffold.h5
set -euo pipefail
KGPERT=$(realpath "${1:?usage: $0 path/to/kgpert [results dir] [epochs]}")
DATA=${2:-results/medium}
EPOCHS=${3:-8}
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
for f in graph.h5 samples.h5 splits/scaffold.h5; do
  [[ -f $DATA/$f ]] || { echo "$0: no $DATA/$f (see the usage line for how to make it)" >&2; exit 2; }
done
[[ -x /usr/bin/time ]] || { echo "$0: /usr/bin/time (GNU time) is needed for peak RSS" >&2; exit 2; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/kgpert-ddp-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

common=(--config "$ROOT/configs/default.yaml" --set model=gat --set split.kind=scaffold
        --set 'gat.fanouts=[10, 10]' --set train.epochs="$EPOCHS" --set train.patience=1000
        --set train.checkpoint_every=0
        --graph "$DATA/graph.h5" --samples "$DATA/samples.h5" --split "$DATA/splits/scaffold.h5")
"$KGPERT" partition --config "$ROOT/configs/default.yaml" --set partition.parts=2 --graph "$DATA/graph.h5" \
  --samples "$DATA/samples.h5" --split "$DATA/splits/scaffold.h5" --out "$WORK/partition.h5" 2> "$WORK/partition.log"
echo "$(tail -1 "$WORK/partition.log")"

peak_mb() { awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$1"; }
rate() { sed -n 's/^train: \([0-9]*\) signatures\/s.*/\1/p' "$1"; }
wait_share() { sed -n 's/.*all-reduce [0-9.]* s (\([0-9.]*%\)).*/\1/p' "$1"; }

run() {  # name ranks threads
  local name=$1 ranks=$2 threads=$3
  local env=(env OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads")
  if ((ranks == 1)); then
    "${env[@]}" /usr/bin/time -v -o "$WORK/$name.0.time" "$KGPERT" train "${common[@]}" --set threads="$threads" \
      --out "$WORK/$name.h5" 2> "$WORK/$name.log" || { cat "$WORK/$name.log" >&2; exit 1; }
  else
    mpirun -np "$ranks" --oversubscribe --allow-run-as-root --bind-to none "${env[@]}" sh -c \
      'exec /usr/bin/time -v -o "$0.$OMPI_COMM_WORLD_RANK.time" "$@"' "$WORK/$name" \
      "$KGPERT" train "${common[@]}" --set threads="$threads" --partition "$WORK/partition.h5" \
      --out "$WORK/$name.h5" 2> "$WORK/$name.log" || { cat "$WORK/$name.log" >&2; exit 1; }
  fi
  local peaks=()
  for ((r = 0; r < ranks; ++r)); do peaks+=("$(peak_mb "$WORK/$name.$r.time") MB"); done
  printf "%-22s %8s sig/s  %6s  all-reduce wait %6s  peak RSS per rank: %s\n" "$ranks rank(s) x $threads thread(s)" \
    "$(rate "$WORK/$name.log")" "$(awk -v a="$(rate "$WORK/$name.log")" -v b="${base:-0}" \
      'BEGIN { if (b > 0) printf "%.2fx", a / b; else printf "1.00x" }')" "$(wait_share "$WORK/$name.log")" "${peaks[*]}"
}
base=""
run r1t1 1 1
base=$(rate "$WORK/r1t1.log")
run r1t2 1 2
run r2t1 2 1
grep '^train: 2 ranks' "$WORK/r2t1.log"
grep '^train: data held' "$WORK/r1t1.log" "$WORK/r2t1.log" | sed "s|^$WORK/||"
