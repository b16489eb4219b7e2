"""The reference values of tests/core/test_stats.cpp, from scipy (not needed to run the test:
its output is pasted there as literals). To refresh them:
  python3 -m venv /tmp/scipyenv && /tmp/scipyenv/bin/pip install scipy numpy
  /tmp/scipyenv/bin/python tests/core/stats_reference.py
and paste each printed block over the one of the same name."""
import numpy as np
import scipy
from scipy import special, stats

DF = [0.05, 1, 2.5, 7, 30, 1000, 1e5]
T = [-40.0, -3.0, -0.5, 0.1, 1.96, 4.0, 12.0]
P = [1e-10, 0.001, 0.025, 0.3, 0.6, 0.975, 0.999999]
BETA = [(0.5, 0.5, 0.2), (2.0, 3.0, 0.4), (10.0, 0.5, 0.95), (0.5, 10.0, 0.01), (150.0, 200.0, 0.45), (3.5, 1.25, 0.999)]
A = [0.61, 0.58, 0.72, 0.66, 0.69, 0.55, 0.63]
B = [0.52, 0.57, 0.60, 0.61, 0.70, 0.49, 0.59]
C = [0.48, 0.71, 0.39, 0.66, 0.52]


def g(x):
    return f"{float(x):.17g}"


def rows(name, cols, data):
    print(f"// {name}: {cols}")
    print(f"const std::vector<std::array<double, {len(data[0])}>> {name} = {{")
    for r in data:
        print("    {" + ", ".join(g(v) for v in r) + "},")
    print("};")


print(f"// scipy {scipy.__version__}, numpy {np.__version__}")
rows("kTDist", "df, t, stats.t.cdf(t, df), stats.t.sf(t, df), 2 * stats.t.sf(abs(t), df), stats.t.pdf(t, df)",
     [(df, t, stats.t.cdf(t, df), stats.t.sf(t, df), 2 * stats.t.sf(abs(t), df), stats.t.pdf(t, df))
      for df in DF for t in T])
# Left out: stats.t.ppf(1e-10, 0.05) gives -1.499e153, where its t^2 nears overflow; the quantile
# is -1.0876e193 (the tail falls as t^-df: t.ppf(0.001, 0.05) * (1e-3 / 1e-10)^(1 / 0.05)).
rows("kTQuantile", "df, p, stats.t.ppf(p, df)",
     [(df, p, stats.t.ppf(p, df)) for df in DF for p in P if (df, p) != (0.05, 1e-10)])
rows("kNormal", "t, stats.norm.cdf(t), stats.norm.sf(t), stats.norm.pdf(t) (df = inf)",
     [(t, stats.norm.cdf(t), stats.norm.sf(t), stats.norm.pdf(t)) for t in T])
rows("kNormalQuantile", "p, stats.norm.ppf(p) (df = inf)", [(p, stats.norm.ppf(p)) for p in P])
rows("kBeta", "a, b, x, special.betainc(a, b, x)", [(a, b, x, special.betainc(a, b, x)) for a, b, x in BETA])
print("// A, B, C:", A, B, C)
print(f"// np.mean(A), np.std(A, ddof=1): {g(np.mean(A))}, {g(np.std(A, ddof=1))}")
print(f"// np.mean(C), np.std(C, ddof=1): {g(np.mean(C))}, {g(np.std(C, ddof=1))}")
r = stats.ttest_rel(A, B)
print(f"// stats.ttest_rel(A, B): t, df, p = {g(r.statistic)}, {g(r.df)}, {g(r.pvalue)}")
r = stats.ttest_1samp(np.subtract(A, B), 0.0)
print(f"// stats.ttest_1samp(A - B, 0): t, p = {g(r.statistic)}, {g(r.pvalue)}")
for x, y, name in [(A, C, "A, C"), (C, B, "C, B")]:
    r = stats.ttest_ind(x, y, equal_var=False)
    ci = r.confidence_interval(0.95)
    ci90 = r.confidence_interval(0.90)
    print(f"// stats.ttest_ind({name}, equal_var=False): t, df, p = {g(r.statistic)}, {g(r.df)}, {g(r.pvalue)}; "
          f".confidence_interval(0.95) = {g(ci.low)}, {g(ci.high)}; (0.90) = {g(ci90.low)}, {g(ci90.high)}")
