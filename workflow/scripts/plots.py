"""Plots of a kgpert report.h5: test Pearson (mean +- std over seeds) per model/ablation/split,
validation-Pearson learning curves, predicted vs true expression changes of one GAT run, the
GAT's attention share per relation type, and in SWEEPS_DIR one figure per sweep.grid key (the
metrics against the key's values) and, under sweep.search halving, in HALVING_DIR (default
SWEEPS_DIR) one per racing model (each point's validation metric at each rung). Run by the
`plots` rule, or by hand (run paths in the report are relative to the workflow's directory):
    python workflow/scripts/plots.py REPORT.h5 SAMPLES.h5 BARS.png CURVES.png PRED.png ATTENTION.png SWEEPS_DIR [HALVING_DIR]
"""
import glob
import json
import math
import os
import re
import sys
from collections import defaultdict

import h5py
import matplotlib
import matplotlib.lines
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
    for col in ("model", "ablation", "split", "seed", METRIC):
        if col not in runs:
            raise SystemExit(f'plots: "{f.filename}": /runs has no column "{col}"')
    return runs


def finished_runs(runs):
    """The runs trained to the end: under sweep.search halving, without the points halved at
    an earlier rung (they trained less). The figures other than the sweeps' draw these only."""
    if "stopped" not in runs:
        return runs
    keep = [i for i, why in enumerate(runs["stopped"]) if why == "finished"]
    return {name: [col[i] for i in keep] for name, col in runs.items()}


def halved_rung(runs, i):
    """The rung at which run i's point was halved, None when it finished."""
    why = runs["stopped"][i] if "stopped" in runs else "finished"
    if why == "finished":
        return None
    m = re.fullmatch(r"halved at rung (\d+)", why)
    if not m:
        raise SystemExit(f'plots: run {runs["run_id"][i] if "run_id" in runs else i}: stopped "{why}"')
    return int(m.group(1))


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


def gat_runs(runs):
    """Indices of the GAT runs without ablation, scaffold split first, then by seed."""
    idx = [i for i, (m, a) in enumerate(zip(runs["model"], runs["ablation"])) if m == "gat" and a == "none"]
    return sorted(idx, key=lambda i: (runs["split"][i] != "scaffold", runs["split"][i], runs["seed"][i]))


def empty_figure(path, text):
    fig, ax = plt.subplots(figsize=(5, 2))
    ax.axis("off")
    ax.text(0.5, 0.5, text, ha="center", va="center")
    fig.savefig(path, dpi=120)
    plt.close(fig)


