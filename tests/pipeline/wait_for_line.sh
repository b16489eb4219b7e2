#!/usr/bin/env bash
# lib.sh's wait_for_line, which the fault and resume tests use to act on a process at a given
# line of its log: it returns once the line is there, and fails the test when the process ends
# without it or the time limit passes first.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

tmp="$(mktemp -d)"
pid=""
trap '[[ -z $pid ]] || kill -9 "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT

# expect_fail WHAT MESSAGE-PATTERN COMMAND...: COMMAND (in a subshell: fail exits it) fails with
# a FAIL: line matching MESSAGE-PATTERN.
expect_fail() {
  local what="$1" want="$2" rc=0; shift 2
  ("$@") >"$tmp/out.log" 2>&1 || rc=$?
  ((rc != 0)) || { cat "$tmp/out.log"; fail "$what: wait_for_line returned 0"; }
  grep -q "^FAIL: $want" "$tmp/out.log" || { cat "$tmp/out.log"; fail "$what: no \"FAIL: $want\" message"; }
  echo "ok: $what: $(grep '^FAIL: ' "$tmp/out.log")"
}

# The line comes while the process runs: returns 0.
(echo "epoch   1"; sleep 0.5; echo "epoch   2"; exec sleep 30) >"$tmp/a.log" &
pid=$!
start=$SECONDS
wait_for_line "$pid" "$tmp/a.log" '^epoch   2' 20
((SECONDS - start < 20)) || fail "the line was found only at the time limit"
echo "ok: returns once the line is there"
kill -9 "$pid"; wait "$pid" 2>/dev/null || true; pid=""

# The line, then the end: returns 0 (the process ended between two looks).
(echo "epoch   3") >"$tmp/b.log" &
pid=$!
wait "$pid"
wait_for_line "$pid" "$tmp/b.log" '^epoch   3' 20
echo "ok: returns for a line written by a process that has ended"
pid=""

# Ended without the line (not yet waited for by this script): fails at once.
(echo "epoch   1"; exit 3) >"$tmp/c.log" &
pid=$!
start=$SECONDS
expect_fail "process ended" "process $pid ended without a line matching '\\^epoch  10'" \
  wait_for_line "$pid" "$tmp/c.log" '^epoch  10' 20
((SECONDS - start < 20)) || fail "an ended process was waited for until the time limit"
wait "$pid" 2>/dev/null || true
pid=""

# Still running without the line: fails at the time limit.
(echo "epoch   1"; exec sleep 30) >"$tmp/d.log" &
pid=$!
start=$SECONDS
expect_fail "time limit" "no line matching '\\^epoch  10' in .* after 2 s" \
  wait_for_line "$pid" "$tmp/d.log" '^epoch  10' 2
((SECONDS - start >= 2)) || fail "failed before the time limit"
