#!/usr/bin/env bash
# Everything CI runs: set up (packages, venv), build all targets (program and tests), run ctest;
# then the unit tests against the torch wheel's LibTorch (build-wheel/), and the unit and MPI
# tests again under ASan + UBSan (scripts/sanitize.sh, build-asan/).
#   bash scripts/test.sh [extra ctest arguments, for the normal build]
# KGPERT_WHEEL=0 skips the wheel build, KGPERT_SANITIZE=0 the sanitizer build.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh --target all
status=0
# -LE fresh: the fresh-Debian check (scripts/fresh_check.sh) runs this script itself; `ctest -L fresh`.
ctest --test-dir "${KGPERT_BUILD_DIR:-build}" --output-on-failure -j2 -LE fresh "$@" || status=$?

# The second supported LibTorch: the torch wheel's (2.x, CUDA; scripts/setup.sh --torch wheel,
# venv .venv-torch). kgpert and the GoogleTest programs, the CUDA kernels and the NCCL
# communicator among them, built against it; the GoogleTest tests run (suites are CamelCase; the
# GPU ones skip themselves without a GPU), the shell tests stay with the normal build.
# The wheel's LibTorch is a CUDA build: its CMake config needs the CUDA toolkit (nvcc), which a
# plain Debian machine lacks (CI's machines have it); there the step says so and is skipped.
if [[ ${KGPERT_WHEEL:-1} != 0 ]] && ! command -v nvcc >/dev/null && [[ ! -x /usr/local/cuda/bin/nvcc ]]; then
  echo "[test] LibTorch wheel build skipped: no CUDA toolkit (nvcc), which the torch wheel's CMake config needs"
elif [[ ${KGPERT_WHEEL:-1} != 0 ]]; then
  wheel_build="${KGPERT_WHEEL_BUILD_DIR:-build-wheel}"
  if bash scripts/setup.sh --torch wheel --target kgpert; then
    tests=($(ninja -C "$wheel_build" -t targets all |
             sed -n 's/^\(test_[a-z_]*\): CXX_EXECUTABLE_LINKER.*/\1/p' | grep -vx test_mpi || true))
    echo "[test] building ${tests[*]} in $wheel_build"
    if ninja -C "$wheel_build" -j "${KGPERT_JOBS:-$(nproc)}" "${tests[@]}" &&
       "$wheel_build/kgpert" --help >/dev/null; then
      ctest --test-dir "$wheel_build" --output-on-failure -j2 -E '^[a-z_]+\.' || status=$?
    else
      status=1
    fi
  else
    status=1
  fi
fi

if [[ ${KGPERT_SANITIZE:-1} != 0 ]]; then
  bash scripts/sanitize.sh || status=$?
fi
exit "$status"
