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
