"""Two run.h5 files of the same config hold the same training bit for bit: curves, metrics,
test predictions, best epoch, epochs run and parameter count (not the provenance).
  same_run.py A.h5 B.h5 WHAT     (WHAT names B in the messages, e.g. "resumed")"""
import sys

import h5py
import numpy as np

a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
what = sys.argv[3]
names = ["curves/epoch", "curves/train_loss", "curves/val_loss", "curves/val_pearson", "curves/lr",
         "metrics/test", "metrics/val", "test/sig_index", "test/pred"]
for n in names:
    if not np.array_equal(a[n][()], b[n][()]):
        sys.exit(f"FAIL: {n} differs between the uninterrupted and the {what} run")
for n in ["best_epoch", "epochs_run", "n_params"]:
    if a.attrs[n] != b.attrs[n]:
        sys.exit(f"FAIL: attribute {n} differs: {a.attrs[n]} vs {b.attrs[n]}")
pearson = dict(zip(a["metrics/names"].asstr()[()], a["metrics/test"][()]))["pearson"]
print(f"ok: the {what} run.h5 equals the uninterrupted one bit for bit (test pearson {pearson:.6f})")
