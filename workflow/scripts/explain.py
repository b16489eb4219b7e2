"""The explain figure of one GAT run for the HTML report: picks the run's best-predicted test
signature (the highest Pearson between predicted and measured z-scores over the landmark genes;
the first such signature on a tie), runs `kgpert explain` on its drug and cell line into the
figure's directory, and renders explain.dot again with a title naming the run and the pair.
Run by the `explain` rule (workflow/rules/explain.smk), or by hand:
    python workflow/scripts/explain.py RUN.h5 GRAPH.h5 SAMPLES.h5 OUT_DIR [TOP]
with $KGPERT the kgpert binary (default build/kgpert).
"""
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def best_test_pair(run, samples):
    """(pert_id, compound name, cell id, signature id, Pearson) of the run's best-predicted test signature."""
    with h5py.File(run, "r") as r, h5py.File(samples, "r") as s:
        if "test/sig_index" not in r or "test/pred" not in r:
            raise SystemExit(f'explain: run "{run}" holds no test predictions (/test/sig_index, /test/pred)')
        idx = r["test/sig_index"][()]
        pred = r["test/pred"][()].astype(float)
        if len(idx) == 0:
            raise SystemExit(f'explain: run "{run}" has no test signatures')
        order = np.argsort(idx)  # h5py reads rows at increasing indices
        truth = np.empty_like(pred)
        truth[order] = s["signatures/y"][idx[order], :]
        best, best_r = 0, -np.inf
        for k in range(len(idx)):
            p, t = pred[k], truth[k]
            if np.std(p) > 0 and np.std(t) > 0:
                rho = float(np.corrcoef(p, t)[0, 1])
                if rho > best_r:
                    best, best_r = k, rho
        sig = int(idx[best])
        d = int(s["signatures/drug"][sig])
        drug, name = text(s["drugs/pert_id"][d]), text(s["drugs/name"][d]) if "drugs/name" in s else ""
        cell = text(s["cells/id"][int(s["signatures/cell"][sig])])
        return drug, name, cell, text(s["signatures/id"][sig]), best_r


def main(run, graph, samples, out_dir, top=8, log=sys.stdout):
    kgpert = os.environ.get("KGPERT", "build/kgpert")
    if shutil.which("dot") is None:
        raise SystemExit("explain: Graphviz `dot` is not installed (apt install graphviz): "
                         "the explain figure cannot be drawn")
    drug, name, cell, sig, rho = best_test_pair(run, samples)
    print(f"explain: test signature {sig} (drug {drug}, cell line {cell}): Pearson {rho:.3f}", file=log, flush=True)
    subprocess.run([kgpert, "explain", "--run", run, "--graph", graph, "--samples", samples,
                    "--drug", drug, "--cell", cell, "--top", str(top), "--out", out_dir],
                   check=True, stdout=log, stderr=subprocess.STDOUT)
    with h5py.File(run, "r") as r:
        attrs = {k: text(r.attrs[k]) for k in ("split", "seed", "variant") if k in r.attrs}
    run_name = f"GAT, {attrs.get('split', '?')} split, seed {attrs.get('seed', '?')}"
    if attrs.get("variant"):
        run_name += f", {attrs['variant']}"
    compound = f"{name} ({drug})" if name and name != drug else drug
    title = f"{run_name}\\ntest signature {sig}: {compound} in {cell} (Pearson {rho:.3f})"
    dot_file = os.path.join(out_dir, "explain.dot")
    png = os.path.join(out_dir, "explain.png")
    tmp = png + ".tmp"
    subprocess.run(["dot", "-Tpng", f"-Glabel={title}", "-Glabelloc=t", "-Gfontsize=12", "-o", tmp, dot_file],
                   check=True, stdout=log, stderr=subprocess.STDOUT)
    os.replace(tmp, png)
    for name in ("explain_nodes.tsv", "explain_paths.tsv", "explain.png"):
        if not os.path.getsize(os.path.join(out_dir, name)):
            raise SystemExit(f"explain: {name} is empty")
    print(f"explain: wrote {png}", file=log)


if __name__ == "__main__":
    if "snakemake" in globals():
        sm = globals()["snakemake"]
        with open(sm.log[0], "w") as log:
            main(sm.input.run, sm.input.graph, sm.input.samples, os.path.dirname(sm.output.figure),
                 sm.params.top, log)
    elif len(sys.argv) in (5, 6):
        main(*sys.argv[1:5], *(int(a) for a in sys.argv[5:]))
    else:
        sys.exit(__doc__)
