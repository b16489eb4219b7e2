#!/usr/bin/python3
"""Expected evaluation metrics for tests/train/test_metrics.cpp, computed with numpy and scipy.stats.

Each case is a fixed pred/truth pair [signatures, genes] whose values lie on a 1/1024 grid, so
float32 holds them exactly and the C++ code sees the very numbers used here. The cases have what
the conventions of src/train/metrics.hpp are about: tied values within a signature, exact zeros in
truth and prediction, a signature whose prediction is constant, gene columns constant in truth
(once predicted exactly, once not), a signature whose most up-regulated genes are not positive,
more than 100 genes (the DeepCE top-100 truth set matters), fewer than 100 genes (k and the truth
set are capped) with ties at the middle of a signature, and a single signature.

Conventions (the choices documented in metrics.hpp, implemented here from their definitions):
  pearson, spearman      mean over signatures of scipy.stats.pearsonr / spearmanr across genes;
                         0 for a constant side or fewer than 2 values
  gene_pearson           mean over genes of scipy.stats.pearsonr across signatures, same rule
  r2                     sklearn's r2_score(truth, pred) with outputs = genes: mean over genes of
                         1 - SS_res / SS_tot; a gene constant in truth gives 1 if predicted
                         exactly, else 0
  prec_up@k/prec_down@k  DeepCE: truth set = the min(100, G) largest (smallest) true values,
                         |k' largest (smallest) predictions ∩ truth set| / k', k' = min(k, 100, G)
  wrong_sign@k           the k' = min(k, G) largest and the k' smallest true values of a
                         signature (a gene in both counts twice); fraction of these 2k' whose
                         predicted sign (-1, 0, +1) differs from the true sign
  Selections order by value and break ties by the lower gene index.

Run:
    /usr/bin/python3 tests/reference/metrics_reference.py > tests/reference/metrics_reference.txt
Format: '#' comment lines; per case "case NAME rows R cols G", a line "pred" + R*G values
(row-major), a line "truth" + R*G values, then "metric NAME VALUE" lines in the order of
kg::metric_names(). Values are written with %.17g.
"""
import sys

import numpy as np
import scipy
import scipy.stats

KS = (10, 20, 50, 100)
DEG_TRUTH = 100
GRID = 1024.0


def corr_or_zero(fn, x, y):
    """fn(x, y) correlation; 0 where it is undefined (constant side or n < 2)."""
    if len(x) < 2 or np.all(x == x[0]) or np.all(y == y[0]):
        return 0.0
    return float(fn(x, y)[0])


def r2_per_gene(p, t):
    """1 - SS_res / SS_tot of one gene across signatures, sklearn's force_finite rule."""
    ss_res = float(np.sum((t - p) ** 2))
    if np.all(t == t[0]):
        return 1.0 if ss_res == 0.0 else 0.0
    ss_tot = float(np.sum((t - np.mean(t)) ** 2))
    return 1.0 - ss_res / ss_tot


def order(x, up):
    """Gene indices from the most to the least extreme value; ties to the lower index."""
    return np.argsort(-x if up else x, kind="stable")


def prec(p, t, k, up):
    n = len(t)
    truth_set = set(order(t, up)[: min(DEG_TRUTH, n)].tolist())
    kk = min(k, DEG_TRUTH, n)
    return len(truth_set.intersection(order(p, up)[:kk].tolist())) / kk


def wrong_sign(p, t, k):
    kk = min(k, len(t))
    sel = np.concatenate([order(t, True)[:kk], order(t, False)[:kk]])
    return float(np.mean(np.sign(p[sel]) != np.sign(t[sel])))


def metrics(p, t):
    rows, cols = t.shape
    mse = float(np.mean((p - t) ** 2))
    m = [("mse", mse), ("rmse", float(np.sqrt(mse)))]
    m.append(("pearson", np.mean([corr_or_zero(scipy.stats.pearsonr, p[r], t[r]) for r in range(rows)])))
    m.append(("spearman", np.mean([corr_or_zero(scipy.stats.spearmanr, p[r], t[r]) for r in range(rows)])))
    m.append(("gene_pearson", np.mean([corr_or_zero(scipy.stats.pearsonr, p[:, g], t[:, g]) for g in range(cols)])))
    m.append(("r2", np.mean([r2_per_gene(p[:, g], t[:, g]) for g in range(cols)])))
    for up in (True, False):
        for k in KS:
            name = f"prec_{'up' if up else 'down'}@{k}"
            m.append((name, np.mean([prec(p[r], t[r], k, up) for r in range(rows)])))
    for k in KS:
        m.append((f"wrong_sign@{k}", np.mean([wrong_sign(p[r], t[r], k) for r in range(rows)])))
    return [(n, float(v)) for n, v in m]


