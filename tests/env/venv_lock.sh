#!/usr/bin/env bash
# The venv .venv holds exactly the packages of workflow/envs/venv.lock.txt (scripts/check_venv.py:
# the same names at the same versions as `pip freeze`, a sha256 for each lock entry); and the
# check fails when the venv has a package the lock lacks, another version of one, or an entry
# has no hash (shown with doctored copies of the lock). Skipped (exit 77) where there is no venv.
#   tests/env/venv_lock.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.venv"
LOCK="$ROOT/workflow/envs/venv.lock.txt"
fail() { echo "FAIL: $*" >&2; exit 1; }

if [[ ! -x $VENV/bin/python ]]; then
  echo "SKIP: no venv at $VENV (bash scripts/setup.sh makes it)"
  exit 77
fi
check() { python3 "$ROOT/scripts/check_venv.py" "$VENV" "$1"; }
check "$LOCK" || fail "$VENV is not what $LOCK says (bash scripts/setup.sh installs it)"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
pkg=snakemake
version="$(sed -n "s/^$pkg==\([^ ]*\) .*/\1/p" "$LOCK")"
[[ -n $version ]] || fail "$LOCK has no $pkg entry"
# expect_failure NAME MESSAGE: the check of the doctored lock $tmp/NAME fails, saying MESSAGE.
expect_failure() {
  local out
  if out="$(check "$tmp/$1" 2>&1)"; then fail "a venv with $1 passed the check"; fi
  grep -qF "$2" <<<"$out" || { echo "$out"; fail "$1: no \"$2\" in the check's output"; }
  echo "ok: $1 fails the check"
}
# Lines from the entry's pin up to the next entry's are its block (hashes, "# via" comments).
awk -v p="^$pkg==" '/^[A-Za-z0-9]/ {skip = ($0 ~ p)} !skip' "$LOCK" >"$tmp/an extra package"
expect_failure "an extra package" "extra: $pkg==$version is installed but not in the lock"
sed "s/^$pkg==$version /$pkg==0.0.1 /" "$LOCK" >"$tmp/another version"
expect_failure "another version" "version: $pkg==$version is installed, the lock has $pkg==0.0.1"
awk -v p="^$pkg==" '/^[A-Za-z0-9]/ {block = ($0 ~ p); if (block) {print "'"$pkg==$version"'"; next}}
                    !(block && /--hash=/)' "$LOCK" >"$tmp/an entry without a hash"
expect_failure "an entry without a hash" "$pkg==$version has no sha256 hash"
