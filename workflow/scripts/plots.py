"""Plots of a kgpert report.h5: test Pearson (mean +- std over seeds) per model/ablation/split,
and validation-Pearson learning curves. Run by the `plots` rule, or by hand:
    python workflow/scripts/plots.py REPORT.h5 BARS.png CURVES.png
"""
import sys
from collections import defaultdict

import h5py
import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

METRIC = "test_pearson"


def text_column(ds):
    return [v.decode() if isinstance(v, bytes) else str(v) for v in ds[()]]


def read_runs(f):
    """The /runs table as {column: list}; string columns decoded."""
    if "runs" not in f:
        raise SystemExit(f'plots: "{f.filename}": no /runs table')
    runs = {}
    for name, ds in f["runs"].items():
        if not isinstance(ds, h5py.Dataset):  # /runs/config/<key>: the grid values, in "variant"
            continue
        if ds.dtype.kind in "SOU":
            runs[name] = text_column(ds)
        else:
            runs[name] = list(ds[()])
    for col in ("model", "ablation", "split", METRIC):
        if col not in runs:
            raise SystemExit(f'plots: "{f.filename}": /runs has no column "{col}"')
    return runs


def variant(model, ablation, grid=""):
    """A series' label: model, +ablation, and the run's sweep.grid values (report /runs/variant)."""
    name = model if ablation == "none" else f"{model}+{ablation}"
    return f"{name} {grid}" if grid else name


def grid_of(runs):
    return runs.get("variant", [""] * len(runs["model"]))


def bar_chart(runs, path):
    """Bars: one group per split, one bar per model/ablation variant, error bar = std."""
    values = defaultdict(list)
    for m, a, g, s, v in zip(runs["model"], runs["ablation"], grid_of(runs), runs["split"], runs[METRIC]):
        values[(variant(m, a, g), s)].append(float(v))
    variants = sorted({k[0] for k in values})
    splits = sorted({k[1] for k in values})
    width = 0.8 / max(len(variants), 1)
    fig, ax = plt.subplots(figsize=(1.6 + 1.4 * len(splits) * max(len(variants), 1) * 0.5, 4))
    for i, var in enumerate(variants):
        xs, means, stds, ns = [], [], [], []
        for j, split in enumerate(splits):
            vals = values.get((var, split))
            if not vals:
                continue
            xs.append(j + (i - (len(variants) - 1) / 2) * width)
            means.append(np.mean(vals))
            stds.append(np.std(vals, ddof=1) if len(vals) > 1 else 0.0)
            ns.append(len(vals))
        ax.bar(xs, means, width, yerr=stds, capsize=3, label=var)
    ax.set_xticks(range(len(splits)), splits)
    ax.set_ylabel("test Pearson (mean ± std over seeds)")
    ax.axhline(0, color="black", linewidth=0.6)
    ax.legend(fontsize=8, frameon=False)
    ax.set_title("Per-signature Pearson on the test set")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def learning_curves(f, runs, path):
    """One panel per split; per variant the mean validation Pearson per epoch over seeds, with a
    band of +-1 std (runs stopped early simply end); a variant fitted in one step (a closed-form
    baseline) is a dashed horizontal line at its validation Pearson."""
    splits = sorted(set(runs["split"]))
    variants = sorted({variant(m, a, g) for m, a, g in zip(runs["model"], runs["ablation"], grid_of(runs))})
    colours = {v: plt.cm.tab10(i % 10) for i, v in enumerate(variants)}
    curves = f.get("curves")
    series = defaultdict(list)  # (variant, split) -> [(epochs, values)]
    for k, run_id in enumerate(runs.get("run_id", [])):
        g = curves.get(run_id) if curves is not None else None
        if g is None or "epoch" not in g or "val_pearson" not in g:
            continue
        key = (variant(runs["model"][k], runs["ablation"][k], grid_of(runs)[k]), runs["split"][k])
        series[key].append((g["epoch"][()], g["val_pearson"][()].astype(float)))
    fig, axes = plt.subplots(1, len(splits), figsize=(5 * len(splits), 3.8), squeeze=False)
    for (var, split), runs_xy in sorted(series.items()):
        ax = axes[0][splits.index(split)]
        epochs = np.unique(np.concatenate([e for e, _ in runs_xy]))
        table = np.full((len(runs_xy), len(epochs)), np.nan)
        for r, (e, v) in enumerate(runs_xy):
            table[r, np.searchsorted(epochs, e)] = v
        with np.errstate(invalid="ignore"):
            mean = np.nanmean(table, axis=0)
            std = np.nanstd(table, axis=0)
        if len(epochs) == 1:  # fitted once (closed-form baselines): a level, not a curve
            ax.axhline(mean[0], color=colours[var], linestyle="--", linewidth=1.2,
                       label=f"{var} (n={len(runs_xy)}, fitted once)")
            continue
        ax.plot(epochs, mean, color=colours[var], linewidth=1.5, label=f"{var} (n={len(runs_xy)})")
        if len(runs_xy) > 1:
            ax.fill_between(epochs, mean - std, mean + std, color=colours[var], alpha=0.15)
    for ax, split in zip(axes[0], splits):
        ax.set_title(f"split: {split}")
        ax.set_xlabel("epoch")
        ax.set_ylabel("validation Pearson")
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(report, bars, curves_png):
    with h5py.File(report, "r") as f:
        runs = read_runs(f)
        bar_chart(runs, bars)
        learning_curves(f, runs, curves_png)
    print(f"plots: wrote {bars} and {curves_png} ({len(runs[METRIC])} runs)")


if __name__ == "__main__":
    if "snakemake" in globals():
        sm = globals()["snakemake"]
        with open(sm.log[0], "w") as log:
            sys.stdout = sys.stderr = log
            main(sm.input[0], sm.output.bars, sm.output.curves)
    elif len(sys.argv) == 4:
        main(*sys.argv[1:])
    else:
        sys.exit(__doc__)
