"""The sweep figures of workflow/scripts/plots.py on a report.h5 built by hand, with known answers:
two grid keys (train.lr, read by the GAT and the MLP; gat.fanouts, by the GAT only), two splits,
three seeds, and a closed-form baseline without a grid. Each run's test Pearson is
    a[model, split] + b[lr] + c[fanouts] + d[model, seed]   (validation: the same + 0.05),
so the points (the other key marginalised per seed, then mean and sd over seeds) are known by
hand. Also: a report without a grid gives no figure, and one seed gives no sd.

A successive-halving sweep built by hand too (halving_case): 4 GAT points x 2 seeds in rungs of
1, 2 and 4 epochs, with the rungs' run.h5 files and tables laid out as the workflow does and
known validation Pearsons per rung; its figure halving_gat.png is checked line by line (each
point's means per rung, where it ends, the survivors' cuts), and the sweep tables draw the
halved points at their last rung in the validation panels only.
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
    halving_case(os.path.join(tmp, "halving"))
    print("sweep_plots: all checks passed")


# ---- successive halving --------------------------------------------------------------------
# Each point's mean validation Pearson after rung r (its seeds: the mean -0.01 and +0.01, sd
# 0.01 sqrt(2)); rungs of 1, 2, 4 epochs keep ceil(n / 2): rung 0 ranks 0.40, 0.35 | 0.30, 0.20,
# rung 1 ranks 0.50 | 0.45, rung 2 finishes heads~2/lr~0.01.
RUNG_VAL = {"gat.heads~1/train.lr~0.001": [0.30], "gat.heads~1/train.lr~0.01": [0.40, 0.45],
            "gat.heads~2/train.lr~0.001": [0.20], "gat.heads~2/train.lr~0.01": [0.35, 0.50, 0.55]}
BUDGETS = [1, 2, 4]
HALVED_TEST = 0.9  # the test Pearson of the halved runs: must show nowhere


def write_run(path, budget, rung, val):
    text = h5py.string_dtype()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with h5py.File(path, "w") as f:
        f.attrs.update({"format": "kgpert-run-1", "epoch_budget": budget, "rung": rung, "rungs": len(BUDGETS)})
        f["metrics/names"] = np.array(["mse", "pearson"], dtype=object).astype(text)
        f["metrics/val"] = np.array([1.0 - val, val])
        f["metrics/test"] = np.array([1.0, 0.0])


def halving_case(tmp):
    root = os.path.join(tmp, "results", "test")
    group = "model~gat/ablation~none/split~random"
    rows = []  # the report's runs: each point's seeds at their last rung
    tables = [[] for _ in BUDGETS]
    for point, vals in RUNG_VAL.items():
        last = len(vals) - 1
        heads, lr = (part.split("~")[1] for part in point.split("/"))
        for seed, shift in ((0, -0.01), (1, 0.01)):
            for r, v in enumerate(vals):
                write_run(f"{root}/runs/{group}/{point}/seed~{seed}/rung~{r}/run.h5", BUDGETS[r], r, v + shift)
            rows.append({"model": "gat", "variant": f"gat.heads={heads} train.lr={lr}", "seed": seed,
                         "path": f"{root}/runs/{group}/{point}/seed~{seed}/rung~{last}/run.h5", "rung": last,
                         "budget": BUDGETS[last], "val": vals[-1] + shift,
                         "test": 0.42 + shift if last == 2 else HALVED_TEST,
                         "stopped": "finished" if last == 2 else f"halved at rung {last}"})
        for r, v in enumerate(vals):
            tables[r].append((point, v, "finished" if r == 2 else "yes" if r < last else "no"))
    rows.append({"model": "ridge", "variant": "", "seed": 0, "path": f"{root}/runs/ridge.h5", "rung": -1,
                 "budget": 0, "val": 0.1, "test": 0.1, "stopped": "finished"})
    os.makedirs(f"{root}/halving/{group}")
    for r, table in enumerate(tables):
        with open(f"{root}/halving/{group}/rung~{r}.tsv", "w") as fh:
            fh.write("# ranked by the validation pearson, mean over seeds; ties by point\n")
            fh.write("rank\tpoint\tscore\tseeds\tsurvives\n")
            for k, (point, v, word) in enumerate(sorted(table, key=lambda t: -t[1])):
                # the score as the workflow computes it: the mean of the two seeds' values
                fh.write(f"{k + 1}\t{point}\t{((v - 0.01) + (v + 0.01)) / 2!r}\t2\t{word}\n")
    report = os.path.join(tmp, "report.h5")
    text = h5py.string_dtype()
    with h5py.File(report, "w") as f:
        f.attrs["format"] = "kgpert-report-1"
        col = lambda name: [r[name] for r in rows]  # noqa: E731
        for name in ("model", "variant", "path", "stopped"):
            f[f"runs/{name}"] = np.array(col(name), dtype=object).astype(text)
        f["runs/ablation"] = np.array(["none"] * len(rows), dtype=object).astype(text)
        f["runs/split"] = np.array(["random"] * len(rows), dtype=object).astype(text)
        f["runs/seed"] = np.array(col("seed"), dtype=np.int64)
        f["runs/rung"] = np.array(col("rung"), dtype=np.int64)
        f["runs/epoch_budget"] = np.array(col("budget"), dtype=np.int64)
        f["runs/test_pearson"] = np.array(col("test"), dtype=np.float64)
        f["runs/val_pearson"] = np.array(col("val"), dtype=np.float64)
    every = read(report)
    done = plots.finished_runs(every)
    assert sorted(zip(done["model"], done["variant"])) == [("gat", "gat.heads=2 train.lr=0.01")] * 2 + [("ridge", "")]
    assert plots.halving_races(every) == {("gat", "none"): ["random"]}

    # The race's table: each point's mean and sd over its seeds per rung, as in the rung tables.
    race = plots.halving_table(every, "gat", "none", "random")
    assert race["metric"] == "pearson" and race["budgets"] == BUDGETS and race["cuts"] == [(4, 2), (2, 1)], race
    sd = 0.01 * math.sqrt(2)
    for p in race["points"]:
        want = RUNG_VAL[p["point"]]
        assert [r["n"] for r in p["rungs"]] == [2] * len(want), p
        assert all(math.isclose(r["mean"], v, abs_tol=1e-12) and math.isclose(r["sd"], sd, rel_tol=1e-9)
                   for r, v in zip(p["rungs"], want)), (p, want)
        assert p["finished"] == (len(want) == 3) and p["halved"] == (None if len(want) == 3 else len(want) - 1), p
    print("ok: halving: each point's validation per rung, mean and sd over seeds; cuts 2 of 4, 1 of 2")

    # The figure's lines: a point's line runs over the rungs it trained and ends where it was
    # halved; the cuts lie halfway between the last point going on and the first halved one.
    fig = plots.draw_halving(every, "gat", "none")
    (ax,) = fig.axes
    lines = {ln.get_gid(): ln for ln in ax.get_lines() if ln.get_gid()}
    assert set(lines) == set(RUNG_VAL) | {"cut 0", "cut 1"}, sorted(lines)
    for point, want in RUNG_VAL.items():
        assert list(lines[point].get_xdata()) == BUDGETS[:len(want)], (point, lines[point].get_xdata())
        assert np.allclose(lines[point].get_ydata(), want, atol=1e-12), (point, lines[point].get_ydata())
    assert lines["gat.heads~2/train.lr~0.01"].get_linewidth() == 2, "the finished point is not drawn bold"
    assert lines["gat.heads~1/train.lr~0.01"].get_color() == "0.55", "a halved point is not grey"
    assert np.allclose(lines["cut 0"].get_ydata(), [0.325, 0.325]), lines["cut 0"].get_ydata()
    assert np.allclose(lines["cut 1"].get_ydata(), [0.475, 0.475]), lines["cut 1"].get_ydata()
    assert "gat.heads=2 train.lr=0.01 (finished, seeds: 2)" in ax.get_legend_handles_labels()[1]
    plots.plt.close(fig)
    print("ok: halving figure: lines end at the rung halved at, the finished point in colour, "
          "the cuts at 0.325 and 0.475")

    # The sweep tables: the halved points at their last rung's validation, per rung, not in the
    # test panels; gat.heads=1's halved points were halved at different rungs, so stay apart.
    want = {("0.01", "test_pearson", None): (0.42, sd), ("0.01", "val_pearson", None): (0.55, sd),
            ("0.01", "val_pearson", 1): (0.45, sd), ("0.001", "val_pearson", 0): (0.25, sd)}
    got = {(r["value"], r["metric"], r["halved"]): (r["mean"], r["sd"])
           for r in plots.sweep_table(every, "train.lr")}
    assert set(got) == set(want) and all(math.isclose(got[k][0], v[0], abs_tol=1e-12) and
                                         math.isclose(got[k][1], v[1], rel_tol=1e-9) for k, v in want.items()), got
    assert all(r["mean"] != HALVED_TEST for r in plots.sweep_table(every, "gat.heads"))
    out, out_halving = os.path.join(tmp, "sweeps"), os.path.join(tmp, "halving_figures")
    paths = plots.sweep_figures(every, out, out_halving)
    assert paths == [os.path.join(out, "sweep_gat.heads.png"), os.path.join(out, "sweep_train.lr.png"),
                     os.path.join(out_halving, "halving_gat.png")], paths
    assert sorted(os.listdir(out)) == ["sweep_gat.heads.png", "sweep_train.lr.png"], os.listdir(out)
    assert os.listdir(out_halving) == ["halving_gat.png"] and all(is_png(p) for p in paths)
    print("ok: halving: sweep tables with the halved points (validation only), figures " +
          ", ".join(os.listdir(out) + os.listdir(out_halving)))

    # A rung table that does not match the runs (another sweep's) is an error, not a figure.
    with open(f"{root}/halving/{group}/rung~1.tsv") as fh:
        stale = fh.read().replace("0.5", "0.6")
    with open(f"{root}/halving/{group}/rung~1.tsv", "w") as fh:
        fh.write(stale)
    try:
        plots.halving_table(every, "gat", "none", "random")
    except SystemExit as e:
        assert "is not the rung table's score" in str(e), e
    else:
        raise AssertionError("a rung table of other scores was taken")
    print("ok: halving: a rung table of other scores is refused")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as scratch:
        sys.exit(main(scratch))
