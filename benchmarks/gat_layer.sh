#!/usr/bin/env bash
# One GAT layer, kgpert against PyTorch Geometric, on one graph, in one run (issue 7): forward and
# forward + backward time (median of the repeats) and peak RSS of each implementation, each in a
# process of its own with the same number of threads.
#   1. kgpert bench gat --impl fused      (kgpert's fused kernels; it also writes the graph, --save-graph)
#   2. kgpert bench gat --impl reference  (the same layer from stock LibTorch ops)
#   3. benchmarks/pyg_gatconv.py on that graph file: GATConv plain (pyg) and with
#      edge_dim=D, edge_attr = a learned relation embedding (pyg_edge: kgpert's relation-aware layer)
# and a table with each one's speed-up (pyg time / its time) and peak-memory ratio (its peak / pyg's
# peak) against pyg and against pyg_edge.
#
# usage: benchmarks/gat_layer.sh [KGPERT] [options]
#   KGPERT            the kgpert program (default: build/kgpert)
#   --nodes N         (130000)     --edges E     (4000000, random, without the N self-loops)
#   --features F      (128)        --heads H     (4)         --channels C (32)
#   --threads T       (2)          --edge-dim D  (16; 0: no pyg_edge row)
#   --seed S          (0; the random graph of --no-kgpert, else kgpert's graph file's)
#   --warmup W        (1)          --repeats R   (3)   of the PyG runs
#   --kgpert-arg ARG  one more argument to both kgpert runs (repeatable), e.g. --kgpert-arg --repeats
#   --no-kgpert       PyG only, on a random graph the PyG script makes in kgpert's format
#   --out FILE        also append every program's key=value line to FILE
#   --keep DIR        keep the graph file and the logs in DIR (default: a temporary dir, removed)
# Environment: the same settings as NODES EDGES FEATURES HEADS CHANNELS THREADS EDGE_DIM SEED WARMUP
# REPEATS (options win); PYG_PYTHON (default: $PYG_VENV/bin/python, PYG_VENV default .venv-pyg:
# make it with benchmarks/setup_pyg.sh). OMP_NUM_THREADS and OPENBLAS_NUM_THREADS are set to T.
# kgpert gets --nodes --edges --features --heads --channels --threads --impl (+ --save-graph on the
# first run) and the --kgpert-arg arguments; the PyG script reads the graph's seed from the file.
# Every program prints one line:
#   impl=NAME nodes=N edges=E features=F heads=H channels=C threads=T forward_s=S fwd_bwd_s=S \
#   peak_rss_mb=M base_rss_mb=M
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
die() { echo "gat_layer.sh: $*" >&2; exit 2; }

KGPERT="$ROOT/build/kgpert"
if [[ $# -gt 0 && $1 != -* ]]; then KGPERT="$1"; shift; fi
NODES=${NODES:-130000} EDGES=${EDGES:-4000000} FEATURES=${FEATURES:-128} HEADS=${HEADS:-4}
CHANNELS=${CHANNELS:-32} THREADS=${THREADS:-2} EDGE_DIM=${EDGE_DIM:-16} SEED=${SEED:-0}
WARMUP=${WARMUP:-1} REPEATS=${REPEATS:-3}
use_kgpert=1 out="" keep="" kgpert_extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --nodes) NODES=${2:?}; shift ;;
    --edges) EDGES=${2:?}; shift ;;
    --features) FEATURES=${2:?}; shift ;;
    --heads) HEADS=${2:?}; shift ;;
    --channels) CHANNELS=${2:?}; shift ;;
    --threads) THREADS=${2:?}; shift ;;
    --edge-dim) EDGE_DIM=${2:?}; shift ;;
    --seed) SEED=${2:?}; shift ;;
    --warmup) WARMUP=${2:?}; shift ;;
    --repeats) REPEATS=${2:?}; shift ;;
    --no-kgpert) use_kgpert=0 ;;
    --kgpert-arg) kgpert_extra+=("${2?}"); shift ;;
    --out) out=${2:?}; shift ;;
    --keep) keep=${2:?}; shift ;;
    -h|--help) sed -n '2,32p' "$0"; exit 0 ;;
    *) die "unknown option \"$1\" (see --help)" ;;
  esac
  shift
done
for v in NODES EDGES FEATURES HEADS CHANNELS THREADS EDGE_DIM SEED WARMUP REPEATS; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a non-negative integer, not \"${!v}\""
done

PY=${PYG_PYTHON:-${PYG_VENV:-$ROOT/.venv-pyg}/bin/python}
[[ -x $PY ]] || die "no Python at $PY: run benchmarks/setup_pyg.sh (or set PYG_PYTHON / PYG_VENV)"
"$PY" -c 'import torch, torch_geometric, h5py' 2>/dev/null \
  || die "$PY cannot import torch, torch_geometric and h5py: run benchmarks/setup_pyg.sh"
if ((use_kgpert)); then
  [[ -x $KGPERT ]] || die "no kgpert program at $KGPERT (pass its path first, or --no-kgpert)"
fi

if [[ -n $keep ]]; then mkdir -p "$keep"; WORK=$(cd "$keep" && pwd)
else WORK=$(mktemp -d "${TMPDIR:-/tmp}/kgpert-gat-bench.XXXXXX"); trap 'rm -rf "$WORK"' EXIT
fi
GRAPH="$WORK/graph.h5"
export OMP_NUM_THREADS=$THREADS OPENBLAS_NUM_THREADS=$THREADS MKL_NUM_THREADS=$THREADS
lines="$WORK/lines.txt"
status=0
: >"$lines"