def pred_vs_true(runs, samples, path):
    """Every (test signature, gene) of one GAT run: predicted against measured z-score."""
    chosen = gat_runs(runs)
    if not chosen:
        return empty_figure(path, "no GAT run in this report")
    i = chosen[0]
    with h5py.File(runs["path"][i], "r") as r, h5py.File(samples, "r") as s:
        idx = r["test/sig_index"][()]
        pred = r["test/pred"][()]
        truth = s["signatures/y"][np.sort(idx), :][np.argsort(np.argsort(idx))]
    x, y = truth.ravel(), pred.ravel()
    fig, ax = plt.subplots(figsize=(5, 4.6))
    hb = ax.hexbin(x, y, gridsize=60, bins="log", cmap="viridis", mincnt=1)
    lim = np.percentile(np.abs(np.concatenate([x, y])), 99.5)
    ax.plot([-lim, lim], [-lim, lim], color="grey", linewidth=0.8)
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_xlabel("measured z-score")
    ax.set_ylabel("predicted z-score")
    rows = [np.corrcoef(p, t)[0, 1] for p, t in zip(pred, truth) if np.std(p) > 0 and np.std(t) > 0]
    ax.set_title(f"GAT, {runs['split'][i]} split, seed {runs['seed'][i]}: {len(idx)} test signatures\n"
                 f"mean per-signature Pearson {np.mean(rows) if rows else float('nan'):.3f}", fontsize=9)
    fig.colorbar(hb, ax=ax, label="(signature, gene) pairs")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def attention_share(runs, path):
    """Per split, the share of the GAT's attention (mean alpha x edges, summed over layers) that
    each relation type carries, averaged over seeds; the self-loop is its own bar."""
    by_split = defaultdict(list)
    names = None
    for i in gat_runs(runs):
        with h5py.File(runs["path"][i], "r") as r:
            if "attention/mean" not in r:
                continue
            names = [n.decode() if isinstance(n, bytes) else str(n) for n in r["attention/relation_names"][()]]
            mass = np.nan_to_num(r["attention/mean"][()]) * r["attention/edges"][()]
            total = mass.sum()
            if total > 0:
                by_split[runs["split"][i]].append(mass.sum(axis=0) / total)
    if not by_split:
        return empty_figure(path, "no GAT run with attention in this report")
    splits = sorted(by_split)
    share = {s: np.mean(by_split[s], axis=0) for s in splits}
    order = np.argsort(-np.mean([share[s] for s in splits], axis=0))
    fig, ax = plt.subplots(figsize=(7, 0.28 * len(order) + 1.2))
    height = 0.8 / len(splits)
    for k, s in enumerate(splits):
        ax.barh(np.arange(len(order)) + k * height, share[s][order], height, label=f"{s} (n={len(by_split[s])})")
    ax.set_yticks(np.arange(len(order)) + 0.4 - height / 2, [names[j] for j in order], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("share of attention (mean alpha x edges, all layers)")
    ax.legend(fontsize=8, frameon=False)
    ax.set_title("What the GAT attends to, by relation type", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


# ---- sweep figures: the metrics against each sweep.grid key's values -------------------------
SWEEP_METRICS = {"test_pearson": "test Pearson", "val_pearson": "validation Pearson"}


def parse_variant(text):
    """A run's sweep.grid values, report /runs/variant ("key=value key2=value2", "" without a
    grid), as [(key, value text)]; values hold no spaces (lists are JSON without them)."""
    pairs = []
    for item in text.split():
        key, eq, value = item.partition("=")
        if not (eq and re.fullmatch(r"[A-Za-z0-9_.]+", key)):
            raise SystemExit(f'plots: variant "{text}": "{item}" is not key=value')
        pairs.append((key, value))
    return pairs


def grid_keys(runs):
    """The sweep.grid keys of the runs' variants, in the order they first appear."""
    keys = []
    for text in grid_of(runs):
        keys += [k for k, _ in parse_variant(text) if k not in keys]
    return keys


def number(text):
    """A grid value's number, or None when it is not one (a list, a string, a boolean)."""
    try:
        v = json.loads(text)
    except ValueError:
        return None
    numeric = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
    return float(v) if numeric else None


def value_axis(values):
    """{value text: x} for a key's values (in the order they appear) and the axis kind: "log"
    (numbers spanning more than 2 decades, all positive), "linear" (other numbers) or
    "category" (anything else: x is the value's position, in the order the values appear)."""
    nums = [number(v) for v in values]
    if values and all(x is not None for x in nums):
        kind = "log" if min(nums) > 0 and max(nums) / min(nums) > 100 else "linear"
        return dict(zip(values, nums)), kind
    return {v: float(i) for i, v in enumerate(values)}, "category"


def sweep_table(runs, key):
    """The points that figure sweep_<key> draws, as rows (dicts): key, value (its text in the
    variants), x (its place on the axis, see value_axis), model, ablation, split, metric
    (test_pearson, and val_pearson where the report has it), halved (None, or under sweep.search
    halving the rung at which the runs were halved), mean, sd and n.

    Only runs whose variant holds `key` (the models that read it) count. The other grid keys are
    marginalised per seed: for each value, model, ablation, split, halved and seed, the runs of
    every combination of the other keys' values are averaged, each combination weighing the same;
    mean and sd (sample, NaN for n = 1) are then over those per-seed numbers, n = the seeds.
    Runs halved early count for the validation metric only (its value after their last rung),
    apart from the finished ones and from those halved at another rung: they trained less."""
    metrics = [m for m in SWEEP_METRICS if m in runs]
    # (value, model, ablation, split, metric, halved) -> {seed: [the metric of each of its runs]}
    per_seed = defaultdict(lambda: defaultdict(list))
    values = []
    for i, text in enumerate(grid_of(runs)):
        value = dict(parse_variant(text)).get(key)
        if value is None:
            continue
        if value not in values:
            values.append(value)
        halved = halved_rung(runs, i)
        for metric in metrics:
            if halved is not None and metric != "val_pearson":
                continue
            group = (value, runs["model"][i], runs["ablation"][i], runs["split"][i], metric, halved)
            per_seed[group][int(runs["seed"][i])].append(float(runs[metric][i]))
    xs, _ = value_axis(values)
    rows = []
    for (value, model, ablation, split, metric, halved), seeds in per_seed.items():
        means = [np.mean(v) for v in seeds.values()]
        rows.append({"key": key, "value": value, "x": xs[value], "model": model, "ablation": ablation,
                     "split": split, "metric": metric, "halved": halved, "mean": float(np.mean(means)),
                     "sd": float(np.std(means, ddof=1)) if len(means) > 1 else math.nan, "n": len(means)})
    order = list(SWEEP_METRICS)
    rows.sort(key=lambda r: (order.index(r["metric"]), r["split"], r["model"], r["ablation"],
                             r["halved"] is not None, r["halved"] or 0, r["x"]))
    return rows


def other_keys(runs, key):
    """The grid keys besides `key` of the runs whose variant holds `key`."""
    others = []
    for text in grid_of(runs):
        pairs = parse_variant(text)
        if key in dict(pairs):
            others += [k for k, _ in pairs if k != key and k not in others]
    return others


def sweep_figure(runs, key, path):
    """The metrics against the values of grid key `key`: a row of panels per metric (test, then
    validation), a panel per split, a line per model (+ablation); points at sweep_table's mean
    over seeds, error bars its sd (none for one seed). Under sweep.search halving the line joins
    the finished points; the points halved early are hollow markers, not joined, in the
    validation panels only, labelled with their rung ("r0": halved after rung 0)."""
    rows = sweep_table(runs, key)
    metrics = [m for m in SWEEP_METRICS if any(r["metric"] == m for r in rows)]
    splits = sorted({r["split"] for r in rows})
    lines = sorted({(r["model"], r["ablation"]) for r in rows})
    colours = {line: plt.cm.tab10(i % 10) for i, line in enumerate(lines)}
    values = list(dict.fromkeys(r["value"] for r in sorted(rows, key=lambda r: r["x"])))
    xs, kind = value_axis(values)
    fig, axes = plt.subplots(len(metrics), len(splits), squeeze=False, sharex=True,
                             figsize=(1.5 + 4 * len(splits), 1 + 3.2 * len(metrics)))
    for r, metric in enumerate(metrics):
        for c, split in enumerate(splits):
            ax = axes[r][c]
            for line in lines:
                every = [p for p in rows
                         if (p["metric"], p["split"], p["model"], p["ablation"]) == (metric, split, *line)]
                pts = [p for p in every if p["halved"] is None]
                early = [p for p in every if p["halved"] is not None]
                if not every:
                    continue
                label = f"{variant(*line)} (seeds: {max(p['n'] for p in every)})"
                if pts:
                    ax.plot([p["x"] for p in pts], [p["mean"] for p in pts], marker="o", color=colours[line],
                            label=label)
                if early:
                    ax.plot([p["x"] for p in early], [p["mean"] for p in early], linestyle="none", marker="o",
                            markerfacecolor="none", color=colours[line],
                            label=f"{variant(*line)}: halved early" if pts else label + ", halved early")
                    for p in early:
                        ax.annotate(f"r{p['halved']}", (p["x"], p["mean"]), xytext=(5, 2),
                                    textcoords="offset points", fontsize=7, color=colours[line])
                bars = [p for p in every if p["n"] > 1]
                if bars:
                    ax.errorbar([p["x"] for p in bars], [p["mean"] for p in bars],
                                yerr=[p["sd"] for p in bars], fmt="none", ecolor=colours[line], capsize=3)
            ax.set_title(f"split: {split}", fontsize=10)
            ax.set_ylabel(SWEEP_METRICS[metric])
            if ax.get_legend_handles_labels()[0]:
                ax.legend(fontsize=8, frameon=False)
    for ax in axes[-1]:
        ax.set_xlabel(key)
        if kind == "log":
            ax.set_xscale("log")
        elif kind == "category":
            ax.set_xlim(-0.5, len(values) - 0.5)
        ax.set_xticks([xs[v] for v in values], values)
        ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    others = other_keys(runs, key)
    how = (f"each seed's point the mean over the other grid keys' values ({', '.join(others)}), "
           if others else "")
    halving = ("\nhollow: points halved after rung N (rN), at their last rung's validation;"
               "\ntest panels: finished points only (the halved ones trained less)"
               if any(r["halved"] is not None for r in rows) else "")
    fig.suptitle(f"{key}: mean over seeds, bars ± sd over seeds (none for one seed)\n{how}"
                 f"runs of the models that read {key}{halving}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


# ---- successive halving (sweep.search: halving): each point's validation metric per rung ----
# The report holds each point's last run only; the rungs before are its seeds' run.h5 of those
# rungs (beside it: .../seed~N/rung~r/run.h5) and the rung tables (RESULTS/halving/...), which
# name the metric the race ranked by. Both are upstream of report.h5, kept by the workflow.
RUN_OF_RUNG = re.compile(r"(.*?)runs/model~[^/]+/ablation~[^/]+/split~[^/]+/(.*?)seed~\d+/rung~(\d+)/run\.h5")
LOWER_IS_BETTER = {"mse", "rmse"}  # as workflow/scripts/halving.py


def read_rung_table(path):
    """A rung table (docs/FORMATS.md): (the metric named in its comment line,
    {point: (score, survives)}), point as in the table ("-" without a grid)."""
    try:
        with open(path) as fh:
            lines = [line.rstrip("\n") for line in fh]
    except OSError as e:
        raise SystemExit(f'plots: rung table "{path}": {e.strerror}')
    m = re.match(r"# ranked by the validation (\S+),", lines[0]) if lines else None
    if not m or len(lines) < 2 or lines[1].split("\t") != ["rank", "point", "score", "seeds", "survives"]:
        raise SystemExit(f'plots: "{path}": not a halving rung table')
    rows = {}
    for line in lines[2:]:
        _, point, score, _, survives = line.split("\t")
        rows[point] = (float(score), survives)
    return m.group(1), rows


def rung_value(path, metric):
    """(epoch_budget, the validation `metric`) of a rung's run.h5."""
    try:
        with h5py.File(path, "r") as r:
            names = text_column(r["metrics/names"])
            if metric not in names:
                raise SystemExit(f'plots: "{path}": no validation metric "{metric}"')
            return int(r.attrs["epoch_budget"]), float(r["metrics/val"][()][names.index(metric)])
    except OSError as e:
        raise SystemExit(f'plots: run of a rung "{path}": {e}')


def halving_races(runs):
    """{(model, ablation): [split, ...]} of the report's runs that raced in rungs."""
    races = defaultdict(list)
    for i, rung in enumerate(runs.get("rung", [])):
        key = (runs["model"][i], runs["ablation"][i])
        if int(rung) >= 0 and runs["split"][i] not in races[key]:
            races[key].append(runs["split"][i])
    return {k: sorted(v) for k, v in sorted(races.items())}


def halving_table(runs, model, ablation, split):
    """The race of one (model, ablation, split): {"metric", "budgets": [epochs of rung r],
    "points": [...], "cuts": [(points ranked, points going on) per rung but the last]}, each
    point a dict: point (as in the rung tables), variant, rungs (its rung r's mean, sd (sample,
    NaN for one seed) and n over seeds of the validation metric, per rung it trained),
    finished, halved (the rung it stopped at, None when finished). The means are checked
    against the rung tables' scores (a table of another sweep fails)."""
    rungs = runs.get("rung", [-1] * len(runs["model"]))
    idx = [i for i in range(len(runs["model"])) if int(rungs[i]) >= 0
           and (runs["model"][i], runs["ablation"][i], runs["split"][i]) == (model, ablation, split)]
    if not idx:
        raise SystemExit(f"plots: no runs of {model} {ablation} {split} in rungs")
    seeds = defaultdict(list)  # point -> [(run index, root, last rung)]
    for i in idx:
        m = RUN_OF_RUNG.fullmatch(runs["path"][i])
        if not m or int(m.group(3)) != int(runs["rung"][i]):
            raise SystemExit(f'plots: run "{runs["path"][i]}" of rung {runs["rung"][i]}: not .../seed~N/rung~R/run.h5')
        seeds[m.group(2).rstrip("/") or "-"].append((i, m.group(1), int(runs["rung"][i])))
    last = max(r for rs in seeds.values() for _, _, r in rs)
    root = next(iter(seeds.values()))[0][1]
    tables = []
    for r in range(last + 1):
        tables.append(read_rung_table(f"{root}halving/model~{model}/ablation~{ablation}/split~{split}/rung~{r}.tsv"))
    metric = tables[0][0]
    budgets = [None] * (last + 1)
    points = []
    for point, members in sorted(seeds.items()):
        reached = {r for _, _, r in members}
        if len(reached) != 1:
            raise SystemExit(f"plots: {model} {ablation} {split} {point}: its seeds stopped at rungs {sorted(reached)}")
        top = reached.pop()
        halved = halved_rung(runs, members[0][0])
        if (halved is None) != (top == last) or (halved is not None and halved != top):
            raise SystemExit(f"plots: {model} {ablation} {split} {point}: stopped "
                             f'"{runs["stopped"][members[0][0]]}" at rung {top} of {last + 1}')
        per_rung = []
        for r in range(top + 1):
            values = []
            for i, _, _ in members:
                budget, v = rung_value(re.sub(r"/rung~\d+/run\.h5$", f"/rung~{r}/run.h5", runs["path"][i]), metric)
                if budgets[r] not in (None, budget):
                    raise SystemExit(f"plots: {model} {ablation} {split}: rung {r} ran {budgets[r]} "
                                     f"and {budget} epochs")
                budgets[r] = budget
                values.append(v)
            mean = math.fsum(values) / len(values)
            score, survives = tables[r][1].get(point, (None, None))
            if score is None or not (math.isclose(score, mean, rel_tol=1e-9, abs_tol=1e-12)
                                     or (math.isnan(score) and math.isnan(mean))):
                raise SystemExit(f"plots: {model} {ablation} {split} {point} rung {r}: the seeds' mean {mean} is not "
                                 f"the rung table's score {score} (a table of another sweep?)")
            per_rung.append({"mean": mean, "sd": float(np.std(values, ddof=1)) if len(values) > 1 else math.nan,
                             "n": len(values)})
        points.append({"point": point, "variant": grid_of(runs)[members[0][0]], "rungs": per_rung,
                       "finished": halved is None, "halved": halved})
    cuts = [(len(t[1]), sum(s == "yes" for _, s in t[1].values())) for t in tables[:-1]]
    return {"metric": metric, "budgets": budgets, "points": points, "cuts": cuts}


def draw_halving(runs, model, ablation):
    """The figure of halving_figure, not saved: a panel per split; x the rungs' epoch budgets,
    y the validation metric the race ranked by, after each rung (mean over seeds, bars ± sd);
    a line per grid point (gid: its point), ending at the rung it was halved at (grey, an x
    there), the finished points in colour; per rung but the last, the survivors' cut (red
    dashes halfway between the last point going on and the first halved, gid "cut <r>")."""
    splits = halving_races(runs)[(model, ablation)]
    fig, axes = plt.subplots(1, len(splits), squeeze=False, figsize=(1.5 + 5 * len(splits), 4.6))
    metric = None
    for ax, split in zip(axes[0], splits):
        race = halving_table(runs, model, ablation, split)
        metric, budgets = race["metric"], race["budgets"]
        sign = 1.0 if metric in LOWER_IS_BETTER else -1.0
        colour = 0
        for p in sorted(race["points"], key=lambda p: p["finished"]):  # the finished on top
            xs = budgets[:len(p["rungs"])]
            ys = [r["mean"] for r in p["rungs"]]
            sds = [r["sd"] for r in p["rungs"]]
            if p["finished"]:
                c = plt.cm.tab10(colour % 10)
                colour += 1
                ax.plot(xs, ys, marker="o", color=c, linewidth=2, zorder=3, gid=p["point"],
                        label=f"{p['variant'] or p['point']} (finished, seeds: {p['rungs'][-1]['n']})")
            else:
                c = "0.55"
                ax.plot(xs, ys, marker="o", markersize=3, color=c, linewidth=0.9, alpha=0.8, gid=p["point"])
                ax.plot(xs[-1:], ys[-1:], marker="x", color=c, markersize=7, linestyle="none")
            if p["rungs"][0]["n"] > 1:
                ax.errorbar(xs, ys, yerr=sds, fmt="none", ecolor=c, capsize=2, alpha=0.8,
                            zorder=3 if p["finished"] else 2)
        for r, (ranked, kept) in enumerate(race["cuts"]):
            on = [p["rungs"][r]["mean"] for p in race["points"] if len(p["rungs"]) > r + 1]
            off = [p["rungs"][r]["mean"] for p in race["points"] if p["halved"] == r]
            on, off = [v for v in on if not math.isnan(v)], [v for v in off if not math.isnan(v)]
            y = None
            if on and off:
                worst_on = max(on, key=lambda v: sign * v)
                best_off = min(off, key=lambda v: sign * v)
                y = (worst_on + best_off) / 2
                ax.plot([budgets[r] / 1.3, budgets[r] * 1.3], [y, y], color="tab:red", linestyle="--",
                        linewidth=1.5, zorder=4, gid=f"cut {r}")
            ax.annotate(f"{kept} of {ranked} go on", (budgets[r], y if y is not None else 0.0),
                        xycoords=("data", "data" if y is not None else "axes fraction"),
                        xytext=(0, 4), textcoords="offset points", ha="center", fontsize=7, color="tab:red")
        ax.set_xscale("log")
        ax.set_xticks(budgets, [f"{b}\nrung {r}" for r, b in enumerate(budgets)])
        ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        ax.set_xlim(budgets[0] / 1.6, budgets[-1] * 1.6)
        ax.set_xlabel("epochs trained (rung's budget)")
        ax.set_ylabel(f"validation {metric} after the rung")
        ax.set_title(f"split: {split}: {len(race['points'])} points", fontsize=10)
        handles, labels = ax.get_legend_handles_labels()
        handles += [matplotlib.lines.Line2D([], [], color="0.55", marker="x", linewidth=0.9),
                    matplotlib.lines.Line2D([], [], color="tab:red", linestyle="--")]
        labels += ["halved (x: after that rung)", "survivors' cut"]
        ax.legend(handles, labels, fontsize=7, frameon=False)
    fig.suptitle(f"Successive halving of {variant(model, ablation)}: the validation {metric}\n"
                 "each rung ranked by, mean over seeds, bars ± sd over seeds;\n"
                 "lines end where a point was halved", fontsize=10)
    fig.tight_layout()
    return fig


def halving_figure(runs, model, ablation, path):
    fig = draw_halving(runs, model, ablation)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def sweep_figures(runs, directory, halving_dir=None):
    """DIRECTORY/sweep_<key>.png (the key as in the config, dots kept, like the run paths'
    <key>~<value>) for each grid key of the report's variants, none without a grid; under
    sweep.search halving also HALVING_DIR/halving_<model>[+<ablation>].png per racing model and
    ablation (halving_figure; HALVING_DIR defaults to DIRECTORY). Earlier sweep_*.png and
    halving_*.png there are removed first, so that no key of an older grid lingers. `runs`:
    every run, the halved ones included."""
    halving_dir = halving_dir or directory
    for d, pattern in ((directory, "sweep_*.png"), (halving_dir, "halving_*.png")):
        os.makedirs(d, exist_ok=True)
        for old in glob.glob(os.path.join(glob.escape(d), pattern)):
            os.remove(old)
    paths = []
    for key in grid_keys(runs):
        paths.append(os.path.join(directory, f"sweep_{key}.png"))
        sweep_figure(runs, key, paths[-1])
    for model, ablation in halving_races(runs):
        paths.append(os.path.join(halving_dir, f"halving_{variant(model, ablation)}.png"))
        halving_figure(runs, model, ablation, paths[-1])
    return paths


def main(report, samples, bars, curves_png, pred_png, attention_png, sweeps_dir, halving_dir=None):
    with h5py.File(report, "r") as f:
        every = read_runs(f)
        runs = finished_runs(every)  # a halving sweep's points halved early: in the sweep figures only
        bar_chart(runs, bars)
        learning_curves(f, runs, curves_png)
    pred_vs_true(runs, samples, pred_png)
    attention_share(runs, attention_png)
    sweeps = sweep_figures(every, sweeps_dir, halving_dir)
    print(f"plots: wrote {bars}, {curves_png}, {pred_png}, {attention_png} and {len(sweeps)} sweep figures "
          f"in {sweeps_dir} ({len(runs[METRIC])} finished runs of {len(every[METRIC])})")


if __name__ == "__main__":
    if "snakemake" in globals():
        sm = globals()["snakemake"]
        with open(sm.log[0], "w") as log:
            sys.stdout = sys.stderr = log
            main(sm.input.report, sm.input.samples, sm.output.bars, sm.output.curves, sm.output.pred,
                 sm.output.attention, sm.output.sweeps, sm.output.halving)
    elif len(sys.argv) in (8, 9):
        main(*sys.argv[1:])
    else:
        sys.exit(__doc__)
