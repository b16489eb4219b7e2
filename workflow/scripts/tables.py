"""The comparison tables of the HTML report as one HTML page: compare.csv (`kgpert compare
--format csv`: the test metrics, mean and sd over seeds, per split x model x ablation [x grid
variant]) and compare_paired.csv (`kgpert compare --paired --format csv`: A - B test Pearson
with its 95% CI). Run by the `tables` rule, or by hand:
    python workflow/scripts/tables.py COMPARE.csv COMPARE_PAIRED.csv OUT.html
"""
import csv
import html
import math
import os
import sys

# The metrics of the main table (the columns of compare.txt); the others are under "all metrics".
MAIN = ["pearson", "spearman", "rmse", "prec_up@50", "prec_down@50"]
PAIRED_NEEDS = ["split", "a", "b", "seeds", "groups", "unit", "pearson_diff", "ci_low", "ci_high", "t", "p"]

STYLE = """
body { font-family: sans-serif; font-size: 14px; margin: 1em; color: #222; }
h1 { font-size: 18px; } h2 { font-size: 16px; margin-top: 1.5em; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #bbb; padding: 3px 8px; }
th { background: #eee; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.sig td { font-weight: bold; }
p.note { color: #555; font-size: 12px; max-width: 60em; }
"""


def read_csv(path, needs, empty_ok=False):
    with open(path, newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        fields = list(reader.fieldnames or [])
    if not rows and not empty_ok:
        raise SystemExit(f'tables: "{path}": no rows')
    missing = [c for c in needs if c not in fields]
    if missing:
        raise SystemExit(f'tables: "{path}": no column {", ".join(missing)}')
    return rows, fields


def number(text):
    try:
        v = float(text)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def fmt(text, digits=3, sign=False):
    v = number(text)
    if v is None:
        return "–"
    return f"{v:+.{digits}f}" if sign else f"{v:.{digits}f}"


def mean_sd(row, metric):
    mean, sd = fmt(row[f"{metric}_mean"]), number(row.get(f"{metric}_std"))
    return mean if sd is None else f"{mean} ± {sd:.3f}"


def table(table_id, header, rows, numeric, row_class=None):
    """An HTML table; `rows` are lists of texts, `numeric` the column indices to align right."""
    out = [f'<table id="{table_id}">', "<thead><tr>"]
    out += [f"<th>{html.escape(h)}</th>" for h in header]
    out.append("</tr></thead><tbody>")
    for k, row in enumerate(rows):
        cls = f' class="{row_class[k]}"' if row_class and row_class[k] else ""
        cells = "".join(f'<td class="num">{html.escape(c)}</td>' if i in numeric else f"<td>{html.escape(c)}</td>"
                        for i, c in enumerate(row))
        out.append(f"<tr{cls}>{cells}</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def metrics_tables(rows, fields):
    keys = [c for c in ("split", "model", "ablation", "variant") if c in fields]
    if "variant" in keys and not any(r["variant"] for r in rows):
        keys.remove("variant")
    metrics = [c[: -len("_mean")] for c in fields if c.endswith("_mean")]
    main = [m for m in MAIN if m in metrics]
    header = keys + ["n"] + main
    body = [[r[k] for k in keys] + [r.get("n", "")] + [mean_sd(r, m) for m in main] for r in rows]
    numeric = set(range(len(keys), len(header)))
    full_header = keys + ["n"] + metrics
    full_body = [[r[k] for k in keys] + [r.get("n", "")] + [mean_sd(r, m) for m in metrics] for r in rows]
    return (table("metrics", header, body, numeric),
            table("metrics_all", full_header, full_body, set(range(len(keys), len(full_header)))))


def paired_table(rows, fields):
    variant = "variant" in fields and any(r["variant"] for r in rows)
    header = ["split"] + (["variant"] if variant else []) + ["A", "B", "seeds", "A − B (test Pearson)",
                                                             "95% CI", "over", "t", "p"]
    body, classes = [], []
    for r in rows:
        lo, hi = number(r["ci_low"]), number(r["ci_high"])
        excludes_zero = lo is not None and hi is not None and (lo > 0 or hi < 0)
        groups = f'{r["groups"]} {r["unit"]}s' if r["unit"] else r["groups"]
        body.append([r["split"]] + ([r["variant"]] if variant else []) +
                    [r["a"], r["b"], r["seeds"], fmt(r["pearson_diff"], sign=True),
                     f'[{fmt(r["ci_low"], sign=True)}, {fmt(r["ci_high"], sign=True)}]', groups,
                     fmt(r["t"], 2), fmt(r["p"], 3)])
        classes.append("sig" if excludes_zero else "")
    first = 2 if variant else 1
    return table("paired", header, body, set(range(first + 2, len(header))), classes)


def main(compare_csv, paired_csv, out):
    rows, fields = read_csv(compare_csv, ["model", "ablation", "split", "pearson_mean"])
    # No paired comparisons without a GAT run to compare (a header only).
    paired, paired_fields = read_csv(paired_csv, PAIRED_NEEDS, empty_ok=True)
    main_table, all_table = metrics_tables(rows, fields)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>kgpert: comparison tables</title>
<style>{STYLE}</style></head>
<body>
<h1>Comparison tables</h1>
<h2>Test metrics</h2>
<p class="note">Per split, model and ablation: mean ± sd over the seeds (n runs) of the test-set
metrics; pearson and spearman per test signature, averaged.</p>
{main_table}
<details><summary>All metrics</summary>
{all_table}
</details>
<h2>Paired comparisons</h2>
<p class="note">Per test signature, the Pearson of A minus that of B, averaged over the seeds they
share; 95% CI: bootstrap over the groups (scaffolds or cell lines); t, p: paired t-test over the
seeds' means (– for one seed). Bold: the CI excludes 0.</p>
{paired_table(paired, paired_fields)}
</body></html>
"""
    tmp = out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(page)
    os.replace(tmp, out)
    print(f"tables: wrote {out} ({len(rows)} rows, {len(paired)} paired comparisons)")


if __name__ == "__main__":
    if "snakemake" in globals():
        sm = globals()["snakemake"]
        with open(sm.log[0], "w") as log:
            sys.stdout = sys.stderr = log
            main(sm.input.csv, sm.input.paired, sm.output[0])
    elif len(sys.argv) == 4:
        main(*sys.argv[1:])
    else:
        sys.exit(__doc__)
