#!/usr/bin/env bash
# Values that reach the workflow's shell commands are quoted: a tiny sweep whose working
# directory, config file, kgpert path, dataset name and input files all contain spaces, `;`,
# ` *x &y`, quotes and `$(touch PWNED)` completes, and none of that text runs (no PWNED file
# anywhere); a dataset name that is no path component, and a config with YAML aliases, are refused.
#   tests/pipeline/quoting.sh [KGPERT]     (default: $KGPERT, else build/kgpert)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cli_test_setup "${1:-}"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
evil='a b;c *s &t $(touch PWNED1) `touch PWNED2` ; touch PWNED3 '"'"'q"'
work="$tmp/work $evil"
mkdir -p "$work/bin $evil"
cp "$KGPERT" "$work/bin $evil/kgpert"
export KGPERT="$work/bin $evil/kgpert"

# The inputs, as real files (not synthesised by the workflow) under an evil directory.
raw="$work/raw $evil"
run synth "$KGPERT" synth --config "$ROOT/configs/test.yaml" --out "$raw"

# The config: configs/test.yaml with an evil dataset name, the inputs above and a small sweep.
cfg="$work/config $evil.yaml"
"$PY" - "$ROOT/configs/test.yaml" "$cfg" "$raw" "$evil" <<'PYEOF'
import sys, yaml
src, dst, raw, evil = sys.argv[1:]
cfg = yaml.safe_load(open(src))
cfg["dataset"] = "ds " + evil
names = {"kg_csv": "kg.csv", "gctx": "signatures.gctx", "sig_info": "sig_info.txt",
         "gene_info": "gene_info.txt", "cell_info": "cell_info.txt", "pert_info": "pert_info.txt",
         "drugbank_vocab": "drugbank_vocabulary.csv", "controls_gctx": "controls.gctx"}
cfg["inputs"] = {k: f"{raw}/{v}" for k, v in names.items()}
cfg["sweep"] = {"models": ["mlp", "cell_mean"], "splits": ["random"], "ablations": ["none"],
                "ablation_models": [], "seeds": [0]}
yaml.safe_dump(cfg, open(dst, "w"))
PYEOF

start=$SECONDS
if ! snake "$work" --profile "$ROOT/cluster/local" --cores 2 --configfile "$cfg" >"$tmp/snake.log" 2>&1; then
  tail -n 60 "$tmp/snake.log"
  fail "the sweep with evil names failed"
fi
echo "ok: sweep with spaces, ';', quotes and \$(...) in every name in $((SECONDS - start)) s"
res="$work/results/ds $evil"
for f in graph.h5 samples.h5 splits/random.h5 report.h5 compare.csv plots/test_pearson.png \
         runs/model~mlp/ablation~none/split~random/seed~0/run.h5; do
  [[ -s "$res/$f" ]] || fail "missing results/<dataset>/$f"
done
echo "ok: outputs under the evil dataset name"

pwned="$(find "$tmp" "$ROOT" /tmp "$HOME" -maxdepth 6 -name 'PWNED*' 2>/dev/null | head)"
[[ -z $pwned ]] || fail "text from a name ran as a command: $pwned"
echo "ok: nothing ran"

# Names that cannot be a path component are refused by the schema, naming the key.
for bad in "a/b" ".." "x{y}"; do
  out="$(snake "$work" -n --cores 1 --configfile "$cfg" --config "dataset=$bad" 2>&1)" \
    && fail "dataset \"$bad\" was accepted"
  grep -q "dataset" <<<"$out" || { echo "$out"; fail "the error for dataset \"$bad\" does not name the key"; }
done
echo "ok: dataset names with '/', '{}' or '..' are refused"
# A config with YAML anchors and aliases (the seed of a "billion laughs" bomb) is refused, by the
# workflow and by kgpert, naming the file and line.
printf 'dataset: x\nl0: &a [lol]\nl1: [*a, *a]\n' >"$work/bomb $evil.yaml"
out="$(snake "$work" -n --cores 1 --configfile "$work/bomb $evil.yaml" 2>&1)" && fail "the workflow took a config with aliases"
grep -q 'bomb .*line 2: YAML anchors and aliases are not allowed' <<<"$out" || { echo "$out"; fail "no clear error for aliases"; }
out="$("$KGPERT" split --config "$work/bomb $evil.yaml" --samples x.h5 --out y.h5 2>&1)" && fail "kgpert took a config with aliases"
grep -q 'bomb .*line 2, column 5: YAML anchors and aliases (&name) are not allowed' <<<"$out" || { echo "$out"; fail "kgpert: no clear error for aliases"; }
echo "ok: a config with anchors/aliases is refused by the workflow and by kgpert"
echo "quoting: all checks passed"
