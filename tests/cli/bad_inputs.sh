#!/usr/bin/env bash
# The table-driven bad-input suite (tests/cli/bad_inputs.py) with the venv's Python.
#   tests/cli/bad_inputs.sh [KGPERT] [-k SUBSTRING] [--keep]
set -euo pipefail
source "$(dirname "$0")/../pipeline/lib.sh"  # ROOT, VENV, fail, cli_test_setup
cli_test_setup "${1:-}"
exec "$PY" "$ROOT/tests/cli/bad_inputs.py" "$KGPERT" "${@:2}"
