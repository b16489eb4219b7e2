// Evaluation metrics (MSE, R², correlations, DEG precision@k, wrong signs) on row-major float
// arrays, computed in double precision.
#include "train/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.hpp"

namespace kg {

namespace {

const int64_t kPrecisionK[] = {10, 20, 50, 100};
const int64_t kDegTruthSize = 100;  // DeepCE: the 100 most up/down-regulated true genes

// Pearson of two double sequences; 0 when either has zero variance.
double pearson_d(const double* x, const double* y, int64_t n) {
  if (n < 2) return 0.0;
  double mx = 0, my = 0;
  for (int64_t i = 0; i < n; ++i) mx += x[i], my += y[i];
  mx /= double(n), my /= double(n);
  double sxy = 0, sxx = 0, syy = 0;
  for (int64_t i = 0; i < n; ++i) {
    double dx = x[i] - mx, dy = y[i] - my;
    sxy += dx * dy, sxx += dx * dx, syy += dy * dy;
  }
  if (sxx <= 0 || syy <= 0) return 0.0;
  return sxy / std::sqrt(sxx * syy);
}

// Indices of the k largest (up) or smallest (down) values of x[0..n); ties to the lower index.
void top_k(const float* x, int64_t n, int64_t k, bool up, std::vector<int64_t>& idx) {
  idx.resize(size_t(n));
  std::iota(idx.begin(), idx.end(), int64_t(0));
  auto before = [&](int64_t a, int64_t b) {
    if (x[a] != x[b]) return up ? x[a] > x[b] : x[a] < x[b];
    return a < b;
  };
  std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), before);
  idx.resize(size_t(k));
}

int sign_of(float v) { return (v > 0.0f) - (v < 0.0f); }

}  // namespace

double pearson(const float* x, const float* y, int64_t n, int64_t stride_x, int64_t stride_y) {
  std::vector<double> a(static_cast<size_t>(n)), b(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) a[size_t(i)] = x[i * stride_x], b[size_t(i)] = y[i * stride_y];
  return pearson_d(a.data(), b.data(), n);
}

std::vector<double> average_ranks(const float* x, int64_t n) {
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), int64_t(0));
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return x[a] < x[b]; });
  std::vector<double> rank(static_cast<size_t>(n));
  for (int64_t i = 0; i < n;) {
    int64_t j = i;
    while (j + 1 < n && x[order[size_t(j + 1)]] == x[order[size_t(i)]]) ++j;
    double r = 0.5 * double(i + j) + 1.0;  // mean of the 1-based ranks i+1 .. j+1
    for (int64_t t = i; t <= j; ++t) rank[size_t(order[size_t(t)])] = r;
    i = j + 1;
  }
  return rank;
}

double spearman(const float* x, const float* y, int64_t n) {
  auto rx = average_ranks(x, n), ry = average_ranks(y, n);
  return pearson_d(rx.data(), ry.data(), n);
}

double mean_row_pearson(const float* pred, const float* truth, int64_t rows, int64_t cols) {
  KG_CHECK(rows > 0);
  double sum = 0;
  for (int64_t r = 0; r < rows; ++r) sum += pearson(pred + r * cols, truth + r * cols, cols);
  return sum / double(rows);
}

double deg_precision(const float* pred, const float* truth, int64_t rows, int64_t cols, int64_t k,
                     bool up) {
  KG_CHECK(rows > 0 && cols > 0 && k > 0);
  const int64_t t = std::min(kDegTruthSize, cols);
  k = std::min(k, t);
  std::vector<int64_t> idx;
  std::vector<char> in_truth(static_cast<size_t>(cols));
  double sum = 0;
  for (int64_t r = 0; r < rows; ++r) {
    std::fill(in_truth.begin(), in_truth.end(), 0);
    top_k(truth + r * cols, cols, t, up, idx);
    for (int64_t g : idx) in_truth[size_t(g)] = 1;
    top_k(pred + r * cols, cols, k, up, idx);
    int64_t hits = 0;
    for (int64_t g : idx) hits += in_truth[size_t(g)];
    sum += double(hits) / double(k);
  }
  return sum / double(rows);
}

