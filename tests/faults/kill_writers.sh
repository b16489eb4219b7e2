#!/usr/bin/env bash
# `kgpert ingest` and `kgpert report` killed with SIGKILL in the middle of writing an output
# (stopped the moment its temporary file `.<name>.tmp.<host>.<pid>` appears, then killed): the
# final path holds nothing, or the complete previous output unchanged; the next run removes the
# dead writer's temporary file and writes a complete output.
#   tests/faults/kill_writers.sh [KGPERT]     (default: $KGPERT, else build/kgpert)
set -euo pipefail
source "$(dirname "$0")/../pipeline/lib.sh"  # ROOT, PY, fail, cli_test_setup, run, tiny_dataset
cli_test_setup "${1:-}"

tmp="$(mktemp -d)"
victim=""
trap '[[ -z $victim ]] || kill -9 "$victim" 2>/dev/null || true; rm -rf "$tmp"' EXIT
cfg="$ROOT/configs/test.yaml"
tiny_dataset "$cfg"
raw_ingest "$cfg"
run train "$KGPERT" train --config "$cfg" --set train.epochs=2 --graph "$tmp/graph.h5" \
  --samples "$tmp/samples.h5" --split "$tmp/split.h5" --out "$tmp/run.h5"
report=("$KGPERT" report --config "$cfg")

# kill_mid_write NAME DIR FILE CMD...: runs CMD, stops it as FILE's temporary file appears in DIR,
# checks that DIR/FILE is what it was before (absent or the same bytes), kills it. A small file
# can be written and renamed between the moment its name appears and the SIGSTOP (a loaded
# machine delays the watcher): then DIR is put back as it was and the run tried again, up to 5
# times.
kill_mid_write() {
  local name="$1" dir="$2" file="$3"; shift 3
  local before="absent" after got attempt
  [[ -e $dir/$file ]] && before="$(md5sum <"$dir/$file")"
  mkdir -p "$dir"
  rm -rf "$tmp/$name.before" && cp -a "$dir" "$tmp/$name.before"
  for attempt in 1 2 3 4 5; do
    got="$("$PY" "$ROOT/tests/faults/stop_at.py" "$dir" ".$file.tmp." "$tmp/$name.log" "$@")"
    [[ $got == stopped* ]] || { cat "$tmp/$name.log"; fail "$name: $got before writing $file"; }
    read -r _ victim tmpfile <<<"$got"
    [[ -e $dir/$tmpfile ]] && break
    echo "note: $name: $tmpfile was written and renamed before the stop (attempt $attempt): again"
    kill -9 "$victim" 2>/dev/null || true  # it may have ended already
    while kill -0 "$victim" 2>/dev/null; do sleep 0.01; done
    victim=""
    rm -rf "$dir" && cp -a "$tmp/$name.before" "$dir"
  done
  [[ -e $dir/$tmpfile ]] || fail "$name: no temporary file $tmpfile in 5 attempts"
  after="absent"
  [[ -e $dir/$file ]] && after="$(md5sum <"$dir/$file")"
  [[ $after == "$before" ]] || fail "$name: $dir/$file changed while being written ($before -> $after)"
  kill -9 "$victim"
  while kill -0 "$victim" 2>/dev/null; do sleep 0.01; done
  victim=""
  after="absent"
  [[ -e $dir/$file ]] && after="$(md5sum <"$dir/$file")"
  [[ $after == "$before" ]] || fail "$name: $dir/$file changed by the kill"
  [[ -e $dir/$tmpfile ]] || fail "$name: the dead writer's $tmpfile vanished (test cannot check cleanup)"
  [[ $before == absent ]] && before="absent, as before" || before="unchanged (the previous complete one)"
  echo "ok: $name: killed while writing $tmpfile; $file $before"
}

# readable H5...: every dataset of each file reads.
readable() {
  "$PY" - "$@" <<'PYEOF'
import sys, h5py
for p in sys.argv[1:]:
    with h5py.File(p, "r") as f:
        f.visititems(lambda n, o: o[()] if isinstance(o, h5py.Dataset) else None)
PYEOF
}

# ingest: into an empty directory (nothing at the final path), then over complete outputs.
w="$tmp/ingest"
kill_mid_write ingest_new "$w" graph.h5 "${ingest[@]}" --graph "$w/graph.h5" --samples "$w/samples.h5"
[[ ! -e $w/samples.h5 ]] || fail "ingest_new: samples.h5 written although ingest was killed"
cp "$tmp/graph.h5" "$tmp/samples.h5" "$w/"
kill_mid_write ingest_graph "$w" graph.h5 "${ingest[@]}" --graph "$w/graph.h5" --samples "$w/samples.h5"
kill_mid_write ingest_samples "$w" samples.h5 "${ingest[@]}" --graph "$w/graph.h5" --samples "$w/samples.h5"
readable "$w/graph.h5" "$w/samples.h5" || fail "the previous ingest outputs are no longer readable"
run ingest_again "${ingest[@]}" --graph "$w/graph.h5" --samples "$w/samples.h5"
left="$(ls -A "$w" | grep '\.tmp\.' || true)"
[[ -z $left ]] || fail "ingest left temporary files of the killed writers: $left"
readable "$w/graph.h5" "$w/samples.h5" || fail "ingest's outputs after the kills are not readable"
echo "ok: ingest run again: outputs complete, the dead writers' temporary files removed"

# report: the same, new and over a complete one.
w="$tmp/report"
kill_mid_write report_new "$w" report.h5 "${report[@]}" --out "$w/report.h5" "$tmp/run.h5"
run report_first "${report[@]}" --out "$w/report.h5" "$tmp/run.h5"
kill_mid_write report_over "$w" report.h5 "${report[@]}" --out "$w/report.h5" "$tmp/run.h5"
readable "$w/report.h5" || fail "the previous report.h5 is no longer readable"
run report_again "${report[@]}" --out "$w/report.h5" "$tmp/run.h5"
left="$(ls -A "$w" | grep '\.tmp\.' || true)"
[[ -z $left ]] || fail "report left temporary files of the killed writers: $left"
echo "ok: report run again: report.h5 complete, the dead writers' temporary files removed"
