#!/usr/bin/env bash
# Makes workflow/envs/venv.lock.txt, the exact Python packages of the venv .venv (with every
# dependency, each with the sha256 of its files on PyPI), from the requirements in
# workflow/envs/venv.in; scripts/setup.sh installs the lock with pip's hash checking.
#
#   bash scripts/lock_env.sh [--upgrade]
#     --upgrade   resolve everything afresh (the newest versions venv.in allows); without it the
#                 versions of the current lock are kept where venv.in still allows them, and only
#                 what venv.in adds or no longer allows is resolved
#
# Resolved for the Python that makes .venv (Debian 12's /usr/bin/python3, 3.11, Linux x86-64) by
# pip-compile (pip-tools, installed from PyPI into a throwaway venv). The new lock is then
# installed into a second throwaway venv exactly as setup.sh does (--require-hashes --no-deps),
# which must pass `pip check` and scripts/check_venv.py, before it replaces the old one.
# Needs PyPI; writes only the lock. Commit the lock (and venv.in), then run setup.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

upgrade=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --upgrade) upgrade=1 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "lock_env.sh: unknown option \"$1\"" >&2; exit 2 ;;
  esac
  shift
done

IN=workflow/envs/venv.in
LOCK=workflow/envs/venv.lock.txt
PY=/usr/bin/python3
PIP_TOOLS="pip-tools==7.7.0"

say() { printf '[lock] %s\n' "$*"; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
pip_quiet=(-q --disable-pip-version-check)

say "pip-compile ($PIP_TOOLS) in a throwaway venv"
"$PY" -m venv "$tmp/tools"
"$tmp/tools/bin/pip" install "${pip_quiet[@]}" "$PIP_TOOLS"

# pip-compile keeps the pins of an existing output file: start from the current lock unless
# --upgrade. The header is ours; pip-compile's would name the temporary path.
if [[ $upgrade -eq 0 && -f $LOCK ]]; then
  cp "$LOCK" "$tmp/lock.txt"
  say "resolving $IN, keeping the versions of $LOCK it allows"
else
  say "resolving $IN afresh"
fi
"$tmp/tools/bin/pip-compile" --quiet --no-config --no-header --no-emit-options \
  --generate-hashes --no-reuse-hashes --allow-unsafe --strip-extras \
  --output-file "$tmp/lock.txt" "$IN"
{
  printf '# The Python packages of .venv: every one, dependencies included, at one version, with\n'
  printf '# the sha256 of its files. Made by `bash scripts/lock_env.sh` from %s with\n' "$IN"
  printf '# %s for %s; do not edit by hand.\n' "$PIP_TOOLS" "$("$PY" -c 'import platform; print("CPython", platform.python_version(), platform.system(), platform.machine())')"
  printf '# Installed by scripts/setup.sh: pip install --require-hashes --no-deps -r %s\n' "$LOCK"
  cat "$tmp/lock.txt"
} >"$tmp/new.txt"

say "installing the new lock into a second throwaway venv, as setup.sh does"
"$PY" -m venv "$tmp/check"
"$tmp/check/bin/pip" install "${pip_quiet[@]}" --require-hashes --no-deps -r "$tmp/new.txt"
"$tmp/check/bin/pip" check
"$PY" scripts/check_venv.py "$tmp/check" "$tmp/new.txt"

if [[ -f $LOCK ]] && cmp -s "$tmp/new.txt" "$LOCK"; then
  say "$LOCK unchanged"
else
  cp "$tmp/new.txt" "$LOCK.tmp" && mv "$LOCK.tmp" "$LOCK"
  say "wrote $LOCK ($(grep -c '^[A-Za-z0-9].*==' "$LOCK") packages); commit it, then run: bash scripts/setup.sh"
fi
