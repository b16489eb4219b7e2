"""Checks a report.h5 and its `kgpert compare --format csv` output against the sweep of a config:
every expected run present once, metrics finite, Pearson in (-1, 1), precisions and wrong-sign
fractions in [0, 1], R² at most 1, curves per run, and a CSV with the documented header
(model,ablation,split, then <metric>_mean,<metric>_std pairs, n) and one row per group whose
means match the runs; its attribute python_env names the Python running this check and the
versions installed here of the workflow's packages (the check runs with the workflow's venv).
The expected runs are the workflow's own expansion of the sweep (workflow/scripts/sweep.py, with
kgpert's registry of closed-form models: $KGPERT, else build/kgpert); CONFIG's sweep has no grid.
    check_report.py REPORT.h5 CONFIG.yaml COMPARE.csv
"""
import csv
import importlib.metadata
import math
import os
import platform
import sys
from pathlib import Path

import h5py
import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "workflow" / "scripts"))
import sweep  # noqa: E402

errors = []


def check(cond, msg):
    if not cond:
        errors.append(msg)
    return cond


def text(ds):
    return [v.decode() if isinstance(v, bytes) else str(v) for v in ds[()]]


def expected_runs(cfg):
    """{(model, ablation, split, seed)} as the workflow expands the sweep (closed-form models
    with the first seed only)."""
    if cfg["sweep"].get("grid"):
        sys.exit("check_report.py: checks sweeps without sweep.grid (run ids carry no variant)")
    reg = sweep.read_registry(os.environ.get("KGPERT", str(ROOT / "build" / "kgpert")))
    closed_form = {m["name"] for m in reg["models"] if m["closed_form"]}
    points = sweep.sweep_points(cfg["sweep"], closed_form, lambda model: [""])
    return {(m, a, s, int(n)) for m, a, s, _, n in points}


def check_runs(f, want):
    r = f["runs"]
    ids = text(r["run_id"])
    got = list(zip(text(r["model"]), text(r["ablation"]), text(r["split"]), map(int, r["seed"][()])))
    check(len(got) == len(set(got)), f"duplicate runs: {got}")
    check(set(got) == want, f"runs {sorted(set(got))} != expected {sorted(want)}")
    for rid, (m, a, s, n) in zip(ids, got):
        check(rid == f"{m}_{a}_{s}_seed{n}", f"run_id {rid} does not match {m},{a},{s},{n}")
    metric_cols = [k for k in r if k.startswith(("test_", "val_"))]
    check("test_pearson" in metric_cols, "no /runs/test_pearson")
    for col in metric_cols:
        v = r[col][()].astype(float)
        check(np.all(np.isfinite(v)), f"/runs/{col} not finite: {v}")
        if col.endswith("pearson") or col.endswith("spearman"):
            check(np.all((v > -1) & (v < 1)), f"/runs/{col} outside (-1, 1): {v}")
        if "_prec_" in col or "_wrong_sign@" in col:
            check(np.all((v >= 0) & (v <= 1)), f"/runs/{col} outside [0, 1]: {v}")
        if col.endswith("_r2"):
            check(np.all(v <= 1), f"/runs/{col} above 1: {v}")
    epochs_run = r["epochs_run"][()]
    for rid, e in zip(ids, epochs_run):
        g = f.get(f"curves/{rid}")
        if not check(g is not None, f"no /curves/{rid}"):
            continue
        for name in ("epoch", "train_loss", "val_loss", "val_pearson"):
            if check(name in g, f"/curves/{rid} has no {name}"):
                check(len(g[name]) == e, f"/curves/{rid}/{name}: {len(g[name])} values, {e} epochs run")
                check(np.all(np.isfinite(g[name][()])), f"/curves/{rid}/{name} not finite")
    return {k: (text(d) if d.dtype.kind in "OSU" else d[()]) for k, d in r.items() if isinstance(d, h5py.Dataset)}


def check_csv(path, runs, want):
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    if not check(len(rows) >= 2, f"{path}: no rows"):
        return
    header, body = rows[0], rows[1:]
    check(header[:3] == ["model", "ablation", "split"], f"{path}: header starts {header[:3]}")
    check(header[-1] == "n", f"{path}: last column {header[-1]!r}, want n")
    middle = header[3:-1]
    check(len(middle) >= 2 and len(middle) % 2 == 0, f"{path}: metric columns {middle}")
    for mean, std in zip(middle[::2], middle[1::2]):
        check(mean.endswith("_mean") and std == mean[: -len("_mean")] + "_std",
              f"{path}: columns {mean},{std} are not a <metric>_mean,<metric>_std pair")
    groups = {(m, a, s) for m, a, s in zip(runs["model"], runs["ablation"], runs["split"])}
    got = [tuple(row[:3]) for row in body]
    check(len(got) == len(set(got)) and set(got) == groups, f"{path}: groups {got} != {sorted(groups)}")
    pearson_col = next((c for c in ("pearson_mean", "test_pearson_mean") if c in header), None)
    check(pearson_col is not None, f"{path}: no pearson_mean column")
    for row in body:
        if len(row) != len(header):
            check(False, f"{path}: row {row} has {len(row)} fields, header {len(header)}")
            continue
        rec = dict(zip(header, row))
        seeds = sum(1 for run in want if run[:3] == tuple(row[:3]))
        check(int(rec["n"]) == seeds, f"{path}: n={rec['n']} for {row[:3]}, want {seeds}")
        if pearson_col:
            mean = np.mean([v for m, a, s, v in zip(runs["model"], runs["ablation"], runs["split"],
                                                    runs["test_pearson"]) if (m, a, s) == tuple(row[:3])])
            check(math.isclose(float(rec[pearson_col]), mean, rel_tol=1e-4, abs_tol=1e-6),
                  f"{path}: {pearson_col}={rec[pearson_col]} for {row[:3]}, runs give {mean}")


def check_python_env(f):
    """python_env: `python -VV` (this Python's version) and `pip freeze --all` of the venv."""
    env = f.attrs.get("python_env")
    if not check(env is not None, "no attribute python_env (the workflow's Python packages)"):
        return
    lines = (env.decode() if isinstance(env, bytes) else env).splitlines()
    check(lines and lines[0].startswith(f"Python {platform.python_version()} "),
          f"python_env: first line {lines[:1]} is not this Python's version ({platform.python_version()})")
    for pkg in ("snakemake", "snakemake-executor-plugin-slurm", "h5py", "matplotlib", "numpy", "pandas"):
        want = f"{pkg}=={importlib.metadata.version(pkg)}"
        check(any(line.lower().replace("_", "-") == want for line in lines), f"python_env lacks {want}")


def main(report, config, compare_csv):
    with open(config) as fh:
        cfg = yaml.safe_load(fh)
    with h5py.File(report, "r") as f:
        fmt = f.attrs.get("format")
        fmt = fmt.decode() if isinstance(fmt, bytes) else fmt
        check(fmt == "kgpert-report-1", f"format attribute {fmt!r}")
        want = expected_runs(cfg)
        runs = check_runs(f, want)
        check_python_env(f)
    check_csv(compare_csv, runs, want)
    for e in errors:
        print(f"FAIL: {e}", file=sys.stderr)
    if errors:
        sys.exit(1)
    print(f"ok: report.h5 ({len(runs['run_id'])} runs) and compare.csv")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
