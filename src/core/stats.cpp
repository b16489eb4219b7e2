// The statistics of kgpert's reports (stats.hpp): Student's t through the regularized
// incomplete beta function, the t-tests and the bootstrap over groups.
#include "core/stats.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <random>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace kg::stats {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// A point x of [0, 1] held with 1 - x and both logarithms, each computed by the caller without
// cancellation or underflow: the front factor of I_x needs the logarithms to full precision
// even where x itself is subnormal.
struct Unit {
  double x, y, log_x, log_y;  // y = 1 - x
};

// log(1 + r^2), without overflow for large r.
double log1p_sq(double r) { return r <= 1 ? std::log1p(r * r) : 2 * std::log(r) + std::log1p(1 / (r * r)); }

// x = df / (df + t^2) of Student's t, through r = |t| / sqrt(df): for small df the tail is not
// negligible long after t^2 overflows.
Unit t_point(double t, double df) {
  const double r = std::abs(t) / std::sqrt(df), log_1r2 = log1p_sq(r), log_r2 = 2 * std::log(r);
  const double s = r <= 1 ? r * r : 1 / (r * r);
  if (r <= 1) return {1 / (1 + s), s / (1 + s), -log_1r2, log_r2 - log_1r2};
  return {s / (1 + s), 1 / (1 + s), -log_1r2, log_r2 - log_1r2};
}

// The remainder of Stirling's series, lgamma(x) - ((x - 1/2) log x - x + log(2 pi) / 2), for
// x >= 10 (to about 1e-16): 1/(12x) - 1/(360x^3) + 1/(1260x^5) - 1/(1680x^7) + 1/(1188x^9)
// - 691/(360360x^11).
double stirling_rest(double x) {
  const double z = 1 / (x * x);
  const double inner = -1.0 / 1680 + z * (1.0 / 1188 - z * 691.0 / 360360);
  return (1.0 / 12 + z * (-1.0 / 360 + z * (1.0 / 1260 + z * inner))) / x;
}

// log B(a, b) = lgamma(a) + lgamma(b) - lgamma(a + b). For a large argument the three lgammas
// are large and nearly cancel (at df = 1e5 a t-test would keep only 10 digits), so there the
// terms of Stirling's series that cancel are cancelled by hand (p = min, q = max):
//   q >= p >= 10: log(2 pi)/2 - log(q)/2 + (p - 1/2) log(p/(p+q)) + q log(q/(p+q)) + rests,
//   q >= 10 > p:  lgamma(p) + (q - 1/2) log(q/(p+q)) - p log(p+q) + p + rests,
// rests = stirling_rest of each large argument, with the sign of its lgamma.
double log_beta(double a, double b) {
  const double p = std::min(a, b), q = std::max(a, b), log_q_pq = std::log1p(-p / (p + q));
  if (p >= 10)
    return std::log(2 * M_PI) / 2 - std::log(q) / 2 + (p - 0.5) * std::log(p / (p + q)) + q * log_q_pq +
           stirling_rest(p) + stirling_rest(q) - stirling_rest(p + q);
  if (q >= 10)
    return std::lgamma(p) + (q - 0.5) * log_q_pq - p * std::log(p + q) + p + stirling_rest(q) - stirling_rest(p + q);
  return std::lgamma(p) + std::lgamma(q) - std::lgamma(p + q);
}

