#!/usr/bin/env bash
# `snakemake --lint` must find nothing to complain about.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
out="$(snake "$tmp" --lint 2>&1)" || { echo "$out"; fail "snakemake --lint exited non-zero"; }
if grep -q "Lints for" <<<"$out" || ! grep -q "your workflow is in a good condition" <<<"$out"; then
  echo "$out"
  fail "snakemake --lint reported lints"
fi
echo "ok: snakemake --lint is clean"
