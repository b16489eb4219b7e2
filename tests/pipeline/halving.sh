#!/usr/bin/env bash
# A successive-halving sweep (sweep.search: halving) on configs/test.yaml in a scratch directory:
# 4 GAT grid points x 2 seeds and a closed-form baseline, train.epochs 4, min_epochs 1, eta 2:
# rungs of 1, 2 and 4 epochs with 4, 2 and 1 points. Killed (the whole process group, SIGKILL)
# once rung 1 has started, then --unlock and run again: it goes on (rung 0 is not trained again)
# and completes. Checked: each rung's table ranks the points by the mean of their seeds'
# validation Pearson (recomputed here from the run.h5 files), the next rung trains exactly its
# survivors, report.h5 records each run's rung and why it stopped, `kgpert compare` shows the
# finished points and, with --stopped, the others. Also dry runs: dist.ranks=2 (the rungs as
# 2-rank MPI jobs) and the SLURM profile.
#   tests/pipeline/halving.sh [KGPERT]     (default: $KGPERT, else build/kgpert)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cli_test_setup "${1:-}"  # KGPERT (checked), PY, one OpenMP/OpenBLAS thread
export KGPERT

tmp="$(mktemp -d)"
pgid=""
trap '[[ -z $pgid ]] || kill -9 -- "-$pgid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
mkdir "$tmp/sys_tmp"
export TMPDIR="$tmp/sys_tmp"  # Snakemake's directory there, left by the SIGKILL, goes with $tmp
cfg="$ROOT/configs/test.yaml"
cat >"$tmp/halving.yaml" <<'EOF'
train: {epochs: 4, patience: 4, batch_size: 8}
sweep:
  models: [gat, ridge]
  ablations: [none]
  seeds: [0, 1]
  grid: ["gat.heads: [1, 2]", "train.lr: [0.001, 0.01]"]
  search: halving
  halving: {min_epochs: 1, eta: 2, metric: pearson}
EOF
res="$tmp/results/test"
run_snake() { snake "$tmp" --profile "$ROOT/cluster/local" --cores 2 --configfile "$cfg" "$tmp/halving.yaml" "$@"; }

# Dry runs: 2 ranks make the rungs 2-rank MPI jobs with the partition; the SLURM profile gives
# them srun.
out="$(run_snake -n -p --config 'dist={ranks: 2}' 2>&1)" || { echo "$out"; fail "dry run with dist.ranks=2 failed"; }
grep -q -- '-n 2 "$KGPERT" train .*--stop-epoch 1 --rung 0/3 --final-checkpoint .*--partition results/test/partition.h5' <<<"$out" ||
  { echo "$out" | grep -m3 'rung'; fail "rung 0 is not a 2-rank job with the partition"; }
grep -q '^rule train_rung_mpi:' <<<"$out" || fail "no train_rung_mpi jobs with dist.ranks=2"
out="$(snake "$tmp" -n -p --profile "$ROOT/cluster/slurm" --configfile "$cfg" "$tmp/halving.yaml" --config 'dist={ranks: 2}' 2>&1)" ||
  { echo "$out"; fail "dry run with the SLURM profile failed"; }
grep -q 'srun --mpi=pmix -n 2 "$KGPERT" train .*--rung 0/3' <<<"$out" || { echo "$out" | grep -m3 rung; fail "the SLURM profile does not start the rungs with srun"; }
echo "ok: dry runs: rungs as 2-rank MPI jobs, through srun under the SLURM profile"

# The sweep, killed once a rung-1 job has started.
setsid "$VENV/bin/snakemake" --snakefile "$ROOT/Snakefile" --directory "$tmp" --profile "$ROOT/cluster/local" \
  --cores 2 --configfile "$cfg" "$tmp/halving.yaml" >"$tmp/killed.log" 2>&1 &
pgid=$!
started=""
for _ in $(seq 1800); do
  started="$(find "$res/logs/train" -name '*.rung~1.log' 2>/dev/null | head -n1 || true)"
  [[ -n $started ]] && break
  kill -0 "$pgid" 2>/dev/null || break
  sleep 0.1
done
[[ -n $started ]] || { tail -n 30 "$tmp/killed.log"; fail "no rung-1 job started"; }
kill -9 -- "-$pgid"
wait "$pgid" 2>/dev/null || true
pgid=""
sleep 0.2
! pgrep -f "kgpert train .*$tmp" >/dev/null || fail "a kgpert process outlived the killed sweep"
[[ -s $res/halving/model~gat/ablation~none/split~random/rung~0.tsv ]] || fail "no rung-0 table before the kill"
[[ ! -e $res/report.h5 ]] || fail "a report before the sweep ended"
stamps() { find "$res/runs" -path '*rung~0/run.h5' -printf '%p %T@\n' | sort; }
before="$(stamps)"
expect_eq "rung-0 runs before the kill" "$(wc -l <<<"$before")" 8
echo "ok: killed once rung 1 had started ($(basename "$started"))"

run_snake --unlock >"$tmp/unlock.log" 2>&1 || { cat "$tmp/unlock.log"; fail "--unlock failed"; }
run_snake >"$tmp/rerun.log" 2>&1 || { tail -n 40 "$tmp/rerun.log"; fail "the rerun failed"; }
expect_eq "rung-0 runs untouched by the rerun" "$(stamps)" "$before"
grep -q 'rule train_rung:' "$tmp/rerun.log" || fail "the rerun trained nothing"
! grep -A8 'rule train_rung:' "$tmp/rerun.log" | grep -q 'rung=0' || fail "the rerun trained a rung-0 job again"
out="$(run_snake -n 2>&1)" || { echo "$out"; fail "dry run after the sweep failed"; }
grep -q "Nothing to be done" <<<"$out" || { echo "$out"; fail "work left after the rerun"; }
echo "ok: the rerun went on from rung 1 and completed"

