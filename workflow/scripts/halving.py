"""Successive halving of a sweep's grid (sweep.search: halving; README, "Successive halving").

The grid points of one (model, ablation, split) compete; a point is one sweep.grid combination
with all its seeds. Rung r trains the points still in the race to budgets(...)[r] epochs, each
seed going on from its own run of rung r - 1 (`kgpert train --resume-from`, bit-identical to an
uninterrupted run of that length). After the rung, the points are ranked by the mean over their
seeds of a validation metric, ties broken by the point's name; the best ceil(n / eta) (at least
one) go on to rung r + 1. The last rung trains to train.epochs and stops no one.

Pure functions (no Snakemake): the workflow (workflow/rules/common.smk, train.smk) and the tests
(tests/pipeline/halving_logic.py) import this file.
"""
import math
import re

# Validation metrics where lower is better; the others (pearson, spearman, gene_pearson, r2)
# are better higher.
LOWER_IS_BETTER = {"mse", "rmse"}

HEADER = ["rank", "point", "score", "seeds", "survives"]


def budgets(epochs, min_epochs, eta):
    """The epochs of each rung: min_epochs * eta^r while below `epochs`, then `epochs` itself
    (one rung, plain training, when min_epochs >= epochs)."""
    if epochs < 1 or min_epochs < 1 or eta < 2:
        raise ValueError(f"budgets: epochs {epochs}, min_epochs {min_epochs}, eta {eta}")
    out, b = [], min_epochs
    while b < epochs:
        out.append(b)
        b *= eta
    out.append(epochs)
    return out


def keep_count(n, eta):
    """How many of n points survive a rung: ceil(n / eta), at least one."""
    return max(1, -(-n // eta))


def rank_points(scores, metric, eta, last=False):
    """Ranks the points of one rung. scores: {point: [the metric of each seed]} (point: the hp
    path of the grid values, "" without a grid). Returns rows (rank, point, score, seeds,
    survives), best first: score is the mean over the seeds (NaN when any is NaN: such a point
    ranks last), ties broken by the point's name, the first keep_count() survive (none when
    `last`: the last rung's points are finished, not halved)."""
    if not scores:
        raise ValueError("rank_points: no points")
    sign = 1.0 if metric in LOWER_IS_BETTER else -1.0
    rows = []
    for point, values in scores.items():
        if not values:
            raise ValueError(f"rank_points: point {point!r} has no runs")
        mean = math.fsum(values) / len(values)
        rows.append((point, mean, len(values)))

    def key(row):
        point, mean, _ = row
        bad = math.isnan(mean)
        return (bad, 0.0 if bad else sign * mean, point)

    rows.sort(key=key)
    keep = 0 if last else keep_count(len(rows), eta)
    return [(i + 1, p, m, n, i < keep) for i, (p, m, n) in enumerate(rows)]


def point_text(point):
    """A point (hp path, "key~value/..." or "") as one TSV field."""
    return point.rstrip("/") if point else "-"


def point_of(text):
    return "" if text == "-" else text + "/"


def write_rung(path, rows, metric, last=False):
    """The rung's table: survives is yes or no, "finished" at the last rung."""
    with open(path, "w") as fh:
        fh.write(f"# ranked by the validation {metric}, mean over seeds; ties by point\n")
        fh.write("\t".join(HEADER) + "\n")
        for rank, point, score, seeds, survives in rows:
            word = "finished" if last else "yes" if survives else "no"
            fh.write(f"{rank}\t{point_text(point)}\t{score!r}\t{seeds}\t{word}\n")


def read_rung(path):
    """The rows of a rung's TSV, as rank_points returns them."""
    rows = []
    with open(path) as fh:
        lines = [l.rstrip("\n") for l in fh if not l.startswith("#")]
    if not lines or lines[0].split("\t") != HEADER:
        raise ValueError(f'{path}: not a halving rung table (header {HEADER})')
    for line in lines[1:]:
        rank, point, score, seeds, survives = line.split("\t")
        rows.append((int(rank), point_of(point), float(score), int(seeds), survives == "yes"))
    return rows


def survivors(path):
    """The points of a rung's TSV that go on to the next rung, best first."""
    return [point for _, point, _, _, keep in read_rung(path) if keep]


def val_metric(run_h5, metric):
    """The validation `metric` of a run.h5 (its /metrics/names and /metrics/val)."""
    import h5py

    with h5py.File(run_h5, "r") as f:
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in f["metrics/names"][()]]
        if metric not in names:
            raise ValueError(f'{run_h5}: no validation metric "{metric}" (it has {", ".join(names)})')
        return float(f["metrics/val"][()][names.index(metric)])


def point_of_run(path):
    """The point (hp path) of a rung's run.h5: .../split~S/<hp>seed~N/rung~R/run.h5."""
    m = re.search(r"/split~[^/]+/(.*)seed~\d+/rung~\d+/run\.h5$", path)
    if not m:
        raise ValueError(f"{path}: not the run.h5 of a rung")
    return m.group(1)


def rank_rung(runs, table, log, metric, eta, last):
    """Rule halving_rung: ranks the points of a rung's runs (every seed of each) into `table`."""
    scores = {}
    for path in runs:
        scores.setdefault(point_of_run(path), []).append(val_metric(path, metric))
    rows = rank_points(scores, metric, eta, last=last)
    write_rung(table, rows, metric, last=last)
    with open(log, "w") as fh:
        kept = sum(r[4] for r in rows)
        fh.write(f"{len(rows)} points ranked by the validation {metric}; "
                 + ("the last rung: all finished\n" if last else f"{kept} survive\n"))


if __name__ == "__main__" and "snakemake" in globals():  # rule halving_rung
    sm = globals()["snakemake"]
    rank_rung(list(sm.input), sm.output[0], sm.log[0], sm.params.metric, sm.params.eta, sm.params.last)