def base(rng, rows, cols):
    """Integer truth in [-3072, 3072] and a noisy, shrunk integer prediction of it."""
    t = rng.integers(-3072, 3073, size=(rows, cols))
    noise = rng.integers(-1500, 1501, size=(rows, cols))
    p = np.rint(0.6 * t + noise).astype(np.int64)
    return p, t


def tie_ranks(x, up, lo, hi):
    """Gives the genes at ranks lo..hi-1 of x (from the largest, or the smallest) one value, so
    that a selection cut inside that range has to break ties."""
    idx = order(x, up)[lo:hi]
    x[idx] = x[idx[(hi - lo) // 2]]


def case_main(rng):
    rows, cols = 7, 130
    p, t = base(rng, rows, cols)
    p[3, :] = 512              # constant prediction (0.5): correlations 0
    t[:, 5] = 256              # constant true gene, mispredicted: r2 contribution 0
    t[:, 6] = -1024            # constant true gene, predicted exactly: r2 contribution 1
    p[:, 6] = -1024
    t[5] = -np.abs(t[5])       # no positive true value: the "up" genes are zeros and negatives
    t[5, 20:23] = 0
    t[1, 40:60] = 0            # exact zeros in truth and prediction
    p[1, 40:50] = 0
    p[4, 100:110] = 0
    p[0, order(t[0], True)[:5]] = 0  # zero predictions of the most up-regulated genes
    # Ties across the cuts: the top-100 truth set, k = 10/20/50 in pred, wrong_sign's k in truth.
    tie_ranks(t[0], True, 95, 106)
    tie_ranks(t[2], False, 95, 106)
    tie_ranks(p[2], True, 45, 56)
    tie_ranks(p[4], False, 5, 16)
    tie_ranks(p[6], True, 17, 24)
    tie_ranks(t[4], False, 15, 26)
    tie_ranks(t[6], True, 7, 13)
    return p, t


def case_wide(rng):
    p, t = base(rng, 3, 240)   # 2 x 100 < 240: top and bottom sets disjoint
    t[1, 200:240] = t[1, 0]
    tie_ranks(t[0], True, 90, 110)
    tie_ranks(p[2], False, 40, 60)
    return p, t


def case_small(rng):
    rows, cols = 5, 30         # fewer than 100 genes: every k is capped
    p, t = base(rng, rows, cols)
    t[0, 10:20] = 100          # ties across the middle: up and down selections share genes
    p[1, :] = np.arange(cols)  # pred is the gene index: many wrong signs, few ties
    t[2, 3] = t[2, 4] = t[2, 5] = 0
    p[2, 3] = 0
    return p, t


def case_one_row(rng):
    p, t = base(rng, 1, 40)    # one signature: gene columns are constant, gene_pearson 0
    p[0, :25] = t[0, :25]      # r2: 25 of 40 genes predicted exactly
    return p, t


def fmt(a):
    return " ".join(f"{float(v):.17g}" for v in a.reshape(-1))


def main():
    rng = np.random.default_rng(20251)
    cases = [("main", case_main(rng)), ("wide", case_wide(rng)), ("small", case_small(rng)),
             ("one_row", case_one_row(rng))]
    out = sys.stdout
    out.write(f"# written by tests/reference/metrics_reference.py: numpy {np.__version__} "
              f"scipy {scipy.__version__}\n")
    for name, (pi, ti) in cases:
        p, t = pi / GRID, ti / GRID  # exact: integers of |x| < 2^24 over a power of two
        assert np.array_equal(p.astype(np.float32).astype(np.float64), p)
        out.write(f"case {name} rows {t.shape[0]} cols {t.shape[1]}\n")
        out.write(f"pred {fmt(p)}\n")
        out.write(f"truth {fmt(t)}\n")
        for mname, v in metrics(p, t):
            out.write(f"metric {mname} {v:.17g}\n")


if __name__ == "__main__":
    main()
