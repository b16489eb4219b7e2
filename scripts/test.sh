#!/usr/bin/env bash
# Everything CI runs: set up (packages, venv), build all targets (program and tests), run ctest.
#   bash scripts/test.sh [extra ctest arguments]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh --target all
ctest --test-dir "${KGPERT_BUILD_DIR:-build}" --output-on-failure -j2 "$@"
