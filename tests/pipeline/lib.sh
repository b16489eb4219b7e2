# Helpers of the workflow tests (sourced): paths, snakemake in a scratch directory, job counts.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.venv"
if [[ ! -x $VENV/bin/snakemake ]]; then
  echo "FAIL: no Snakemake at $VENV/bin/snakemake (run: bash scripts/setup.sh)" >&2
  exit 1
fi

# snake DIR ARGS...: Snakemake on the repository's Snakefile with DIR as working directory.
snake() {
  local dir="$1"; shift
  "$VENV/bin/snakemake" --snakefile "$ROOT/Snakefile" --directory "$dir" "$@"
}

# job_counts < snakemake-output: "rule=count ..." from the first "Job stats" table, sorted.
job_counts() {
  awk '/^Job stats:/ {f = 1; next}
       f && /^total/ {exit}
       f && NF == 2 && $2 ~ /^[0-9]+$/ {print $1 "=" $2}' | sort | tr '\n' ' ' | sed 's/ $//'
}

fail() { echo "FAIL: $*" >&2; exit 1; }

# expect_eq WHAT GOT WANT
expect_eq() {
  if [[ "$2" != "$3" ]]; then
    fail "$1: got \"$2\", want \"$3\""
  fi
  echo "ok: $1"
}

# cli_test_setup [KGPERT]: for tests that run the kgpert binary directly: sets KGPERT (the
# argument, else $KGPERT, else build/kgpert) and PY (the venv's Python), checks both, and pins
# OpenMP and OpenBLAS to one thread.
cli_test_setup() {
  KGPERT="${1:-${KGPERT:-$ROOT/build/kgpert}}"
  PY="$VENV/bin/python"
  [[ -x $KGPERT ]] || fail "no kgpert binary at $KGPERT"
  [[ -x $PY ]] || fail "no Python venv at $ROOT/.venv (run: bash scripts/setup.sh)"
  export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
}

# expect_two_ranks RESULTS: the test sweep's GAT run (model~gat/ablation~none/split~random/
# seed~0) logged a 2-rank MPI training and its run.h5 says ranks=2.
expect_two_ranks() {
  local log="$1/logs/train/model~gat/ablation~none/split~random/seed~0.log"
  grep -q '^train: 2 ranks (mpi backend' "$log" || { cat "$log"; fail "the GAT job did not run on 2 ranks"; }
  "$VENV/bin/python" -c 'import sys, h5py; r = h5py.File(sys.argv[1], "r").attrs["ranks"]; assert r == 2, f"run.h5 says ranks={r}"' \
    "$1/runs/model~gat/ablation~none/split~random/seed~0/run.h5" || fail "the GAT run.h5 is not a 2-rank run"
}

# run NAME COMMAND...: runs the command with its output in $tmp/NAME.log; on failure prints the
# log and fails the test. Needs $tmp.
run() {
  local name="$1"; shift
  "$@" >"$tmp/$name.log" 2>&1 || { cat "$tmp/$name.log"; fail "$name failed"; }
}

# tiny_dataset CFG: synth + ingest + split of config CFG into $tmp (raw/, graph.h5, samples.h5,
# split.h5), with $KGPERT.
tiny_dataset() {
  local cfg="$1" raw="$tmp/raw"
  run synth "$KGPERT" synth --config "$cfg" --out "$raw"
  raw_ingest "$cfg"
  run ingest "${ingest[@]}" --graph "$tmp/graph.h5" --samples "$tmp/samples.h5"
  run split "$KGPERT" split --config "$cfg" --samples "$tmp/samples.h5" --out "$tmp/split.h5"
}

# raw_ingest CONFIG: sets the array `ingest` to the kgpert ingest command of tiny_dataset's raw
# files ($tmp/raw), without outputs, for a test to extend.
raw_ingest() {
  local raw="$tmp/raw"
  ingest=("$KGPERT" ingest --config "$1"
    --set inputs.kg_csv="$raw/kg.csv" --set inputs.gctx="$raw/signatures.gctx"
    --set inputs.sig_info="$raw/sig_info.txt" --set inputs.gene_info="$raw/gene_info.txt"
    --set inputs.cell_info="$raw/cell_info.txt" --set inputs.pert_info="$raw/pert_info.txt"
    --set inputs.drugbank_vocab="$raw/drugbank_vocabulary.csv" --set inputs.controls_gctx="$raw/controls.gctx")
}

# wait_for_line PID FILE PATTERN [SECONDS]: waits until FILE has a line matching PATTERN (grep)
# while process PID runs. Fails the test, showing FILE's end, if PID ends without the line or
# SECONDS (default 120) pass first: the caller acts on a process that has reached that line.
wait_for_line() {
  local pid="$1" file="$2" pattern="$3" limit="${4:-120}" start=$SECONDS stat
  until grep -q "$pattern" "$file" 2>/dev/null; do
    # Ended: gone, or a zombie not yet reaped (kill -0 still reaches one).
    stat="$(cat "/proc/$pid/stat" 2>/dev/null || true)"
    if [[ -z $stat || ${stat##*) } == Z* ]]; then
      grep -q "$pattern" "$file" 2>/dev/null && return 0  # the line, then the end, between two looks
      tail -n 20 "$file" 2>/dev/null
      fail "process $pid ended without a line matching '$pattern' in $file"
    fi
    if ((SECONDS - start >= limit)); then
      tail -n 20 "$file" 2>/dev/null
      fail "no line matching '$pattern' in $file after $limit s"
    fi
    sleep 0.01
  done
}
