#!/usr/bin/env bash
# Runs a GoogleTest binary's GPU tests (ctest -L gpu): a failure fails, whatever else skipped;
# exit 77 (ctest: skipped) when every selected test skipped (no GPU, or a CPU-only LibTorch: the
# tests say which); 0 when at least one ran and none failed.
#   tests/support/gtest_gpu.sh BINARY [gtest arguments]
out="$("$@" 2>&1)"
rc=$?
printf '%s\n' "$out"
[[ $rc -eq 0 ]] || exit "$rc"
grep -q '^\[  PASSED  \] 0 tests' <<<"$out" && grep -q '^\[  SKIPPED \]' <<<"$out" && exit 77
exit 0
