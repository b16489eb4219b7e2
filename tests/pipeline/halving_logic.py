"""The successive-halving logic of workflow/scripts/halving.py, with answers worked by hand: the
rungs' epoch budgets, how many points survive, the ranking (mean over a point's seeds, lower
better for mse/rmse, NaN last, ties broken by the point's name whatever the input order), the
rung table's round trip, and reading a run.h5's validation metric.
  halving_logic.py"""
import importlib.util
import itertools
import math
import os
import random
import sys
import tempfile

import h5py
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
spec = importlib.util.spec_from_file_location("halving", os.path.join(ROOT, "workflow/scripts/halving.py"))
halving = importlib.util.module_from_spec(spec)
spec.loader.exec_module(halving)


def check(what, got, want):
    if got != want:
        sys.exit(f"FAIL: {what}: got {got!r}, want {want!r}")
    print(f"ok: {what}")


# Budgets: min_epochs * eta^r below train.epochs, then train.epochs.
check("budgets 27/1/3", halving.budgets(27, 1, 3), [1, 3, 9, 27])
check("budgets 30/3/3", halving.budgets(30, 3, 3), [3, 9, 27, 30])
check("budgets 8/2/2", halving.budgets(8, 2, 2), [2, 4, 8])
check("budgets min >= epochs: one rung", halving.budgets(5, 5, 3), [5])
check("budgets min > epochs: one rung", halving.budgets(5, 9, 3), [5])
for bad in [(0, 1, 3), (5, 0, 3), (5, 1, 1)]:
    try:
        halving.budgets(*bad)
    except ValueError:
        continue
    sys.exit(f"FAIL: budgets{bad} accepted")
print("ok: bad budgets refused")

# Survivors: ceil(n / eta), at least one.
check("keep 16/3", halving.keep_count(16, 3), 6)
check("keep 6/3", halving.keep_count(6, 3), 2)
check("keep 2/3", halving.keep_count(2, 3), 1)
check("keep 1/2", halving.keep_count(1, 2), 1)
check("keep 5/2", halving.keep_count(5, 2), 3)

# Seeds together: a point's score is the mean over its seeds. Point b has the best single seed
# (0.9) but the worse mean (0.5); a's mean is 0.6.
scores = {"x~a/": [0.6, 0.6], "x~b/": [0.9, 0.1], "x~c/": [0.2, 0.3]}
rows = halving.rank_points(scores, "pearson", 3)
check("ranked by the mean over seeds", [r[1] for r in rows], ["x~a/", "x~b/", "x~c/"])
check("one of three survives (eta 3)", [r[4] for r in rows], [True, False, False])
check("ranks and seed counts", [(r[0], r[3]) for r in rows], [(1, 2), (2, 2), (3, 2)])
if not math.isclose(rows[1][2], 0.5):
    sys.exit(f"FAIL: score of x~b/ {rows[1][2]}, want 0.5")

# Lower is better for mse and rmse.
rows = halving.rank_points({"p~1/": [3.0], "p~2/": [1.0], "p~3/": [2.0]}, "mse", 2)
check("mse: lowest first", [r[1] for r in rows], ["p~2/", "p~3/", "p~1/"])
check("mse: ceil(3/2) survive", [r[4] for r in rows], [True, True, False])

# Ties broken by the point's name, whatever order the points come in; NaN (any seed) last.
points = {f"k~{v}/": [0.5, 0.5] for v in "dcab"}
points["k~e/"] = [float("nan"), 0.9]
points["k~0/"] = [0.1, 0.1]
want = ["k~a/", "k~b/", "k~c/", "k~d/", "k~0/", "k~e/"]
orders = list(itertools.permutations(points))
random.Random(7).shuffle(orders)
for order in orders[:50]:
    rows = halving.rank_points({p: points[p] for p in order}, "pearson", 2)
    if [r[1] for r in rows] != want:
        sys.exit(f"FAIL: order {order} ranked {[r[1] for r in rows]}, want {want}")
print("ok: ties broken by name in any input order; NaN last")
rows = halving.rank_points({p: points[p] for p in points}, "pearson", 2)
check("tie at the cut: by name", [r[1] for r in rows if r[4]], ["k~a/", "k~b/", "k~c/"])

# The last rung halves no one.
rows = halving.rank_points(scores, "pearson", 3, last=True)
check("last rung: no survivors", [r[4] for r in rows], [False, False, False])

# The rung table: written and read back; survivors best first; "" (no grid) as "-".
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "rung~0.tsv")
    rows = halving.rank_points({"": [0.3], "x~a/": [0.1]}, "pearson", 2)
    halving.write_rung(path, rows, "pearson")
    check("table round trip", halving.read_rung(path), rows)
    check("survivors from the table", halving.survivors(path), [""])
    with open(path) as fh:
        body = fh.read().splitlines()
    check("table rows", body[1:], ["rank\tpoint\tscore\tseeds\tsurvives", "1\t-\t0.3\t1\tyes", "2\tx~a\t0.1\t1\tno"])
    halving.write_rung(path, halving.rank_points({"x~a/": [0.1]}, "pearson", 2, last=True), "pearson", last=True)
    check("last rung's table", open(path).read().splitlines()[2], "1\tx~a\t0.1\t1\tfinished")
    check("last rung: no survivors read", halving.survivors(path), [])

    # A run.h5's validation metric (the layout of kgpert train's /metrics).
    run = os.path.join(tmp, "run.h5")
    with h5py.File(run, "w") as f:
        f["metrics/names"] = np.array([b"mse", b"pearson"])
        f["metrics/val"] = np.array([0.25, 0.75])
        f["metrics/test"] = np.array([0.5, 0.125])
    check("validation pearson of a run", halving.val_metric(run, "pearson"), 0.75)
    check("validation mse of a run", halving.val_metric(run, "mse"), 0.25)
    try:
        halving.val_metric(run, "r2")
        sys.exit("FAIL: a missing metric was read")
    except ValueError as e:
        check("a missing metric is an error naming it", 'no validation metric "r2"' in str(e), True)
print("halving_logic: all checks passed")
