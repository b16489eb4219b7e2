#!/usr/bin/env bash
# `kgpert train` killed with SIGKILL again and again, at random moments and on purpose while its
# checkpoint is being written (the moment its temporary file `.run.h5.ckpt.tmp.<host>.<pid>`
# appears): after every kill the checkpoint at <out>.ckpt, if any, is a readable HDF5 file that
# the next run resumes from, no run.h5 is left, and the run finally let through ends with
# exactly the run.h5 of an uninterrupted run. The kill moments come from a seed, printed so that
# a failure can be replayed: KG_FAULT_SEED=<seed> tests/faults/kill_train.sh.
#   tests/faults/kill_train.sh [KGPERT]     (default: $KGPERT, else build/kgpert)
set -euo pipefail
source "$(dirname "$0")/../pipeline/lib.sh"  # ROOT, PY, fail, cli_test_setup, run, tiny_dataset
cli_test_setup "${1:-}"

seed="${KG_FAULT_SEED:-$(( $(date +%s) % 100000 ))}"
echo "seed $seed (replay: KG_FAULT_SEED=$seed $0)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cfg="$ROOT/configs/test.yaml"
tiny_dataset "$cfg"

epochs=150
args=(train --config "$cfg" --set model=gat --set gat.dropout=0.2 --set train.lr_schedule=cosine
      --set train.epochs=$epochs --set train.patience=$epochs --set train.batch_size=8
      --graph "$tmp/graph.h5" --samples "$tmp/samples.h5" --split "$tmp/split.h5")
run whole "$KGPERT" "${args[@]}" --out "$tmp/whole/run.h5"
whole_s="$(grep -c '^epoch' "$tmp/whole.log")"

# kill_at.py MODE ARG LOG CMD...: runs CMD; MODE "time": SIGKILL after ARG seconds; MODE "ckpt":
# SIGKILL as soon as the ARG-th checkpoint temporary file is created (inotify: a checkpoint of
# this model takes a millisecond or two to write). Says what happened; a kill during a write
# leaves that temporary file behind (its writer is dead).
cat >"$tmp/kill_at.py" <<'PYEOF'
import ctypes, os, select, struct, subprocess, sys, time
mode, arg, log, cmd = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4:]
out = cmd[cmd.index("--out") + 1]
d, stem = os.path.dirname(out), "." + os.path.basename(out) + ".ckpt.tmp."
os.makedirs(d, exist_ok=True)
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.inotify_init1(os.O_NONBLOCK)
assert fd >= 0 and libc.inotify_add_watch(fd, d.encode(), 0x100) >= 0  # IN_CREATE
with open(log, "w") as f:
    p = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT)
start, seen, what = time.monotonic(), 0, "not killed (ended)"
while p.poll() is None:
    if mode == "time":
        if time.monotonic() - start >= arg:
            p.kill(); what = f"killed after {arg:.2f} s"; break
        time.sleep(0.002)
        continue
    if not select.select([fd], [], [], 0.05)[0]:
        continue
    buf, killed = os.read(fd, 65536), None
    while buf:
        _, _, _, n = struct.unpack_from("iIII", buf)
        name = buf[16:16 + n].rstrip(b"\0").decode()
        buf = buf[16 + n:]
        if name.startswith(stem):
            seen += 1
            if seen >= arg:
                p.kill(); killed = name; break
    if killed:
        p.wait()
        left = os.path.exists(os.path.join(d, killed))
        what = f"killed at checkpoint {seen}, " + ("during its write (" + killed + " left)" if left else "just after its write")
        break
p.wait()
print(what)
PYEOF

out="$tmp/killed/run.h5"
RANDOM=$seed
kills=0 in_write=0
for i in $(seq 16); do
  if ((i % 2)); then
    mode=ckpt arg=$((1 + RANDOM % 3))
  else
    mode=time ms=$((300 + RANDOM % 900)) arg="$((ms / 1000)).$(printf %03d $((ms % 1000)))"
  fi
  what="$("$PY" "$tmp/kill_at.py" $mode "$arg" "$tmp/try$i.log" "$KGPERT" "${args[@]}" --out "$out")"
  echo "try $i ($mode $arg): $what; $(grep -c '^epoch' "$tmp/try$i.log") epochs logged"
  if [[ $what == "not killed"* ]]; then
    grep -q '^train: resuming\|^epoch' "$tmp/try$i.log" || { cat "$tmp/try$i.log"; fail "try $i ended without training"; }
    break
  fi
  kills=$((kills + 1))
  [[ $what == *"during its write"* ]] && in_write=$((in_write + 1))
  [[ ! -e $out ]] || fail "try $i: run.h5 exists although the run was killed"
  grep -q 'checkpoint .*unreadable\|error' "$tmp/try$i.log" && { cat "$tmp/try$i.log"; fail "try $i: an error before the kill"; }
  if [[ -e $out.ckpt ]]; then
    "$PY" - "$out.ckpt" <<'PYEOF' || fail "try $i: the checkpoint left by the kill is not readable"
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    n = 0
    def visit(name, obj):
        global n
        if isinstance(obj, h5py.Dataset): obj[()]; n += 1
    f.visititems(visit)
    assert n > 0, "no datasets"
PYEOF
  fi
done
((kills >= 8)) || fail "only $kills kills before the run ended (make the epochs longer)"
((in_write >= 4)) || fail "only $in_write kills hit a checkpoint write"
echo "ok: $kills kills ($in_write during a checkpoint write), each checkpoint left readable"

# Let it run to the end: it resumes (from the last good checkpoint) and cleans the temporary files.
run final "$KGPERT" "${args[@]}" --out "$out"
grep -q '^train: resuming from checkpoint' "$tmp/final.log" || { cat "$tmp/final.log"; fail "the last run did not resume"; }
[[ ! -e $out.ckpt ]] || fail "the checkpoint is still there after run.h5 was written"
left="$(ls -A "$tmp/killed" | grep '\.tmp\.' || true)"
[[ -z $left ]] || fail "temporary files of killed writers left: $left"
echo "ok: $(grep '^train: resuming' "$tmp/final.log"); no temporary file left"
"$PY" "$ROOT/tests/pipeline/same_run.py" "$tmp/whole/run.h5" "$out" "killed $kills times and resumed"
