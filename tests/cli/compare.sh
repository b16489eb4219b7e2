#!/usr/bin/env bash
# `kgpert compare` on two hand-made reports with known numbers: grouping (--by), filtering
# (--where), metrics (--metric), the formats, and two reports side by side with Welch's 95%
# confidence interval of the difference (df = 4 here: t = 2.776); and the paired comparisons
# `kgpert report` makes from per-signature Pearsons (bootstrap over groups, t-test over seeds).
#   tests/cli/compare.sh [KGPERT]     (default: $KGPERT, else build/kgpert)
set -euo pipefail
source "$(dirname "$0")/../pipeline/lib.sh"  # ROOT, VENV, fail, cli_test_setup
cli_test_setup "${1:-}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Report A: gat and mlp on the random split, 3 seeds each, pearson 0.1, 0.2, 0.3 for both;
# report B: gat 0.4, 0.5, 0.6 (+0.3: outside the interval), mlp 0.15, 0.25, 0.35 (+0.05: inside).
"$PY" - "$tmp" <<'PYEOF'
import sys, h5py, numpy as np
def report(path, gat, mlp, variant=""):
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "kgpert-report-1"
        n = len(gat) + len(mlp)
        s = lambda v: np.array(v, dtype=h5py.string_dtype())
        f["runs/model"] = s(["gat"] * len(gat) + ["mlp"] * len(mlp))
        f["runs/ablation"] = s(["none"] * n)
        f["runs/split"] = s(["random"] * n)
        f["runs/variant"] = s([variant] * n)
        f["runs/seed"] = np.array(list(range(len(gat))) + list(range(len(mlp))), dtype=np.int64)
        f["runs/test_pearson"] = np.array(gat + mlp)
        f["runs/test_rmse"] = np.array([1 - v for v in gat + mlp])
        f["aggregates/metrics"] = s(["pearson", "rmse"])
d = sys.argv[1]
report(f"{d}/a.h5", [0.1, 0.2, 0.3], [0.1, 0.2, 0.3])
report(f"{d}/b.h5", [0.4, 0.5, 0.6], [0.15, 0.25, 0.35])
PYEOF

out="$("$KGPERT" compare "$tmp/a.h5" --metric pearson,rmse)"
grep -q '^random  gat    none      3  0.200 ± 0.100  0.800 ± 0.100$' <<<"$out" || { echo "$out"; fail "one report: gat row"; }
echo "ok: one report grouped: $(grep '^random  gat' <<<"$out")"

out="$("$KGPERT" compare "$tmp/b.h5" --by model --where model=mlp --metric pearson --format csv)"
expect_eq "--by model --where model=mlp (csv)" "$out" "$(printf 'model,pearson_mean,pearson_std,n\nmlp,0.25,0.1,3')"
out="$("$KGPERT" compare "$tmp/b.h5" --by seed --metric pearson --format markdown)"
grep -q '^| 0    | 2 | 0.275 ± 0.177 |$' <<<"$out" || { echo "$out"; fail "markdown by seed"; }

out="$("$KGPERT" compare "$tmp/a.h5" "$tmp/b.h5")"
grep -q '^random  gat    none      0.200 ± 0.100 (n=3)  0.500 ± 0.100 (n=3)  +0.300  \[+0.073, +0.527\]  \*$' <<<"$out" \
  || { echo "$out"; fail "two reports: gat row (B - A = 0.3, CI 0.3 ± 2.776 * 0.0816)"; }
grep -q '^random  mlp    none      0.200 ± 0.100 (n=3)  0.250 ± 0.100 (n=3)  +0.050  \[-0.177, +0.277\]  *$' <<<"$out" \
  || { echo "$out"; fail "two reports: mlp row (inside the interval, no mark)"; }
echo "ok: two reports side by side:"
echo "$out"
out="$("$KGPERT" compare "$tmp/a.h5" "$tmp/b.h5" --format csv)"
grep -q '^gat,none,random,0.2,0.1,3,0.5,0.1,3,0.3,0.0733[0-9]*,0.526[0-9]*,1$' <<<"$out" || { echo "$out"; fail "two reports, csv"; }

# Errors name what is wrong.
rc=0
"$KGPERT" compare "$tmp/a.h5" --paired --where split=random >/dev/null 2>&1 || rc=$?
((rc != 0)) || fail "--paired with --where accepted (it would be ignored)"
for args in "--where colour=red" "--by colour" "--metric auroc"; do
  rc=0
  msg="$("$KGPERT" compare "$tmp/a.h5" $args 2>&1)" || rc=$?
  ((rc != 0)) || fail "compare $args succeeded"
  grep -qE "colour|auroc" <<<"$msg" || fail "compare $args: \"$msg\" does not name it"
done
echo "ok: bad --where, --by and --metric are refused, naming them"

# Paired comparisons: hand-made run.h5 files, 4 test signatures in 2 scaffolds, 2 seeds.
# GAT seed 0: 0.5 each, seed 1: 0.6 each; MLP: 0.4, 0.4, 0.3, 0.3 in both seeds. Differences:
# seed 0 [.1 .1 .2 .2] (mean .15), seed 1 [.2 .2 .3 .3] (mean .25): A - B = 0.2; t = 0.2 /
# (0.0707 / sqrt 2) = 4, df 1, p = 1 - 2 atan(4) / pi = 0.155958; per scaffold the mean over
# seeds is 0.15 and 0.25, so resampling the 2 scaffolds gives 0.15, 0.2 or 0.25: CI [0.15, 0.25].
"$PY" - "$tmp" <<'PYEOF'
import sys, h5py, numpy as np
d = sys.argv[1]
def run(path, model, seed, pearson):
    with h5py.File(path, "w") as f:
        f.attrs.update({"format": "kgpert-run-1", "model": model, "ablation": "none", "split": "scaffold",
                        "seed": seed, "best_epoch": 1, "epochs_run": 1, "n_params": 1})
        s = lambda v: np.array(v, dtype=h5py.string_dtype())
        f["metrics/names"] = s(["pearson"])
        f["metrics/test"] = np.array([np.mean(pearson)])
        f["metrics/val"] = np.array([0.0])
        for c in ["epoch", "train_loss", "val_loss", "val_pearson", "seconds"]:
            f[f"curves/{c}"] = np.array([1.0])
        f["test/sig_index"] = np.array([3, 5, 8, 9], dtype=np.int64)
        f["test/pearson"] = np.array(pearson)
        f["test/group"] = s(["scafA", "scafA", "scafB", "scafB"])
        f["test/group"].attrs["unit"] = "scaffold"
run(f"{d}/gat0.h5", "gat", 0, [0.5] * 4)
run(f"{d}/gat1.h5", "gat", 1, [0.6] * 4)
run(f"{d}/mlp0.h5", "mlp", 0, [0.4, 0.4, 0.3, 0.3])
run(f"{d}/mlp1.h5", "mlp", 1, [0.4, 0.4, 0.3, 0.3])
PYEOF
"$KGPERT" report --out "$tmp/paired.h5" "$tmp"/gat0.h5 "$tmp"/gat1.h5 "$tmp"/mlp0.h5 "$tmp"/mlp1.h5 2>/dev/null
out="$("$KGPERT" compare "$tmp/paired.h5" --paired --format csv)"
expect_eq "paired comparison (csv)" "$out" \
  "$(printf 'split,variant,a,b,unit,seeds,signatures,groups,pearson_diff,ci_low,ci_high,t,p\nscaffold,,gat,mlp,scaffold,2,4,2,0.2,0.15,0.25,4,0.155958')"
"$KGPERT" compare "$tmp/paired.h5" --paired