// The continued fraction of I_x(a, b), which converges quickly for x < (a + 1) / (a + b + 2):
//   I_x(a, b) = x^a (1 - x)^b / (a B(a, b)) / (1 + d_1 / (1 + d_2 / (1 + ...))),
//   d_(2m+1) = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)),
//   d_(2m)   = m (b - m) x / ((a + 2m - 1)(a + 2m)),
// the denominator evaluated front to back by the modified Lentz method. Near the switch point
// of a very unequal pair (a = df/2 large, b = 1/2) the odd steps nearly cancel: there it keeps
// about 11 or 12 digits at df = 1e5 (stats.hpp).
double beta_fraction(double a, double b, double x) {
  constexpr double kTiny = 1e-300, kEps = 1e-16;
  constexpr int kMaxTerms = 100000;  // about sqrt(max(a, b)) terms are needed
  double f = 1, c = 1, d = 0;
  for (int j = 1; j <= kMaxTerms; ++j) {
    const double m = double(j / 2);
    const double dj = j % 2 ? -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
                            : m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
    d = 1 + dj * d;
    if (std::abs(d) < kTiny) d = kTiny;
    c = 1 + dj / c;
    if (std::abs(c) < kTiny) c = kTiny;
    d = 1 / d;
    f *= c * d;
    if (std::abs(c * d - 1) < kEps) break;
  }
  return f;
}

// I_x(a, b) at the point u (x = 0 and 1 by their logarithms: x may underflow where log x does not).
double ibeta(double a, double b, const Unit& u) {
  if (u.log_x == -kInf) return 0;
  if (u.log_y == -kInf) return 1;
  if (u.x > (a + 1) / (a + b + 2)) return 1 - ibeta(b, a, {u.y, u.x, u.log_y, u.log_x});
  const double front = std::exp(a * u.log_x + b * u.log_y - log_beta(a, b));
  return front / (a * beta_fraction(a, b, u.x));
}

// t > 0 with t_sf(t, df) = q, 0 < q < 1/2: Newton's method on log t_sf (well scaled in the
// tails, where t_sf falls like t^-df), kept inside a bracket that every step narrows, with
// bisection whenever a Newton step would leave it.
double upper_quantile(double q, double df) {
  double lo = 0, hi = 1;
  while (t_sf(hi, df) > q) lo = hi, hi *= 2;  // ends: t_sf(+inf) = 0
  if (std::isinf(hi)) return kInf;             // beyond 2^1023 (only for df below about 0.01)
  const double log_q = std::log(q);
  double t = 0.5 * (lo + hi);
  for (int i = 0; i < 200; ++i) {
    const double sf = t_sf(t, df);
    if (sf == q) return t;
    (sf > q ? lo : hi) = t;
    double next = t + (std::log(sf) - log_q) * sf / t_pdf(t, df);
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (std::abs(next - t) <= 1e-15 * next || hi - lo <= 1e-15 * hi) return next;
    t = next;
  }
  return t;
}

}  // namespace

double mean(std::span<const double> x) {
  double s = 0;
  for (double v : x) s += v;
  return x.empty() ? NAN : s / double(x.size());
}

double sd(std::span<const double> x) {
  if (x.size() < 2) return NAN;
  const double m = mean(x);
  double s = 0;
  for (double v : x) s += (v - m) * (v - m);
  return std::sqrt(s / double(x.size() - 1));
}

Summary summarize(std::span<const double> x) { return {int64_t(x.size()), mean(x), sd(x)}; }

double incomplete_beta(double a, double b, double x) {
  if (!(a > 0 && b > 0 && x >= 0 && x <= 1)) return NAN;
  return ibeta(a, b, {x, 1 - x, std::log(x), std::log1p(-x)});
}

double t_pdf(double t, double df) {
  if (std::isnan(t) || !(df > 0)) return NAN;
  if (std::isinf(df)) return std::exp(-t * t / 2) / std::sqrt(2 * M_PI);
  // Gamma((df+1)/2) / (sqrt(df pi) Gamma(df/2)) = 1 / (sqrt(df) B(df/2, 1/2)), Gamma(1/2) = sqrt(pi)
  return std::exp(-log_beta(df / 2, 0.5) - std::log(df) / 2 - (df + 1) / 2 * log1p_sq(t / std::sqrt(df)));
}

double t_two_sided_p(double t, double df) {
  if (std::isnan(t) || !(df > 0)) return NAN;
  if (std::isinf(df)) return std::erfc(std::abs(t) / std::sqrt(2.0));
  return ibeta(df / 2, 0.5, t_point(t, df));
}

