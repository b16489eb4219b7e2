// The statistics of kgpert's reports, in one tested module: mean and sd, Student's t
// distribution for any real degrees of freedom, the one-sample/paired and Welch t-tests, and
// the bootstrap over groups of paired differences that `kgpert report` uses.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace kg::stats {

/// Arithmetic mean (x_1 + ... + x_n) / n, summed left to right; NaN when x is empty.
double mean(std::span<const double> x);

/// Sample standard deviation sqrt(sum_i (x_i - mean)^2 / (n - 1)) (numpy's ddof=1);
/// NaN when n < 2.
double sd(std::span<const double> x);

/// A sample reduced to what the t-tests need.
struct Summary {
  int64_t n = 0;
  double mean = NAN;  // NaN when n = 0
  double sd = NAN;    // sample sd, NaN when n < 2
};

/// n, mean(x), sd(x).
Summary summarize(std::span<const double> x);

/// The regularized incomplete beta function
///   I_x(a, b) = B(x; a, b) / B(a, b),  B(x; a, b) = integral_0^x u^(a-1) (1-u)^(b-1) du,
/// for a, b > 0 and 0 <= x <= 1, by its continued fraction (modified Lentz), using
/// I_x(a, b) = 1 - I_(1-x)(b, a) where that converges faster. I_0 = 0, I_1 = 1. NaN for
/// a <= 0, b <= 0, x outside [0, 1] or any NaN argument.
double incomplete_beta(double a, double b, double x);

/// Density of Student's t with df > 0 degrees of freedom:
///   f(t) = Gamma((df+1)/2) / (sqrt(df pi) Gamma(df/2)) (1 + t^2/df)^(-(df+1)/2);
/// df = +inf gives the standard normal. NaN for df <= 0 or NaN arguments.
double t_pdf(double t, double df);

/// P(T <= t) for T ~ t(df), df > 0 real (df = +inf: the standard normal):
///   P(T <= t) = 1 - I_x(df/2, 1/2) / 2 for t >= 0, with x = df / (df + t^2); symmetric.
/// t = -inf gives 0, +inf gives 1. NaN for df <= 0 or NaN arguments.
/// Accuracy (against 50-digit references): about 1e-15 relative up to df = 30, 2e-14 at
/// df = 1e3, 5e-13 at 1e4, 3e-12 at 1e5, 2e-11 at 1e6 (the continued fraction loses digits near
/// the mean of a very unequal beta); tails below the smallest double are 0.
double t_cdf(double t, double df);

/// P(T > t) = t_cdf(-t, df), computed without the cancellation of 1 - t_cdf(t, df).
double t_sf(double t, double df);

/// Two-sided p-value P(|T| >= |t|) = I_x(df/2, 1/2), x = df / (df + t^2): 1 at t = 0,
/// 0 at t = +-inf. NaN for df <= 0 or NaN arguments. Accuracy as t_cdf's.
double t_two_sided_p(double t, double df);

/// The quantile t_p with P(T <= t_p) = p, for 0 <= p <= 1 and df > 0 real (df = +inf: the
/// standard normal): a safeguarded Newton iteration on t_sf, bracketed and falling back to
/// bisection, to about 1e-15 relative in t (plus t_cdf's error, over the density's scale);
/// a quantile beyond 2^1023 (possible for df below about 0.01) gives +-inf. p = 0 gives
/// -inf, p = 1 +inf, p = 1/2 gives 0.
/// NaN for p outside [0, 1], df <= 0 or NaN arguments.
double t_quantile(double p, double df);

/// A t-test: the statistic, its degrees of freedom and the two-sided p-value.
struct TTest {
  double t = NAN, df = NAN, p = NAN;
};

/// One-sample t-test of mean(d) = 0 (the paired t-test when d_i = a_i - b_i):
///   t = mean(d) / (sd(d) / sqrt(n)), df = n - 1, p = t_two_sided_p(t, df).
/// All NaN when n < 2 or sd(d) = 0 (no spread: the statistic is undefined).
TTest one_sample_t_test(std::span<const double> d);

/// Paired t-test of a against b (scipy.stats.ttest_rel(a, b)): one_sample_t_test of
/// d_i = a_i - b_i. a and b must have the same length (KG_CHECK).
TTest paired_t_test(std::span<const double> a, std::span<const double> b);

/// Welch's unequal-variances t-test of mean(a) - mean(b) and its confidence interval.
struct Welch {
  double diff = NAN;                // mean(a) - mean(b)
  double se = NAN;                  // sqrt(v_a + v_b), v = sd^2 / n
  double df = NAN;                  // Welch-Satterthwaite
  double t = NAN, p = NAN;          // diff / se, two-sided p
  double ci_low = NAN, ci_high = NAN;  // diff -+ t_quantile((1 + level) / 2, df) * se
};

/// Welch's test from two summaries (scipy.stats.ttest_ind(a, b, equal_var=False)):
///   se^2 = v_a + v_b,  df = se^4 / (v_a^2 / (n_a - 1) + v_b^2 / (n_b - 1)),
///   t = (mean_a - mean_b) / se, p = t_two_sided_p(t, df), CI at `level` (0 < level < 1,
///   KG_CHECK).
/// n_a < 2 or n_b < 2: only diff is set. se = 0 (no spread in either): the CI is the point
/// [diff, diff]; df, t and p are NaN.
Welch welch_t_test(const Summary& a, const Summary& b, double level = 0.95);

/// The same from the samples.
Welch welch_t_test(std::span<const double> a, std::span<const double> b, double level = 0.95);

/// A percentile bootstrap interval over groups.
struct GroupBootstrap {
  size_t groups = 0;                  // distinct group labels
  double low = NAN, high = NAN;       // NaN with fewer than 2 groups (nothing to resample)
};

/// Percentile bootstrap interval of the mean of paired differences d_i (one per item, e.g.
/// per test signature, already A - B), resampling whole groups of items (scaffolds, cell
/// lines) so that items of one group are never treated as independent.
/// The groups are ordered by label; each of `resamples` draws picks as many groups as there
/// are, with replacement (std::mt19937_64 seeded with `seed`, std::uniform_int_distribution
/// over the group indices: deterministic for a given standard library), and takes
///   (sum of the picked groups' sums of d) / (sum of their item counts).
/// The sorted draws give low = draw[floor(alpha (R - 1))], high = draw[floor((1 - alpha)
/// (R - 1))], alpha = (1 - level) / 2. d and group must have the same length, resamples >= 1
/// and 0 < level < 1 (KG_CHECK).
GroupBootstrap group_bootstrap_ci(std::span<const double> d, std::span<const std::string> group, int resamples,
                                  uint64_t seed, double level = 0.95);

}  // namespace kg::stats
