#!/usr/bin/env bash
# Graph-only ingest of a PrimeKG-scale kg.csv (synth --scale primekg): wall time, peak RSS and
# rows/s of `kgpert ingest` on 2 threads, warm page cache. Builds nothing.
# usage: benchmarks/ingest_primekg.sh path/to/kgpert [workdir]   (targets: <= 4 s, <= 1.5 GB)
set -euo pipefail
KGPERT=${1:?usage: $0 path/to/kgpert [workdir]}
WORK=${2:-$(mktemp -d "${TMPDIR:-/tmp}/kgpert-bench.XXXXXX")}
[[ -x "$KGPERT" ]] || { echo "$0: \"$KGPERT\" is not an executable" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "$0: /usr/bin/time (GNU time) is needed for peak RSS" >&2; exit 2; }
mkdir -p "$WORK"

t0=$(date +%s.%N)
"$KGPERT" synth --scale primekg --out "$WORK"
t1=$(date +%s.%N)
KG="$WORK/kg.csv"
bytes=$(stat -c %s "$KG")
rows=$(( $(wc -l < "$KG") - 1 ))  # names hold no line breaks, so lines - header = rows
cat "$KG" > /dev/null             # warm cache: the benchmark measures parsing, not the disk

"/usr/bin/time" -v -o "$WORK/time.txt" "$KGPERT" ingest --set threads=2 \
  --set inputs.kg_csv="$KG" --graph "$WORK/graph.h5"
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$WORK/time.txt")
rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt")

awk -v synth="$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')" -v wall="$wall" -v rss="$rss_kb" -v rows="$rows" \
    -v bytes="$bytes" -v g="$(stat -c %s "$WORK/graph.h5")" 'BEGIN {
  printf "kg.csv            %.1f MB, %d rows\n", bytes / 1e6, rows
  printf "synth             %.2f s\n", synth
  printf "ingest wall       %.2f s   (target <= 4 s)\n", wall
  printf "ingest peak RSS   %.0f MB  (target <= 1500 MB)\n", rss / 1024
  printf "ingest rows/s     %.2f M  (%.0f MB/s)\n", rows / wall / 1e6, bytes / wall / 1e6
  printf "graph.h5          %.1f MB\n", g / 1e6
}'
echo "files in $WORK"
