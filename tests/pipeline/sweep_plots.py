"""The sweep figures of workflow/scripts/plots.py on a report.h5 built by hand, with known answers:
two grid keys (train.lr, read by the GAT and the MLP; gat.fanouts, by the GAT only), two splits,
three seeds, and a closed-form baseline without a grid. Each run's test Pearson is
    a[model, split] + b[lr] + c[fanouts] + d[model, seed]   (validation: the same + 0.05),
so the points (the other key marginalised per seed, then mean and sd over seeds) are known by
hand. Also: a report without a grid gives no figure, and one seed gives no sd.
  sweep_plots.py"""
import importlib.util
import math
import os
import sys
import tempfile

import h5py
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
spec = importlib.util.spec_from_file_location("plots", os.path.join(ROOT, "workflow/scripts/plots.py"))
plots = importlib.util.module_from_spec(spec)
spec.loader.exec_module(plots)

A = {("gat", "random"): 0.50, ("gat", "scaffold"): 0.30, ("mlp", "random"): 0.40, ("mlp", "scaffold"): 0.20}
LR = {"0.0001": 0.00, "0.001": 0.06, "0.03": -0.03}  # their mean: 0.01
FANOUTS = {"[10,10]": 0.06, "[]": 0.00}  # "[10,10]" first: categories keep the order they appear in
SEED = {"gat": (-0.02, 0.00, 0.02), "mlp": (0.00, 0.03, 0.03)}  # mean 0, sd 0.02; mean 0.02, sd 0.01 sqrt(3)


def runs_of(seeds):
    """(model, split, variant, seed, test_pearson) of every run."""
    out = []
    for split in ("random", "scaffold"):
        for seed in seeds:
            for lr, b in LR.items():
                for fanouts, c in FANOUTS.items():
                    out.append(("gat", split, f"train.lr={lr} gat.fanouts={fanouts}", seed,
                                A["gat", split] + b + c + SEED["gat"][seed]))
                out.append(("mlp", split, f"train.lr={lr}", seed, A["mlp", split] + b + SEED["mlp"][seed]))
            if seed == seeds[0]:  # fitted once, reads no grid key
                out.append(("cell_mean", split, "", seed, 0.1))
    return out


def write_report(path, rows):
    """A report.h5 with the /runs columns plots.py reads (docs/FORMATS.md)."""
    text = h5py.string_dtype()
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "kgpert-report-1"
        model, split, var, seed, test = zip(*rows)
        f["runs/model"] = np.array(model, dtype=object).astype(text)
        f["runs/ablation"] = np.array(["none"] * len(rows), dtype=object).astype(text)
        f["runs/split"] = np.array(split, dtype=object).astype(text)
        f["runs/variant"] = np.array(var, dtype=object).astype(text)
        f["runs/seed"] = np.array(seed, dtype=np.int64)
        f["runs/test_pearson"] = np.array(test, dtype=np.float64)
        f["runs/val_pearson"] = np.array(test, dtype=np.float64) + 0.05


def read(path):
    with h5py.File(path, "r") as f:
        return plots.read_runs(f)


def check_table(got, want, what):
    """got: sweep_table rows; want: {(value, model, split, metric): (x, mean, sd, n)}."""
    table = {(r["value"], r["model"], r["split"], r["metric"]): (r["x"], r["mean"], r["sd"], r["n"])
             for r in got}
    assert set(table) == set(want), f"{what}: rows {sorted(table)}, want {sorted(want)}"
    for k, (x, mean, sd, n) in want.items():
        gx, gmean, gsd, gn = table[k]
        assert gx == x and gn == n, f"{what} {k}: x {gx}, n {gn}; want {x}, {n}"
        assert math.isclose(gmean, mean, abs_tol=1e-12), f"{what} {k}: mean {gmean}, want {mean}"
        assert (math.isnan(gsd) and math.isnan(sd)) or math.isclose(gsd, sd, abs_tol=1e-12), \
            f"{what} {k}: sd {gsd}, want {sd}"
    assert all(r["ablation"] == "none" for r in got), f"{what}: an ablation other than none"
    print(f"ok: {what}: {len(got)} points")


def is_png(path):
    with open(path, "rb") as f:
        return f.read(8) == b"\x89PNG\r\n\x1a\n"


