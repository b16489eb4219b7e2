#!/usr/bin/env bash
# A full disk: ingest, train and report writing into a small file system (a 4 MB tmpfs, else a
# loop-mounted ext4 image; neither possible: skipped, exit 77, with the reason) that has been
# filled up fail non-zero with a message naming the output, leave no temporary file, and leave
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
raw="$tmp/raw"
ingest=("$KGPERT" ingest --config "$cfg"
  --set inputs.kg_csv="$raw/kg.csv" --set inputs.gctx="$raw/signatures.gctx"
  --set inputs.sig_info="$raw/sig_info.txt" --set inputs.gene_info="$raw/gene_info.txt"
  --set inputs.cell_info="$raw/cell_info.txt" --set inputs.pert_info="$raw/pert_info.txt"
  --set inputs.drugbank_vocab="$raw/drugbank_vocabulary.csv" --set inputs.controls_gctx="$raw/controls.gctx"
  --samples "$tmp/samples2.h5")
train=("$KGPERT" train --config "$cfg" --set train.epochs=3 --graph "$tmp/graph.h5"
  --samples "$tmp/samples.h5" --split "$tmp/split.h5")
report=("$KGPERT" report --config "$cfg" "$tmp/run.h5")
run train_first "${train[@]}" --out "$tmp/run.h5"

# full NAME FILE CMD...: CMD (given --out-like argument FILE inside $d) first writes FILE with
# room to spare, then again on a full disk: non-zero, a clear message, FILE unchanged, no
# temporary file left.
full() {
  local name="$1" file="$2"; shift 2
  rm -f "$d"/filler*
  run "${name}_room" "$@"
  local before
  before="$(md5sum <"$d/$file")"
  # Fill the disk: one large file, then small ones until not one block is left.
  dd if=/dev/zero of="$d/filler" bs=64k 2>/dev/null || true
  for i in $(seq 64); do dd if=/dev/zero of="$d/filler$i" bs=512 count=1 2>/dev/null || break; done
  local rc=0
  "$@" >"$tmp/$name.log" 2>&1 || rc=$?
  ((rc != 0)) || { cat "$tmp/$name.log"; fail "$name: exit 0 on a full disk"; }
  grep -q "$d/$file.*\(No space left on device\|disk full\)" "$tmp/$name.log" ||
    { cat "$tmp/$name.log"; fail "$name: no message naming $file and the full disk"; }
  [[ $(md5sum <"$d/$file") == "$before" ]] || fail "$name: the earlier $file changed"
  left="$(ls -A "$d" | grep '\.tmp\.' || true)"
  [[ -z $left ]] || fail "$name: temporary files left: $left"
  echo "ok: $name on a full disk: exit $rc: $(grep -m1 "$d/$file" "$tmp/$name.log")"
}

full ingest graph.h5 "${ingest[@]}" --graph "$d/graph.h5"
full train run.h5 "${train[@]}" --out "$d/run.h5"
full report report.h5 "${report[@]}" --out "$d/report.h5"