double t_sf(double t, double df) {
  const double tail = t_two_sided_p(t, df) / 2;  // P(T > |t|)
  return t >= 0 ? tail : 1 - tail;
}

double t_cdf(double t, double df) { return t_sf(-t, df); }

double t_quantile(double p, double df) {
  if (!(p >= 0 && p <= 1 && df > 0)) return NAN;
  if (p == 0) return -kInf;
  if (p == 1) return kInf;
  if (p == 0.5) return 0;
  const double t = upper_quantile(p < 0.5 ? p : 1 - p, df);  // 1 - p is exact for p >= 1/2
  return p < 0.5 ? -t : t;
}

TTest one_sample_t_test(std::span<const double> d) {
  TTest r;
  const double s = sd(d);
  if (!(s > 0)) return r;  // n < 2, no spread, or NaN values
  r.df = double(d.size() - 1);
  r.t = mean(d) / (s / std::sqrt(double(d.size())));
  r.p = t_two_sided_p(r.t, r.df);
  return r;
}

TTest paired_t_test(std::span<const double> a, std::span<const double> b) {
  KG_CHECK(a.size() == b.size(), "paired samples of {} and {} values", a.size(), b.size());
  std::vector<double> d(a.size());
  for (size_t i = 0; i < a.size(); ++i) d[i] = a[i] - b[i];
  return one_sample_t_test(d);
}

Welch welch_t_test(const Summary& a, const Summary& b, double level) {
  KG_CHECK(level > 0 && level < 1, "confidence level {}", level);
  Welch w;
  w.diff = a.mean - b.mean;
  if (a.n < 2 || b.n < 2) return w;
  const double va = a.sd * a.sd / double(a.n), vb = b.sd * b.sd / double(b.n), se2 = va + vb;
  w.se = std::sqrt(se2);
  if (se2 == 0) {
    w.ci_low = w.ci_high = w.diff;
    return w;
  }
  w.df = se2 * se2 / (va * va / double(a.n - 1) + vb * vb / double(b.n - 1));
  w.t = w.diff / w.se;
  w.p = t_two_sided_p(w.t, w.df);
  const double half = t_quantile(0.5 + level / 2, w.df) * w.se;
  w.ci_low = w.diff - half;
  w.ci_high = w.diff + half;
  return w;
}

Welch welch_t_test(std::span<const double> a, std::span<const double> b, double level) {
  return welch_t_test(summarize(a), summarize(b), level);
}

GroupBootstrap group_bootstrap_ci(std::span<const double> d, std::span<const std::string> group, int resamples,
                                  uint64_t seed, double level) {
  KG_CHECK(d.size() == group.size(), "{} values, {} group labels", d.size(), group.size());
  KG_CHECK(resamples >= 1 && level > 0 && level < 1, "{} resamples at level {}", resamples, level);
  std::map<std::string, std::pair<double, int64_t>> by_label;  // label -> (sum of d, items)
  for (size_t i = 0; i < d.size(); ++i) {
    auto& g = by_label[group[i]];
    g.first += d[i], g.second += 1;
  }
  std::vector<std::pair<double, int64_t>> groups;
  for (const auto& [_, g] : by_label) groups.push_back(g);
  GroupBootstrap out;
  out.groups = groups.size();
  if (groups.size() < 2) return out;  // one group has no spread to resample
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<size_t> pick(0, groups.size() - 1);
  std::vector<double> draws;
  draws.reserve(size_t(resamples));
  for (int k = 0; k < resamples; ++k) {
    double s = 0;
    int64_t items = 0;
    for (size_t j = 0; j < groups.size(); ++j) {
      const auto& g = groups[pick(rng)];
      s += g.first, items += g.second;
    }
    draws.push_back(s / double(items));
  }
  std::sort(draws.begin(), draws.end());
  const double alpha = (1 - level) / 2, last = double(resamples - 1);
  out.low = draws[size_t(alpha * last)];
  out.high = draws[size_t((1 - alpha) * last)];
  return out;
}

}  // namespace kg::stats
