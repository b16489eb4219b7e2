#!/usr/bin/env bash
# End to end at PrimeKG scale (issue 7): `kgpert synth --scale primekg --signatures N` (a
# PrimeKG-sized kg.csv, 129k nodes and 8.1M rows, and LINCS files around it), then ingest (graph
# and samples), a scaffold split, a 2-part METIS partition and one training epoch of the GAT on
# sampled neighbourhoods (gat.fanouts [10, 10], batch 128, 1 rank, 2 threads), all from one
# config file written into the workdir. Prints per stage the wall time and peak RSS (GNU time),
# and for training the signatures/s and steps/s of the training steps, the epoch's time (steps
# and validation) and what kgpert itself reports (data held, peak resident memory).
# usage: benchmarks/primekg_e2e.sh [path/to/kgpert (build/kgpert)] [workdir (a new temporary one)]
#   SIGNATURES=N (40000): LINCS signatures to write; the GCTX takes N x 49 kB (40000: 2.0 GB;
#   the full 473,647 make 23 GB). A workdir holding synth's files for the same N reuses them.
# Target: peak RSS of training with 1 rank at most 6 GB. Builds nothing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KGPERT=${1:-$ROOT/build/kgpert}
[[ -x "$KGPERT" ]] || { echo "$0: \"$KGPERT\" is not an executable (build first, or pass its path)" >&2; exit 2; }
KGPERT=$(realpath "$KGPERT")
N=${SIGNATURES:-40000}
BATCH=128
[[ $N =~ ^[1-9][0-9]*$ ]] || { echo "$0: SIGNATURES=\"$N\" is not a positive integer" >&2; exit 2; }
WORK=${2:-$(mktemp -d "${TMPDIR:-/tmp}/kgpert-e2e-bench.XXXXXX")}
[[ -x /usr/bin/time ]] || { echo "$0: /usr/bin/time (GNU time) is needed for peak RSS" >&2; exit 2; }
mkdir -p "$WORK"
WORK=$(realpath "$WORK")

cat > "$WORK/e2e.yaml" <<EOF
# benchmarks/primekg_e2e.sh: one config for every stage
threads: 2
inputs:
  kg_csv: $WORK/kg.csv
  gctx: $WORK/level5.gctx
  sig_info: $WORK/sig_info.txt
  gene_info: $WORK/gene_info.txt
  cell_info: $WORK/cell_info.txt
  pert_info: $WORK/pert_info.txt
  drugbank_vocab: $WORK/drugbank_vocabulary.csv
split:
  kind: scaffold
partition:
  parts: 2
model: gat
gat:
  fanouts: [10, 10]
train:
  epochs: 1
  batch_size: $BATCH
EOF

seconds() { awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$1"; }
peak_mb() { awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$1"; }
rows=()  # "stage|seconds|MB|notes"
stage() {  # name kgpert-args...: runs kgpert under GNU time, its log in $WORK/name.log
  local name=$1; shift
  /usr/bin/time -v -o "$WORK/$name.time" "$KGPERT" "$@" 2> "$WORK/$name.log" ||
    { echo "$0: stage $name failed:" >&2; cat "$WORK/$name.log" >&2; exit 1; }
  rows+=("$name|$(seconds "$WORK/$name.time")|$(peak_mb "$WORK/$name.time")")
}
note() { rows[-1]+="|$1"; }

if [[ -f $WORK/level5.gctx && -f $WORK/.signatures-$N ]]; then
  rows+=("synth|-|-|reused from an earlier run in $WORK")
else
  stage synth synth --config "$WORK/e2e.yaml" --scale primekg --signatures "$N" --out "$WORK"
  touch "$WORK/.signatures-$N"
  note "kg.csv $(stat -c %s "$WORK/kg.csv" | awk '{printf "%.2f GB", $1 / 1e9}'), level5.gctx $(stat -c %s "$WORK/level5.gctx" | awk '{printf "%.2f GB", $1 / 1e9}') ($N signatures)"
fi
cat "$WORK/kg.csv" > /dev/null  # warm page cache for kg.csv, as benchmarks/ingest_primekg.sh

stage ingest ingest --config "$WORK/e2e.yaml" --graph "$WORK/graph.h5" --samples "$WORK/samples.h5"
note "$(grep -o 'graph [0-9]* nodes, [0-9]* edges' "$WORK/ingest.log"); $(grep -o '[0-9]* samples from [0-9]* signatures' "$WORK/ingest.log")"
stage split split --config "$WORK/e2e.yaml" --samples "$WORK/samples.h5" --out "$WORK/split.h5"
note "$(sed -n 's/^split scaffold: \(train .*\) signatures.*/\1/p' "$WORK/split.log")"
stage partition partition --config "$WORK/e2e.yaml" --graph "$WORK/graph.h5" --samples "$WORK/samples.h5" \
  --split "$WORK/split.h5" --out "$WORK/partition.h5"
note "$(sed -n 's/^partition: 2 parts of [0-9]* nodes, \(edge cut [0-9]*\).*/\1/p' "$WORK/partition.log"), 2 parts"
# One rank trains on the whole graph: train reads partition.h5 only with as many ranks as parts.
stage train train --config "$WORK/e2e.yaml" --graph "$WORK/graph.h5" --samples "$WORK/samples.h5" \
  --split "$WORK/split.h5" --out "$WORK/run.h5"

train_n=$(sed -n 's/^train: .* seed [0-9]*: \([0-9]*\) train .*/\1/p' "$WORK/train.log")
rate=$(sed -n 's/^train: \([0-9]*\) signatures\/s in training steps.*/\1/p' "$WORK/train.log")
step_s=$(sed -n 's/^train: [0-9]* signatures\/s in training steps (\([0-9.]*\) s).*/\1/p' "$WORK/train.log")
epoch_s=$(sed -n 's/^epoch *1 .* \([0-9.]*\)s.*/\1/p' "$WORK/train.log")
own_peak=$(sed -n 's/^train: peak resident memory per rank: \([0-9]*\) MB.*/\1/p' "$WORK/train.log")
steps=$(( (train_n + BATCH - 1) / BATCH ))
note "$train_n signatures, $steps steps of $BATCH: $rate signatures/s, $(awk -v n="$steps" -v s="$step_s" 'BEGIN {printf "%.1f", n / s}') steps/s ($step_s s); epoch with validation ${epoch_s} s"

echo "kgpert: $("$KGPERT" version 2>&1 | head -1)"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GB RAM"
printf "%-10s %8s %9s  %s\n" stage "wall (s)" "peak RSS" ""
total=0
for r in "${rows[@]}"; do
  IFS='|' read -r name s mb notes <<< "$r"
  if [[ $s == - ]]; then
    printf "%-10s %8s %9s  %s\n" "$name" - - "$notes"
  else
    printf "%-10s %8.2f %6s MB  %s\n" "$name" "$s" "$mb" "$notes"
    total=$(awk -v a="$total" -v b="$s" 'BEGIN {print a + b}')
  fi
done
printf "%-10s %8.2f\n" total "$total"
sed -n 's/^train: data held: /train data held: /p' "$WORK/train.log"
echo "train peak resident memory (kgpert's own figure): $own_peak MB   (target <= 6000 MB)"
echo "files in $WORK"
