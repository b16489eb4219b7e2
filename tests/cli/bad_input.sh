#!/usr/bin/env bash
# Bad inputs make kgpert fail cleanly: exactly one line on stderr, "kgpert <stage>: ...", naming
# the file (and line or key); a non-zero exit; nothing left in the output directory.
#   tests/cli/bad_input.sh [KGPERT]     (default: $KGPERT, else build/kgpert)
set -euo pipefail
source "$(dirname "$0")/../pipeline/lib.sh"  # ROOT, VENV, fail, cli_test_setup
cli_test_setup "${1:-}"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cfg="$ROOT/configs/test.yaml"
raw="$tmp/raw"
"$KGPERT" synth --config "$cfg" --out "$raw" >"$tmp/synth.log" 2>&1 \
  || { cat "$tmp/synth.log"; fail "kgpert synth failed"; }

# ingest_sets KEY=PATH...: --set for every input from raw/, with the given ones replaced.
ingest_args() {
  declare -A in=(
    [kg_csv]="$raw/kg.csv" [gctx]="$raw/signatures.gctx" [sig_info]="$raw/sig_info.txt"
    [gene_info]="$raw/gene_info.txt" [cell_info]="$raw/cell_info.txt"
    [pert_info]="$raw/pert_info.txt" [drugbank_vocab]="$raw/drugbank_vocabulary.csv"
    [controls_gctx]="$raw/controls.gctx")
  local kv
  for kv in "$@"; do in[${kv%%=*}]="${kv#*=}"; done
  for k in "${!in[@]}"; do printf '%s\n' --set "inputs.$k=${in[$k]}"; done
}

n=0
# expect_error NAME STAGE "FIXED STRING"... -- COMMAND...: COMMAND writes under $tmp/out.
expect_error() {
  local name="$1" stage="$2"; shift 2
  local needles=()
  while [[ $1 != -- ]]; do needles+=("$1"); shift; done
  shift
  rm -rf "$tmp/out"; mkdir -p "$tmp/out"
  local rc=0
  "$@" >"$tmp/stdout" 2>"$tmp/stderr" || rc=$?
  local err; err="$(cat "$tmp/stderr")"
  [[ $rc -ne 0 ]] || fail "$name: exit status 0"
  [[ $(wc -l <"$tmp/stderr") -eq 1 ]] || fail "$name: stderr is not one line: $err"
  [[ $err == "kgpert $stage: "* ]] || fail "$name: stderr does not start with \"kgpert $stage: \": $err"
  local s
  for s in "${needles[@]}"; do
    grep -qF -- "$s" "$tmp/stderr" || fail "$name: stderr does not name \"$s\": $err"
  done
  local left; left="$(ls -A "$tmp/out")"
  [[ -z $left ]] || fail "$name: left files behind: $left"
  echo "ok: $name: $err"
  n=$((n + 1))
}

ingest() {
  local sets; mapfile -t sets < <(ingest_args "$@")
  "$KGPERT" ingest --config "$cfg" "${sets[@]}" --graph "$tmp/out/graph.h5" --samples "$tmp/out/samples.h5"
}

# 1. A missing input file.
expect_error "missing kg.csv" ingest "$tmp/nowhere/kg.csv" -- \
  ingest kg_csv="$tmp/nowhere/kg.csv"

# 2. A malformed kg.csv line (3 fields instead of 12) on line 7.
awk 'NR == 7 {print "drug_protein,carrier,1"; next} {print}' "$raw/kg.csv" >"$tmp/bad_kg.csv"
expect_error "malformed kg.csv line" ingest "$tmp/bad_kg.csv" "line 7" -- \
  ingest kg_csv="$tmp/bad_kg.csv"

# 3. A GCTX whose rows are not the landmark genes (row ids renamed).
cp "$raw/signatures.gctx" "$tmp/no_landmarks.gctx"
"$PY" - "$tmp/no_landmarks.gctx" <<'PYEOF'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r+") as f:
    ds = f["0/META/ROW/id"]
    ids = ds[()]
    new = [f"x{i}" for i in range(len(ids))]
    ds[...] = np.array(new, dtype=ds.dtype) if ds.dtype.kind == "S" else np.array(new, dtype=object)
PYEOF
expect_error "GCTX without landmark genes" ingest "$tmp/no_landmarks.gctx" -- \
  ingest gctx="$tmp/no_landmarks.gctx"

# 4. An unknown key in a YAML config.
printf 'dataset: bad\ngat:\n  heads: 2\n  bogus: 1\n' >"$tmp/bad.yaml"
expect_error "unknown key in YAML" split "$tmp/bad.yaml" "gat.bogus" -- \
  "$KGPERT" split --config "$tmp/bad.yaml" --samples "$tmp/none.h5" --out "$tmp/out/split.h5"

# 5. An unknown key via --set.
expect_error "unknown key via --set" split "train.bogus" -- \
  "$KGPERT" split --config "$cfg" --set train.bogus=3 --samples "$tmp/none.h5" --out "$tmp/out/split.h5"

# 6. An out-of-range value via --set.
expect_error "out-of-range value via --set" split "split.train_frac" -- \
  "$KGPERT" split --config "$cfg" --set split.train_frac=2 --samples "$tmp/none.h5" --out "$tmp/out/split.h5"

echo "bad_input: $n passed, 0 failed"
