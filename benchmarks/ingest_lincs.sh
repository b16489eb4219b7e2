#!/usr/bin/env bash
# Full ingest at real scale: a PrimeKG-sized kg.csv plus LINCS files of GSE92742's size (a level-5
# GCTX of 12,328 genes x N signatures, 23 GB at the full N = 473,647), written by
# `kgpert synth --scale primekg --signatures N`. Runs `kgpert ingest` twice on 2 threads — every
# trt_cp signature, then one cell line at one time point — and prints wall time, peak RSS and the
# size of what was selected, to show that memory follows the selection, not the file.
# usage: benchmarks/ingest_lincs.sh path/to/kgpert [signatures (473647)] [workdir]
# Needs about 1.1 GB + N x 49 kB of disk (24 GB at the full size). Builds nothing.
set -euo pipefail
KGPERT=${1:?usage: $0 path/to/kgpert [signatures] [workdir]}
N=${2:-473647}
WORK=${3:-$(mktemp -d "${TMPDIR:-/tmp}/kgpert-lincs-bench.XXXXXX")}
[[ -x "$KGPERT" ]] || { echo "$0: \"$KGPERT\" is not an executable" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "$0: /usr/bin/time (GNU time) is needed for peak RSS" >&2; exit 2; }
mkdir -p "$WORK"

seconds() { awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$1"; }
peak_mb() { awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$1"; }

if [[ ! -f $WORK/level5.gctx || ! -f $WORK/.signatures-$N ]]; then
  /usr/bin/time -v -o "$WORK/synth.time" "$KGPERT" synth --scale primekg --signatures "$N" \
    --set threads=2 --out "$WORK" 2> >(grep -v '^$' >&2)
  touch "$WORK/.signatures-$N"
  printf "synth             %.1f s (kg.csv + LINCS files)\n" "$(seconds "$WORK/synth.time")"
fi
printf "kg.csv            %.2f GB\nlevel5.gctx       %.2f GB (12,328 genes x %d signatures)\n" \
  "$(stat -c %s "$WORK/kg.csv" | awk '{print $1/1e9}')" "$(stat -c %s "$WORK/level5.gctx" | awk '{print $1/1e9}')" "$N"
cat "$WORK/kg.csv" > /dev/null  # warm: parsing is measured, not the disk (the GCTX is read cold or warm as it comes)

inputs=(--set threads=2 --set inputs.kg_csv="$WORK/kg.csv" --set inputs.gctx="$WORK/level5.gctx"
        --set inputs.sig_info="$WORK/sig_info.txt" --set inputs.gene_info="$WORK/gene_info.txt"
        --set inputs.cell_info="$WORK/cell_info.txt" --set inputs.pert_info="$WORK/pert_info.txt"
        --set inputs.drugbank_vocab="$WORK/drugbank_vocabulary.csv")
run() {  # name, extra args...
  local name=$1; shift
  /usr/bin/time -v -o "$WORK/$name.time" "$KGPERT" ingest "${inputs[@]}" "$@" \
    --graph "$WORK/$name.graph.h5" --samples "$WORK/$name.samples.h5" 2> "$WORK/$name.log" ||
    { cat "$WORK/$name.log" >&2; exit 1; }
  local read_sigs kept
  read_sigs=$(grep -o '[0-9]* samples from [0-9]* signatures' "$WORK/$name.log" | head -1)
  kept=$(grep -o 'merged [0-9]*' "$WORK/$name.log" | grep -o '[0-9]*')
  local samples=${read_sigs%% *}
  printf "%-17s %6.1f s wall, %5d MB peak RSS; %s (%s replicates merged; %.0f MB of values read)\n" \
    "$name" "$(seconds "$WORK/$name.time")" "$(peak_mb "$WORK/$name.time")" "$read_sigs" "$kept" \
    "$(awk -v s="$samples" -v m="$kept" 'BEGIN {print (s + m) * 978 * 4 / 1e6}')"
}
run all_trt_cp
run one_cell --set 'ingest.cell_lines=[A375]' --set 'ingest.times=[24]'
echo "files in $WORK"
