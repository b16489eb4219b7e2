"""Two report.h5 files of the same config and seeds hold the same metrics byte for byte: every
dataset (values, dtype, shape) and every attribute, except the provenance attributes that name
when, where and how the file was made, and the wall-clock time of each epoch
(curves/<run>/seconds), which measures the machine, not the model.
  same_report.py A.h5 B.h5"""
import sys

import h5py
import numpy as np

# Attributes that differ between two runs by design (when, where, with which paths).
PROVENANCE = {"created", "created_at", "timestamp", "time", "host", "hostname", "command", "cmdline",
              "command_line", "cwd", "user", "pid", "wall_s", "elapsed_s", "inputs", "input_paths"}
# Datasets (by last path component) that are timings.
TIMINGS = {"seconds"}


def same(x, y):
    x, y = np.asarray(x), np.asarray(y)
    return x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes() \
        if x.dtype != object else x.shape == y.shape and x.tolist() == y.tolist()


def walk(f):
    out = {}
    f.visititems(lambda name, obj: out.__setitem__(name, obj))
    out["/"] = f
    return out


a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
ia, ib = walk(a), walk(b)
diffs = []
if set(ia) != set(ib):
    diffs.append(f"objects only in one file: {sorted(set(ia) ^ set(ib))}")
n_data, skipped = 0, set()
for name in sorted(set(ia) & set(ib)):
    oa, ob = ia[name], ib[name]
    if isinstance(oa, h5py.Dataset) and name.rsplit("/", 1)[-1] not in TIMINGS:
        n_data += 1
        if not same(oa[()], ob[()]):
            diffs.append(f"dataset {name} differs")
    for key in sorted(set(oa.attrs) | set(ob.attrs)):
        if key in PROVENANCE:
            skipped.add(key)
            continue
        if key not in oa.attrs or key not in ob.attrs:
            diffs.append(f"attribute {name}@{key} is in one file only")
        elif not same(oa.attrs[key], ob.attrs[key]):
            diffs.append(f"attribute {name}@{key} differs: {oa.attrs[key]!r} vs {ob.attrs[key]!r}")
if diffs:
    sys.exit("FAIL: the two report.h5 differ:\n  " + "\n  ".join(diffs))
print(f"ok: the two report.h5 are the same byte for byte ({n_data} datasets; "
      f"provenance attributes {sorted(skipped)} and the epoch timings aside)")
