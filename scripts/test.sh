#!/usr/bin/env bash
# Everything CI runs: set up (packages, venv), build all targets (program and tests), run ctest;
# then the unit and MPI tests again under ASan + UBSan (scripts/sanitize.sh, build-asan/).
#   bash scripts/test.sh [extra ctest arguments, for the normal build]
# KGPERT_SANITIZE=0 skips the sanitizer build.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh --target all
status=0
# -LE fresh: the fresh-Debian check (scripts/fresh_check.sh) runs this script itself; `ctest -L fresh`.
ctest --test-dir "${KGPERT_BUILD_DIR:-build}" --output-on-failure -j2 -LE fresh "$@" || status=$?
if [[ ${KGPERT_SANITIZE:-1} != 0 ]]; then
  bash scripts/sanitize.sh || status=$?
fi
exit "$status"
