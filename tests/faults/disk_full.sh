#!/usr/bin/env bash
# A full disk: ingest, train and report writing into a small file system (a 4 MB tmpfs, else a
# loop-mounted ext4 image; neither possible: skipped, exit 77, with the reason) that has been
# filled up (no room at all, or 48 KB: full in the middle of a write) exit 1 (no crash) with a
# message naming the output and "No space left on device", leave no temporary file, and leave
# the complete output of an earlier run there unchanged.
#   tests/faults/disk_full.sh [KGPERT]     (default: $KGPERT, else build/kgpert)
set -euo pipefail
source "$(dirname "$0")/../pipeline/lib.sh"  # ROOT, PY, fail, cli_test_setup, run, tiny_dataset
cli_test_setup "${1:-}"

tmp="$(mktemp -d)"
d="$tmp/small"
mkdir -p "$d"
trap 'umount "$d" 2>/dev/null; rm -rf "$tmp"' EXIT
why=""
if ! mount -t tmpfs -o size=4m tmpfs "$d" 2>"$tmp/mount.err"; then
  why="tmpfs: $(cat "$tmp/mount.err")"
  if ! { truncate -s 8M "$tmp/fs.img" && mkfs.ext4 -q "$tmp/fs.img" && mount -o loop "$tmp/fs.img" "$d"; } 2>"$tmp/mount.err"; then
    echo "SKIP: cannot mount a small file system ($why; loop ext4: $(cat "$tmp/mount.err"))"
    exit 77
  fi
fi
echo "ok: small file system at $d: $(df -h --output=fstype,size "$d" | tail -1)"

cfg="$ROOT/configs/test.yaml"
tiny_dataset "$cfg"
raw_ingest "$cfg"
ingest+=(--samples "$tmp/samples2.h5")
train=("$KGPERT" train --config "$cfg" --set train.epochs=3 --graph "$tmp/graph.h5"
  --samples "$tmp/samples.h5" --split "$tmp/split.h5")
report=("$KGPERT" report --config "$cfg" "$tmp/run.h5")
run train_first "${train[@]}" --out "$tmp/run.h5"

# full NAME FILE FREE_KB CMD...: CMD (given --out-like argument FILE inside $d) first writes FILE
# with room to spare, then again with FREE_KB left on the disk (0: the output cannot even be
# created; a few dozen: it runs out in the middle of the write): exit 1 (no crash), a message
# naming the output and the full disk, FILE unchanged, no temporary file left.
full() {
  local name="$1" file="$2" free_kb="$3"; shift 3
  rm -f "$d"/filler*
  run "${name}_room" "$@"
  local before
  before="$(md5sum <"$d/$file")"
  # Fill the disk up to FREE_KB: one large file, then (for 0) small ones until not a block is left.
  dd if=/dev/zero of="$d/filler" bs=1k count=$(($(df -k --output=avail "$d" | tail -1) - free_kb)) 2>/dev/null || true
  if ((free_kb == 0)); then
    for i in $(seq 64); do dd if=/dev/zero of="$d/filler$i" bs=512 count=1 2>/dev/null || break; done
  fi
  local rc=0
  "$@" >"$tmp/$name.log" 2>&1 || rc=$?
  ((rc == 1)) || { cat "$tmp/$name.log"; fail "$name: exit $rc on a full disk, expected 1"; }
  grep -q "output \"$d/.*No space left on device" "$tmp/$name.log" ||
    { cat "$tmp/$name.log"; fail "$name: no message naming the output and the full disk"; }
  [[ $(md5sum <"$d/$file") == "$before" ]] || fail "$name: the earlier $file changed"
  left="$(ls -A "$d" | grep '\.tmp\.' || true)"
  [[ -z $left ]] || fail "$name: temporary files left: $left"
  echo "ok: $name, $free_kb KB free: exit $rc: $(grep -m1 "No space" "$tmp/$name.log")"
}

for free_kb in 0 48; do
  full ingest graph.h5 $free_kb "${ingest[@]}" --graph "$d/graph.h5"
  full train run.h5 $free_kb "${train[@]}" --out "$d/run.h5"
  full report report.h5 $free_kb "${report[@]}" --out "$d/report.h5"
done