def main(tmp):
    report = os.path.join(tmp, "report.h5")
    write_report(report, runs_of(seeds=(0, 1, 2)))
    runs = read(report)
    assert plots.grid_keys(runs) == ["train.lr", "gat.fanouts"], plots.grid_keys(runs)

    # train.lr: the GAT's point of a value is, per seed, the mean over its two fanouts (0.03),
    # then the mean over seeds; its sd is the seeds' (0.02), not that of the six runs pooled.
    gat_sd, mlp_sd = 0.02, 0.01 * math.sqrt(3)
    want = {}
    for metric, shift in (("test_pearson", 0.0), ("val_pearson", 0.05)):
        for lr, x, gat_random, mlp_random in (("0.0001", 0.0001, 0.53, 0.42), ("0.001", 0.001, 0.59, 0.48),
                                              ("0.03", 0.03, 0.50, 0.39)):
            want[lr, "gat", "random", metric] = (x, gat_random + shift, gat_sd, 3)
            want[lr, "gat", "scaffold", metric] = (x, gat_random - 0.20 + shift, gat_sd, 3)
            want[lr, "mlp", "random", metric] = (x, mlp_random + shift, mlp_sd, 3)
            want[lr, "mlp", "scaffold", metric] = (x, mlp_random - 0.20 + shift, mlp_sd, 3)
    check_table(plots.sweep_table(runs, "train.lr"), want, "sweep table of train.lr")
    assert plots.value_axis(list(LR))[1] == "log", "0.0001 to 0.03 spans 2.5 decades: a log axis"

    # gat.fanouts: the GAT only (the MLP does not read it), lr marginalised (mean of b: 0.01);
    # categories at 0, 1 in the order they appear.
    want = {}
    for metric, shift in (("test_pearson", 0.0), ("val_pearson", 0.05)):
        for fanouts, x, random in (("[10,10]", 0.0, 0.57), ("[]", 1.0, 0.51)):
            want[fanouts, "gat", "random", metric] = (x, random + shift, gat_sd, 3)
            want[fanouts, "gat", "scaffold", metric] = (x, random - 0.20 + shift, gat_sd, 3)
    check_table(plots.sweep_table(runs, "gat.fanouts"), want, "sweep table of gat.fanouts")
    assert plots.value_axis(list(FANOUTS))[1] == "category"
    assert plots.value_axis(["2", "4"]) == ({"2": 2.0, "4": 4.0}, "linear")

    # The figures: one per key, named after it, dots kept; a stale one of another key goes.
    out = os.path.join(tmp, "plots", "sweeps")
    os.makedirs(out)
    open(os.path.join(out, "sweep_gat.heads.png"), "w").close()
    paths = plots.sweep_figures(runs, out)
    want_files = ["sweep_gat.fanouts.png", "sweep_train.lr.png"]
    assert paths == [os.path.join(out, n) for n in ("sweep_train.lr.png", "sweep_gat.fanouts.png")], paths
    assert sorted(os.listdir(out)) == want_files, os.listdir(out)
    assert all(is_png(p) for p in paths), "a sweep figure is not a PNG"
    print(f"ok: figures {', '.join(want_files)}")

    # One seed: points without sd.
    one = os.path.join(tmp, "one_seed.h5")
    write_report(one, runs_of(seeds=(0,)))
    rows = plots.sweep_table(read(one), "train.lr")
    assert rows and all(r["n"] == 1 and math.isnan(r["sd"]) for r in rows), rows
    assert math.isclose(next(r["mean"] for r in rows if (r["value"], r["model"], r["split"], r["metric"])
                             == ("0.001", "gat", "random", "test_pearson")), 0.50 + 0.06 + 0.03 - 0.02)
    assert len(plots.sweep_figures(read(one), os.path.join(tmp, "one"))) == 2
    print("ok: one seed: means, no sd")

    # No grid: no figure, an empty directory.
    bare = os.path.join(tmp, "bare.h5")
    write_report(bare, [(m, s, "", 0, 0.2) for m in ("gat", "mlp") for s in ("random", "scaffold")])
    none = os.path.join(tmp, "none")
    assert plots.sweep_figures(read(bare), none) == [] and os.listdir(none) == []
    print("ok: no grid, no sweep figure")
    print("sweep_plots: all checks passed")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as scratch:
        sys.exit(main(scratch))
