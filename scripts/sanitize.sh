#!/usr/bin/env bash
# The sanitizer build: configures build-asan/ with AddressSanitizer + UndefinedBehaviorSanitizer
# (-DKGPERT_SANITIZE=ON), builds the GoogleTest programs and runs them, the 2-rank MPI test
# included, with the suppressions in tests/sanitizers/ (false positives of the uninstrumented
# Debian libraries only). Idempotent; scripts/test.sh runs it after the normal ctest.
#   bash scripts/sanitize.sh [extra ctest arguments]
# Environment: KGPERT_ASAN_DIR (default build-asan), KGPERT_JOBS (default nproc).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

BUILD="${KGPERT_ASAN_DIR:-build-asan}"
SUPP="$ROOT/tests/sanitizers"
say() { printf '[sanitize] %s\n' "$*"; }

# The runtime options apply to the build as well: gtest_discover_tests runs each test program
# (--gtest_list_tests) when it is linked.
source "$SUPP/options.sh"

# CUDA off: nvcc objects cannot be instrumented, and Debian's LibTorch is CPU-only anyway.
if [[ ! -f $BUILD/build.ninja ]]; then
  say "configuring $BUILD"
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKGPERT_SANITIZE=ON \
        -DKGPERT_CUDA=OFF -DKGPERT_FUZZ_SECONDS=0 >/dev/null
fi
# Only the test programs (and the libraries they link); kgpert itself is run by the shell tests,
# which stay in the normal build.
targets=($(ninja -C "$BUILD" -t targets all | sed -n 's/^\(test_[a-z_]*\): CXX_EXECUTABLE_LINKER.*/\1/p'))
say "building ${targets[*]} (${KGPERT_JOBS:-$(nproc)} jobs)"
ninja -C "$BUILD" -j "${KGPERT_JOBS:-$(nproc)}" "${targets[@]}"

# The GoogleTest tests (suites are CamelCase: Config.*, GatFused.*) and mpi.ddp_2ranks (test_mpi
# under mpirun -np 2). The shell tests (lower-case groups: workflow., cli., faults., slurm.,
# fuzz.) drive kgpert through scripts and Snakemake and run in the normal build only.
say "running the unit tests under ASan + UBSan"
status=0
# The tests that start MPI (mpi.ddp_2ranks; CallChecks.Mpi*, MPI_Init as a singleton) run apart:
mpi_tests='^mpi\.ddp_2ranks$|^CallChecks\.Mpi'
ctest --test-dir "$BUILD" --output-on-failure -j2 -E "^[a-z_]+\\.|$mpi_tests" "$@" || status=$?
# The slow unwinder on malloc for the MPI tests: Open MPI is built without frame pointers, and the
# leak suppressions need whole stacks to find its libraries (tests/sanitizers/lsan.supp);
# 20 s instead of 4 s.
say "running the MPI tests under ASan + UBSan"
ASAN_OPTIONS="$ASAN_OPTIONS:fast_unwind_on_malloc=0" ctest --test-dir "$BUILD" --output-on-failure -R "$mpi_tests" --no-tests=error "$@" || status=$?
exit "$status"