# The tables, the survivors and the report, checked from the run.h5 files.
"$PY" - "$res" "$ROOT" <<'PYEOF'
import glob, math, os, subprocess, sys
import h5py
res, root = sys.argv[1], sys.argv[2]
group = f"{res}/runs/model~gat/ablation~none/split~random"
tables = f"{res}/halving/model~gat/ablation~none/split~random"

def fail(msg):
    sys.exit(f"FAIL: {msg}")

def val_pearson(path):
    with h5py.File(path, "r") as f:
        names = [n.decode() for n in f["metrics/names"][()]]
        return float(f["metrics/val"][()][names.index("pearson")])

def table(r):
    with open(f"{tables}/rung~{r}.tsv") as fh:
        rows = [l.rstrip("\n").split("\t") for l in fh if not l.startswith("#")][1:]
    return [(p if p == "-" else p + "/", float(s), keep) for _, p, s, _, keep in rows]

alive = sorted({os.path.relpath(os.path.dirname(os.path.dirname(os.path.dirname(p))), group) + "/"
                for p in glob.glob(f"{group}/**/seed~*/rung~0/run.h5", recursive=True)})
if len(alive) != 4:
    fail(f"rung 0 trained {alive}, want the 4 grid points")
sizes = [4, 2, 1]
for r, epochs in enumerate([1, 2, 4]):
    trained = sorted({os.path.relpath(os.path.dirname(os.path.dirname(os.path.dirname(p))), group) + "/"
                      for p in glob.glob(f"{group}/**/seed~*/rung~{r}/run.h5", recursive=True)})
    if trained != alive:
        fail(f"rung {r} trained {trained}, want {alive}")
    # Each point's score: the mean over its two seeds; best first, ties by name.
    want = []
    for hp in alive:
        v = [val_pearson(f"{group}/{hp}seed~{n}/rung~{r}/run.h5") for n in (0, 1)]
        for n in (0, 1):
            with h5py.File(f"{group}/{hp}seed~{n}/rung~{r}/run.h5", "r") as f:
                if (f.attrs["rung"], f.attrs["rungs"], f.attrs["epoch_budget"]) != (r, 3, epochs):
                    fail(f"{hp}seed~{n} rung {r}: attributes rung/rungs/epoch_budget wrong")
        want.append((hp, (v[0] + v[1]) / 2))
    want.sort(key=lambda x: (-x[1], x[0]))
    got = table(r)
    if [g[0] for g in got] != [w[0] for w in want] or any(not math.isclose(g[1], w[1], rel_tol=1e-12) for g, w in zip(got, want)):
        fail(f"rung {r} table {got}, want {want}")
    keep = [g[2] for g in got]
    want_keep = ["finished"] * 1 if r == 2 else ["yes"] * (sizes[r] // 2) + ["no"] * (sizes[r] - sizes[r] // 2)
    if keep != want_keep:
        fail(f"rung {r} survives {keep}, want {want_keep}")
    print(f"ok: rung {r}: {len(alive)} points ranked by their seeds' mean validation Pearson, "
          f"{keep.count('yes')} survive")
    alive = sorted(g[0] for g in got if g[2] == "yes")

with h5py.File(f"{res}/report.h5", "r") as f:
    model = [m.decode() for m in f["runs/model"][()]]
    stopped = [s.decode() for s in f["runs/stopped"][()]]
    rung = list(f["runs/rung"][()])
    paths = [p.decode() for p in f["runs/path"][()]]
gat = sorted((st, rg) for m, st, rg in zip(model, stopped, rung) if m == "gat")
want = sorted([("finished", 2)] * 2 + [("halved at rung 1", 1)] * 2 + [("halved at rung 0", 0)] * 4)
if gat != want:
    fail(f"report: GAT runs' stop reasons {gat}, want {want}")
if [(s, r) for m, s, r in zip(model, stopped, rung) if m == "ridge"] != [("finished", -1)]:
    fail("report: the ridge run is not a finished run outside the rungs")
best = table(2)[0][0]
if sorted(p for p, s in zip(paths, stopped) if s == "finished" and "model~gat" in p) != \
        [f"{group}/{best}seed~{n}/rung~2/run.h5".replace(res, "results/test") for n in (0, 1)]:
    fail("report: the finished GAT runs are not the last rung's")
print("ok: report.h5 records each run's rung and why it stopped")

kg = os.environ["KGPERT"]
out = subprocess.run([kg, "compare", f"{res}/report.h5", "--format", "csv", "--by", "model,variant"],
                     check=True, capture_output=True, text=True).stdout.splitlines()
if len(out) != 3 or not any(l.startswith("gat,") for l in out):
    fail(f"compare: want one GAT point and ridge, got {out}")
out = subprocess.run([kg, "compare", f"{res}/report.h5", "--stopped", "--format", "csv"],
                     check=True, capture_output=True, text=True).stdout.splitlines()
if out[0].split(",")[:5] != ["model", "ablation", "split", "variant", "stopped"] or len(out) != 6:
    fail(f"compare --stopped: want 4 GAT points and ridge with a stopped column, got {out}")
if sum("halved at rung 0" in l for l in out) != 2 or sum("halved at rung 1" in l for l in out) != 1:
    fail(f"compare --stopped: {out}")
print("ok: compare shows the finished points, and with --stopped the halved ones")
PYEOF
echo "halving: all checks passed"