run() {  # name command...: runs it, keeps its last impl= line from stdout
  local name=$1; shift
  echo "== $name: $*" >&2
  local rc=0
  "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
  local line
  line=$(grep '^impl=' "$WORK/$name.out" | tail -1 || true)
  if ((rc != 0)) || [[ -z $line ]]; then
    echo "gat_layer.sh: $name failed (exit $rc$([[ -z $line ]] && echo ', no impl= line on stdout')): $*" >&2
    echo "---- last lines of its stderr and stdout$([[ -n $keep ]] && echo " ($WORK/$name.err, .out)"):" >&2
    tail -n 15 "$WORK/$name.err" >&2 || true
    tail -n 5 "$WORK/$name.out" >&2 || true
    return 1
  fi
  echo "$line" | tee -a "$lines" >&2
  [[ -z $out ]] || echo "$line" >>"$out"
}

shape=(--nodes "$NODES" --edges "$EDGES" --features "$FEATURES" --heads "$HEADS" --channels "$CHANNELS"
       --threads "$THREADS" ${kgpert_extra[@]+"${kgpert_extra[@]}"})
if ((use_kgpert)); then
  if ! run fused "$KGPERT" bench gat "${shape[@]}" --impl fused --save-graph "$GRAPH"; then
    die "\"$KGPERT bench gat\" failed; does this kgpert have the bench gat subcommand (issue 7)? --no-kgpert runs the PyG part alone"
  fi
  [[ -s $GRAPH ]] || die "kgpert bench gat did not write the graph file $GRAPH (--save-graph)"
  run reference "$KGPERT" bench gat "${shape[@]}" --impl reference || status=1  # goes on with PyG
else
  echo "== graph: random, made by pyg_gatconv.py" >&2
  "$PY" "$ROOT/benchmarks/pyg_gatconv.py" --random "$NODES" "$EDGES" --features "$FEATURES" --heads "$HEADS" \
    --channels "$CHANNELS" --seed "$SEED" --save-graph "$GRAPH" 2>"$WORK/graph.err" \
    || { cat "$WORK/graph.err" >&2; die "could not make the random graph"; }
fi

pyg=("$PY" "$ROOT/benchmarks/pyg_gatconv.py" --graph "$GRAPH" --features "$FEATURES" --heads "$HEADS"
     --channels "$CHANNELS" --threads "$THREADS" --warmup "$WARMUP" --repeats "$REPEATS")
run pyg "${pyg[@]}" || status=1
if ((EDGE_DIM > 0)); then run pyg_edge "${pyg[@]}" --edge-dim "$EDGE_DIM" || status=1; fi

# ---- table ----------------------------------------------------------------------------------------
[[ -s $lines ]] || die "no program gave a result line"
echo
awk -v want_nodes="$NODES" -v want_edges="$EDGES" '
  function num(s) { return (s == "" || s == "nan") ? -1 : s + 0 }
  function ratio(a, b) { return (a > 0 && b > 0) ? sprintf("%.2f", a / b) : "-" }
  function fmt(s) { return (s < 0) ? "-" : sprintf("%.3f", s) }
  {
    delete kv
    for (i = 1; i <= NF; i++) { j = index($i, "="); if (j) kv[substr($i, 1, j - 1)] = substr($i, j + 1) }
    n++; name[n] = kv["impl"]; fwd[n] = num(kv["forward_s"]); fb[n] = num(kv["fwd_bwd_s"])
    peak[n] = num(kv["peak_rss_mb"]); base[n] = num(kv["base_rss_mb"])
    if (kv["nodes"] != want_nodes || kv["edges"] != want_edges)
      warn = warn sprintf("warning: %s ran on %s nodes, %s edges (asked: %s, %s)\n", kv["impl"], kv["nodes"], kv["edges"], want_nodes, want_edges)
    if (!shape) shape = sprintf("%s nodes, %s edges (+ self-loops), %s features, %s heads x %s, %s thread(s)",
                                kv["nodes"], kv["edges"], kv["features"], kv["heads"], kv["channels"], kv["threads"])
    idx[kv["impl"]] = n
  }
  END {
    print "GAT layer: " shape
    printf "%-10s %10s %10s %9s %9s | %-20s | %-20s\n", "", "", "", "", "", "   vs pyg", "   vs pyg_edge"
    printf "%-10s %10s %10s %9s %9s | %6s %6s %6s | %6s %6s %6s\n", "impl", "forward s", "fwd+bwd s", "peak MB", "base MB",
           "fwd", "f+b", "mem", "fwd", "f+b", "mem"
    p = idx["pyg"]; q = idx["pyg_edge"]
    for (i = 1; i <= n; i++)
      printf "%-10s %10s %10s %9s %9s | %6s %6s %6s | %6s %6s %6s\n", name[i], fmt(fwd[i]), fmt(fb[i]),
             peak[i] < 0 ? "-" : peak[i], base[i] < 0 ? "-" : base[i],
             p ? ratio(fwd[p], fwd[i]) : "-", p ? ratio(fb[p], fb[i]) : "-", p ? ratio(peak[i], peak[p]) : "-",
             q ? ratio(fwd[q], fwd[i]) : "-", q ? ratio(fb[q], fb[i]) : "-", q ? ratio(peak[i], peak[q]) : "-"
    print "fwd, f+b: speed-up (the PyG time / this time); mem: peak RSS ratio (this peak / the PyG peak)."
    printf "%s", warn
  }' "$lines"
[[ -z $keep ]] || echo "graph, logs and lines kept in $WORK" >&2
exit $status
