#!/usr/bin/env bash
# Fuzzes the parsers (fuzz/: kg.csv, GCT, GCTX, LINCS tables, YAML config) with libFuzzer, ASan
# and UBSan, and replays the kept regression inputs (tests/fuzz/<target>/).
#   bash scripts/fuzz.sh [seconds per target, default 60]
# Builds fuzz/ in build-fuzz/ with clang-14 (idempotent; apt-get installs clang and
# libclang-rt-14-dev when missing), makes the seed corpora at run time from ../shared/data/real
# (big files cut to their first 1000 lines / 64 KB; the repo's small seeds in fuzz/seeds/ when
# that is absent), runs each target for the given time and prints its executions. Fails on any
# crash, leak, sanitizer report, timeout (>10 s for one input) or memory blow-up (>2 GB);
# the input that showed it is left in build-fuzz/findings/<target>/ (keep it in tests/fuzz/
# with the fix). Environment: KGPERT_FUZZ_BUILD (default build-fuzz), KGPERT_REAL_DIR.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

SECONDS_PER_TARGET="${1:-60}"
BUILD="${KGPERT_FUZZ_BUILD:-build-fuzz}"
REAL="${KGPERT_REAL_DIR:-$ROOT/../shared/data/real}"
TARGETS=(kgcsv gct gctx lincs config)
say() { printf '[fuzz] %s\n' "$*"; }
mkdir -p "$BUILD"
exec 9>"$BUILD/.lock"
flock 9  # one run at a time per build directory (several checkouts' ctest may start one)

# ---- build -----------------------------------------------------------------------------------
if ! command -v clang++-14 >/dev/null \
   || ! ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 \
   || [[ ! -e /usr/lib/llvm-14/lib/libomp.so ]]; then
  say "installing clang-14, libclang-rt-14-dev and libomp-14-dev"
  as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    clang-14 libclang-rt-14-dev libomp-14-dev
fi
if [[ ! -f $BUILD/build.ninja ]]; then
  cmake -S fuzz -B "$BUILD" -G Ninja -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 >/dev/null
fi
ninja -C "$BUILD" -j "${KGPERT_JOBS:-$(nproc)}" >/dev/null

# ---- seed corpora ------------------------------------------------------------------------------
# seed DIR FILE...: the first 1000 lines (at most 64 KB) of each file, gunzipped first.
seed() {
  local dir=$1; shift
  local f
  for f in "$@"; do
    [[ -f $f ]] || continue
    if [[ $f == *.gz ]]; then gzip -dc "$f"; else cat "$f"; fi | head -n 1000 | head -c 65536 \
      >"$dir/real-$(basename "${f%.gz}")" || true
  done
}
CORPUS="$BUILD/corpus"
rm -rf "$CORPUS"
for t in "${TARGETS[@]}"; do
  mkdir -p "$CORPUS/$t"
  cp fuzz/seeds/$t/* "$CORPUS/$t/" 2>/dev/null || true
done
if [[ -d $REAL ]]; then
  seed "$CORPUS/kgcsv" "$REAL"/primekg-subset-arnold117/*_edges.csv
  seed "$CORPUS/gct" "$REAL"/cmapPy/*.gct "$REAL"/cmapR/*.gct
  seed "$CORPUS/lincs" "$REAL"/cmapM/*.txt "$REAL"/cmapPy/LJP_row_metadata.txt \
    "$REAL"/dhimmel-lincs/*.tsv* "$REAL"/drugbank-vocabulary/*.csv "$REAL"/derived/*.tsv \
    "$REAL"/CIGER/drug_id.csv
  # One gzip seed, so the gzip path of the table reader is reached too.
  head -n 50 "$REAL"/cmapM/test_build_siginfo.txt | gzip -c >"$CORPUS/lincs/real-siginfo.txt.gz"
  say "seeds from $REAL"
else
  say "no real data at $REAL: seeding with fuzz/seeds/ only"
fi
cp configs/*.yaml "$CORPUS/config/"
# The GCTX target builds its HDF5 file from the fuzz bytes (see fuzz/fuzz_gctx.cpp): the real
# .gctx files are no seeds for it (tests/io/test_gctx.cpp reads them).

# ---- regression inputs: replayed every time ---------------------------------------------------
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:allocator_may_return_null=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
status=0
for t in "${TARGETS[@]}"; do
  reg=(tests/fuzz/$t/*)
  [[ -e ${reg[0]} ]] || continue
  if "$BUILD/fuzz_$t" -rss_limit_mb=2048 -timeout=10 "${reg[@]}" >"$BUILD/replay-$t.log" 2>&1; then
    say "$t: ${#reg[@]} regression inputs replayed: ok"
  else
    say "$t: a regression input fails (log: $BUILD/replay-$t.log):"; tail -n 30 "$BUILD/replay-$t.log"
    status=1
  fi
done

# ---- fuzz ------------------------------------------------------------------------------------
printf '%-8s %12s %10s %s\n' target executions exec/s result
for t in "${TARGETS[@]}"; do
  findings="$BUILD/findings/$t"
  mkdir -p "$findings" "$BUILD/work/$t"
  log="$BUILD/fuzz-$t.log"
  rc=0
  # The new corpus entries go to work/ (the seed dir stays as made); -max_len fits the seeds.
  "$BUILD/fuzz_$t" "$BUILD/work/$t" "$CORPUS/$t" -max_total_time="$SECONDS_PER_TARGET" \
    -rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=10 -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="$findings/" >"$log" 2>&1 || rc=$?
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1)"
  if [[ $rc -eq 0 ]]; then result=ok; else result="FAILED (rc $rc, log $log)"; status=1; fi
  printf '%-8s %12s %10s %s\n' "$t" "${execs:-?}" "${rate:-?}" "$result"
  if [[ $rc -ne 0 ]]; then
    grep -E "ERROR|SUMMARY|runtime error|terminate|Test unit written" "$log" | head -n 8 || true
  fi
done
exit $status