double r2_score(const float* pred, const float* truth, int64_t rows, int64_t cols) {
  KG_CHECK(rows > 0 && cols > 0);
  // Per-gene sums over signatures, walking the rows in memory order.
  std::vector<double> mean(size_t(cols), 0.0), ss_tot(size_t(cols), 0.0), ss_res(size_t(cols), 0.0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t g = 0; g < cols; ++g) mean[size_t(g)] += truth[r * cols + g];
  for (auto& m : mean) m /= double(rows);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t g = 0; g < cols; ++g) {
      const double t = truth[r * cols + g], d = t - mean[size_t(g)], e = t - pred[r * cols + g];
      ss_tot[size_t(g)] += d * d, ss_res[size_t(g)] += e * e;
    }
  double sum = 0;
  for (int64_t g = 0; g < cols; ++g) {
    // A constant gene's mean is exact (n equal values sum and divide back exactly), so its
    // SS_tot is exactly 0, never a rounding residue.
    if (ss_tot[size_t(g)] > 0)
      sum += 1.0 - ss_res[size_t(g)] / ss_tot[size_t(g)];
    else
      sum += ss_res[size_t(g)] == 0 ? 1.0 : 0.0;
  }
  return sum / double(cols);
}

double wrong_sign_fraction(const float* pred, const float* truth, int64_t rows, int64_t cols,
                           int64_t k) {
  KG_CHECK(rows > 0 && cols > 0 && k > 0);
  k = std::min(k, cols);
  std::vector<int64_t> idx;
  double sum = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const float* t = truth + r * cols;
    const float* p = pred + r * cols;
    int64_t wrong = 0;
    for (bool up : {true, false}) {
      top_k(t, cols, k, up, idx);
      for (int64_t g : idx) wrong += sign_of(p[g]) != sign_of(t[g]);
    }
    sum += double(wrong) / double(2 * k);
  }
  return sum / double(rows);
}

std::vector<std::string> metric_names() {
  std::vector<std::string> n{"mse", "rmse", "pearson", "spearman", "gene_pearson", "r2"};
  for (const char* dir : {"up", "down"})
    for (int64_t k : kPrecisionK) n.push_back(std::string("prec_") + dir + "@" + std::to_string(k));
  for (int64_t k : kPrecisionK) n.push_back("wrong_sign@" + std::to_string(k));
  return n;
}

MetricList compute_metrics(const float* pred, const float* truth, int64_t rows, int64_t cols) {
  KG_CHECK(rows > 0 && cols > 0, "metrics of an empty set ({} x {})", rows, cols);
  double sq = 0;
  for (int64_t i = 0; i < rows * cols; ++i) {
    double d = double(pred[i]) - double(truth[i]);
    sq += d * d;
  }
  const double mse = sq / double(rows * cols);

  double sp = 0;
  for (int64_t r = 0; r < rows; ++r) sp += spearman(pred + r * cols, truth + r * cols, cols);
  double gp = 0;
  for (int64_t g = 0; g < cols; ++g) gp += pearson(pred + g, truth + g, rows, cols, cols);

  // Values in the order of metric_names().
  std::vector<double> v{mse,
                        std::sqrt(mse),
                        mean_row_pearson(pred, truth, rows, cols),
                        sp / double(rows),
                        gp / double(cols),
                        r2_score(pred, truth, rows, cols)};
  for (bool up : {true, false})
    for (int64_t k : kPrecisionK) v.push_back(deg_precision(pred, truth, rows, cols, k, up));
  for (int64_t k : kPrecisionK) v.push_back(wrong_sign_fraction(pred, truth, rows, cols, k));

  const auto names = metric_names();
  KG_CHECK(names.size() == v.size());
  MetricList m;
  for (size_t i = 0; i < v.size(); ++i) m.emplace_back(names[i], v[i]);
  return m;
}

}  // namespace kg
