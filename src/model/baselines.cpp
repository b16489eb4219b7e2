// The closed-form baselines (see baselines.hpp): cell means, fingerprint kNN, and ridge
// regression with its own Cholesky solver (no LAPACK needed at this size: p ≈ fingerprint bits).
#include "model/baselines.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>

#include <fmt/ranges.h>  // fmt::join

#include "core/error.hpp"
#include "model/inputs.hpp"
#include "model/kg_features.hpp"
#include "model/registry.hpp"

namespace kg {

namespace {

// Means of the training responses grouped by a key of the signature (a cell line, a compound,
// a compound in a cell line): one row per key that occurs among the training signatures.
struct GroupMeans {
  std::unordered_map<int64_t, int64_t> row_of;  // key -> row of mean
  h5::Matrix<float> mean;                       // [keys seen, G]
  std::vector<int64_t> count;                   // [keys seen] training signatures

  /// The mean response of `key`, or nullptr when no training signature has it.
  const float* find(int64_t key) const {
    auto it = row_of.find(key);
    return it == row_of.end() ? nullptr : mean.row(it->second);
  }
};

template <typename KeyFn>
GroupMeans group_means(const Samples& s, const std::vector<int64_t>& train, KeyFn key) {
  const int64_t G = s.num_genes();
  GroupMeans m;
  std::vector<double> sum;
  for (int64_t i : train) {
    auto [it, fresh] = m.row_of.emplace(key(i), int64_t(m.count.size()));
    if (fresh) m.count.push_back(0), sum.resize(sum.size() + size_t(G), 0.0);
    const float* y = s.y.row(i);
    double* acc = &sum[size_t(it->second * G)];
    for (int64_t g = 0; g < G; ++g) acc[g] += y[g];
    ++m.count[size_t(it->second)];
  }
  m.mean = {std::vector<float>(sum.size()), int64_t(m.count.size()), G};
  for (size_t k = 0; k < m.count.size(); ++k)
    for (int64_t g = 0; g < G; ++g)
      m.mean.data[k * size_t(G) + size_t(g)] = float(sum[k * size_t(G) + size_t(g)] / double(m.count[k]));
  return m;
}

void check_train(const std::vector<int64_t>& train, const Samples& s) {
  if (train.empty()) fail("no training signatures to fit the baseline on");
  for (int64_t i : train) KG_CHECK(i >= 0 && i < s.num_signatures(), "signature {}", i);
}

// ---- cell_mean -------------------------------------------------------------------------------

class CellMean : public Baseline {
 public:
  explicit CellMean(const Samples& s) : s_(s) {}

  void fit(const std::vector<int64_t>& train) override {
    check_train(train, s_);
    cell_ = group_means(s_, train, [&](int64_t i) { return int64_t(s_.sig_cell[size_t(i)]); });
    all_ = group_means(s_, train, [](int64_t) { return int64_t(0); });
  }

  h5::Matrix<float> predict(const std::vector<int64_t>& sig) const override {
    KG_CHECK(all_.mean.rows == 1, "predict before fit");
    const int64_t G = s_.num_genes();
    h5::Matrix<float> out{std::vector<float>(sig.size() * size_t(G)), int64_t(sig.size()), G};
    for (size_t r = 0; r < sig.size(); ++r) {
      const float* m = cell_.find(s_.sig_cell[size_t(sig[r])]);
      if (!m) m = all_.mean.row(0);  // a cell line unseen in training
      std::copy(m, m + G, out.row(int64_t(r)));
    }
    return out;
  }

  int64_t num_fitted() const override { return (cell_.mean.rows + 1) * s_.num_genes(); }

 private:
  const Samples& s_;
  GroupMeans cell_, all_;
};

// ---- knn -------------------------------------------------------------------------------------

class Knn : public Baseline {
 public:
  Knn(const Graph& g, const Samples& s, int64_t k)
      : s_(s), k_(k), fp_(node_feature_rows(g, s.drug_node, "drug")) {
    KG_CHECK(k >= 1);
  }

  void fit(const std::vector<int64_t>& train) override {
    check_train(train, s_);
    const auto D = int64_t(s_.drug_node.size()), C = int64_t(s_.cell_id.size());
    // Keys d * (C + 1) + c: compound d in cell line c; d * (C + 1) + C: compound d in any.
    pair_ = group_means(s_, train, [&](int64_t i) {
      return int64_t(s_.sig_drug[size_t(i)]) * (C + 1) + s_.sig_cell[size_t(i)];
    });
    any_cell_ = group_means(s_, train, [&](int64_t i) { return int64_t(s_.sig_drug[size_t(i)]) * (C + 1) + C; });
    cell_seen_.assign(size_t(C), 0);
    for (int64_t i : train) cell_seen_[size_t(s_.sig_cell[size_t(i)])] = 1;
    // The training compounds, in index order, with their non-zero features and squared norms.
    train_drugs_.clear(), nz_.assign(1, 0), nz_col_.clear(), nz_val_.clear(), norm2_.clear();
    for (int64_t d = 0; d < D; ++d) {
      if (!any_cell_.find(d * (C + 1) + C)) continue;
      train_drugs_.push_back(d);
      double n2 = 0;
      for (int64_t j = 0; j < fp_.cols; ++j)
        if (const float v = fp_.row(d)[j]; v != 0) nz_col_.push_back(j), nz_val_.push_back(v), n2 += double(v) * v;
      nz_.push_back(int64_t(nz_col_.size()));
      norm2_.push_back(n2);
    }
  }

  h5::Matrix<float> predict(const std::vector<int64_t>& sig) const override {
    KG_CHECK(!train_drugs_.empty(), "predict before fit");
    const int64_t G = s_.num_genes(), C = int64_t(s_.cell_id.size());
    h5::Matrix<float> out{std::vector<float>(sig.size() * size_t(G)), int64_t(sig.size()), G};
    // Signatures grouped by compound, so each compound's neighbours are ranked once.
    std::unordered_map<int64_t, std::vector<size_t>> rows_of;
    std::vector<int64_t> queries;
    for (size_t r = 0; r < sig.size(); ++r) {
      auto& v = rows_of[s_.sig_drug[size_t(sig[r])]];
      if (v.empty()) queries.push_back(s_.sig_drug[size_t(sig[r])]);
      v.push_back(r);
    }
    std::vector<double> acc(static_cast<size_t>(G));
    for (int64_t q : queries) {
      const std::vector<int64_t> ranked = neighbours(q);
      for (size_t r : rows_of[q]) {
        const int64_t c = s_.sig_cell[size_t(sig[r])];
        // Neighbours with training signatures in this cell line; none: fall back to all cells.
        const bool seen = cell_seen_[size_t(c)];
        const GroupMeans& means = seen ? pair_ : any_cell_;
        std::fill(acc.begin(), acc.end(), 0.0);
        int64_t used = 0;
        for (int64_t d : ranked) {
          if (used == k_) break;
          const float* m = means.find(d * (C + 1) + (seen ? c : C));
          if (!m) continue;
          for (int64_t g = 0; g < G; ++g) acc[size_t(g)] += m[g];
          ++used;
        }
        float* o = out.row(int64_t(r));
        for (int64_t g = 0; g < G; ++g) o[g] = float(acc[size_t(g)] / double(used));
      }
    }
    return out;
  }

  int64_t num_fitted() const override { return 0; }

 private:
  // The training compounds by decreasing Tanimoto similarity to compound q, ties by index.
  std::vector<int64_t> neighbours(int64_t q) const {
    const float* a = fp_.row(q);
    double aa = 0;
    for (int64_t j = 0; j < fp_.cols; ++j) aa += double(a[j]) * a[j];
    std::vector<double> sim(train_drugs_.size());
    for (size_t t = 0; t < train_drugs_.size(); ++t) {
      double ab = 0;
      for (int64_t e = nz_[t]; e < nz_[t + 1]; ++e) ab += double(a[nz_col_[size_t(e)]]) * nz_val_[size_t(e)];
      const double den = aa + norm2_[t] - ab;
      sim[t] = den > 0 ? ab / den : 0.0;
    }
    std::vector<size_t> order(train_drugs_.size());
    std::iota(order.begin(), order.end(), size_t(0));
    std::sort(order.begin(), order.end(), [&](size_t x, size_t y) {
      return sim[x] != sim[y] ? sim[x] > sim[y] : x < y;  // train_drugs_ is in index order
    });
    std::vector<int64_t> out(order.size());
    for (size_t i = 0; i < order.size(); ++i) out[i] = train_drugs_[order[i]];
    return out;
  }

  const Samples& s_;
  int64_t k_;
  h5::Matrix<float> fp_;        // [D, F] drug feature rows
  GroupMeans pair_, any_cell_;  // see fit()
  std::vector<char> cell_seen_;  // [C] cell line has training signatures
  std::vector<int64_t> train_drugs_;
  std::vector<int64_t> nz_;     // CSR over train_drugs_ of their non-zero features
  std::vector<int64_t> nz_col_;
  std::vector<float> nz_val_;
  std::vector<double> norm2_;
};

// ---- ridge -----------------------------------------------------------------------------------

// A = L Lᵀ for symmetric A [n, n] (row-major, lower triangle read), L written over it. Row-wise
// (left-looking): each entry of L is a dot product of two rows already final.
void cholesky(std::vector<double>& a, int64_t n, int64_t threads, const char* which) {
  for (int64_t j = 0; j < n; ++j) {
    double* rj = &a[size_t(j * n)];
    const double ajj = rj[j];
    double d = ajj;
    for (int64_t k = 0; k < j; ++k) d -= rj[k] * rj[k];
    // A pivot lost to rounding (relative to its diagonal) means the matrix is singular.
    if (!(d > 1e-12 * std::fabs(ajj)))
      fail("ridge: the {} system is singular (pivot {} of {}): collinear or constant features "
           "need baseline.ridge_alpha > 0", which, j, n);
    rj[j] = std::sqrt(d);
#pragma omp parallel for num_threads(int(threads)) schedule(static) if (n - j > 128)
    for (int64_t i = j + 1; i < n; ++i) {
      double* ri = &a[size_t(i * n)];
      double v = ri[j];
      for (int64_t k = 0; k < j; ++k) v -= ri[k] * rj[k];
      ri[j] = v / rj[j];
    }
  }
}

// Solves L Lᵀ X = B in place, B [n, m] row-major, L from cholesky(); column blocks in parallel.
void cholesky_solve(const std::vector<double>& l, int64_t n, std::vector<double>& b, int64_t m,
                    int64_t threads) {
  constexpr int64_t kBlock = 64;
  const int64_t blocks = (m + kBlock - 1) / kBlock;
#pragma omp parallel for num_threads(int(threads)) schedule(static)
  for (int64_t q = 0; q < blocks; ++q) {
    const int64_t c0 = q * kBlock, c1 = std::min(m, c0 + kBlock);
    for (int64_t i = 0; i < n; ++i) {  // L y = b, top down
      const double* li = &l[size_t(i * n)];
      double* bi = &b[size_t(i * m)];
      for (int64_t k = 0; k < i; ++k)
        if (const double lik = li[k]; lik != 0)
          for (int64_t c = c0; c < c1; ++c) bi[c] -= lik * b[size_t(k * m + c)];
      for (int64_t c = c0; c < c1; ++c) bi[c] /= li[i];
    }
    for (int64_t i = n - 1; i >= 0; --i) {  // Lᵀ x = y, bottom up: x_i final, then taken from rows above
      const double* li = &l[size_t(i * n)];
      double* bi = &b[size_t(i * m)];
      for (int64_t c = c0; c < c1; ++c) bi[c] /= li[i];
      for (int64_t k = 0; k < i; ++k)
        if (const double lik = li[k]; lik != 0)
          for (int64_t c = c0; c < c1; ++c) b[size_t(k * m + c)] -= lik * bi[c];
    }
  }
}

class Ridge : public Baseline {
 public:
  Ridge(const Graph& g, const Samples& s, double alpha, int64_t threads)
      : s_(s), alpha_(alpha), threads_(threads), fp_(node_feature_rows(g, s.drug_node, "drug")),
        dose_time_(dose_time_features(s)) {}

  void fit(const std::vector<int64_t>& train) override {
    check_train(train, s_);
    if (!(alpha_ > 0))
      fail("ridge: baseline.ridge_alpha = {} has no unique solution (the cell line one-hot columns "
           "sum to one, like the intercept); use baseline.ridge_alpha > 0", alpha_);
    fit_ = fit_ridge(design(train), s_.y, train, alpha_, threads_);
  }

  h5::Matrix<float> predict(const std::vector<int64_t>& sig) const override {
    KG_CHECK(fit_.g == s_.num_genes(), "predict before fit");
    const SparseRows x = design(sig);
    h5::Matrix<float> out{std::vector<float>(sig.size() * size_t(fit_.g)), int64_t(sig.size()), fit_.g};
    for (int64_t r = 0; r < x.rows(); ++r) fit_.predict_row(x, r, out.row(r));
    return out;
  }

  int64_t num_fitted() const override { return (fit_.p + 1) * fit_.g; }

 private:
  // x(s) = [drug features ‖ cell one-hot ‖ dose/time] for each signature of sig.
  SparseRows design(const std::vector<int64_t>& sig) const {
    const int64_t F = fp_.cols, C = int64_t(s_.cell_id.size());
    SparseRows x;
    x.cols = F + C + 2;
    for (int64_t i : sig) {
      const float* f = fp_.row(s_.sig_drug[size_t(i)]);
      for (int64_t j = 0; j < F; ++j) x.add(j, f[j]);
      x.add(F + s_.sig_cell[size_t(i)], 1.0);
      x.add(F + C, dose_time_.row(i)[0]);
      x.add(F + C + 1, dose_time_.row(i)[1]);
      x.end_row();
    }
    return x;
  }

  const Samples& s_;
  double alpha_;
  int64_t threads_;
  h5::Matrix<float> fp_, dose_time_;  // [D, F], [S, 2]
  RidgeFit fit_;
};

}  // namespace

std::unique_ptr<Baseline> make_cell_mean(const Samples& s) { return std::make_unique<CellMean>(s); }

std::unique_ptr<Baseline> make_knn(const Graph& g, const Samples& s, int64_t k) {
  return std::make_unique<Knn>(g, s, k);
}

std::unique_ptr<Baseline> make_ridge(const Graph& g, const Samples& s, double alpha, int64_t threads) {
  return std::make_unique<Ridge>(g, s, alpha, threads);
}

// The closed-form dispatch reads the registry (model/registry.cpp).
bool is_closed_form(const std::string& model) {
  const ModelInfo* m = find_model(model);
  return m && m->closed_form;
}

namespace {

const ModelInfo& closed_form_model(const std::string& model) {
  const ModelInfo* m = find_model(model);
  if (!m || !m->closed_form) {
    std::vector<std::string> names;
    for (const auto& row : model_table())
      if (row.closed_form) names.push_back(row.name);
    fail("model \"{}\" is not a closed-form baseline (expected {})", model, fmt::join(names, ", "));
  }
  return *m;
}

}  // namespace

std::unique_ptr<Baseline> make_baseline(const Config& cfg, const Graph& g, const Samples& s, size_t choice) {
  KG_CHECK(choice < baseline_choices(cfg), "choice {} of {}", choice, baseline_choices(cfg));
  return closed_form_model(cfg.model).make_baseline(cfg, g, s, choice);
}

size_t baseline_choices(const Config& cfg) { return closed_form_model(cfg.model).candidates(cfg).size(); }

std::string baseline_choice(const Config& cfg, size_t choice) {
  return closed_form_model(cfg.model).candidates(cfg).at(choice);
}

void SparseRows::add(int64_t col, double v) {
  KG_CHECK(col >= 0 && col < cols, "column {} of {}", col, cols);
  if (v == 0) return;
  index.push_back(int32_t(col));
  value.push_back(v);
}

double tanimoto(const float* a, const float* b, int64_t n) {
  double ab = 0, aa = 0, bb = 0;
  for (int64_t i = 0; i < n; ++i) ab += double(a[i]) * b[i], aa += double(a[i]) * a[i], bb += double(b[i]) * b[i];
  const double den = aa + bb - ab;
  return den > 0 ? ab / den : 0.0;
}

void RidgeFit::predict_row(const SparseRows& x, int64_t r, float* out) const {
  std::vector<double> acc(b);
  for (int64_t e = x.indptr[size_t(r)]; e < x.indptr[size_t(r) + 1]; ++e) {
    const double v = x.value[size_t(e)];
    const double* wj = &w[size_t(x.index[size_t(e)]) * size_t(g)];
    for (int64_t k = 0; k < g; ++k) acc[size_t(k)] += v * wj[k];
  }
  for (int64_t k = 0; k < g; ++k) out[k] = float(acc[size_t(k)]);
}

namespace {

// The training rows of a ridge fit: x's sparse rows and their responses (rows y_rows of y).
struct RidgeRows {
  const SparseRows& x;
  const h5::Matrix<float>& y;
  const std::vector<int64_t>& y_rows;
  const float* row_y(int64_t r) const { return y.row(y_rows[size_t(r)]); }
  std::pair<int64_t, int64_t> entries(int64_t r) const { return {x.indptr[size_t(r)], x.indptr[size_t(r) + 1]}; }
};

// The column means x̄ [p] and ȳ [G] over the n rows.
void column_means(const RidgeRows& d, int64_t n, std::vector<double>& xm, std::vector<double>& ym) {
  const SparseRows& x = d.x;
  for (int64_t r = 0; r < n; ++r) {
    for (auto [e, end] = d.entries(r); e < end; ++e) xm[size_t(x.index[size_t(e)])] += x.value[size_t(e)];
    for (int64_t k = 0; k < int64_t(ym.size()); ++k) ym[size_t(k)] += d.row_y(r)[k];
  }
  for (auto& v : xm) v /= double(n);
  for (auto& v : ym) v /= double(n);
}

// The primal solve (XcᵀXc + αI) W = XcᵀYc; XcᵀXc = XᵀX − n x̄x̄ᵀ and XcᵀYc = XᵀY − n x̄ȳᵀ, from
// the sparse rows. w [p, G], zero on entry.
void ridge_primal(const RidgeRows& d, const std::vector<double>& xm, const std::vector<double>& ym, double alpha,
                  int64_t threads, std::vector<double>& w) {
  const SparseRows& x = d.x;
  const int64_t n = x.rows(), p = x.cols, G = int64_t(ym.size());
  std::vector<double> a(size_t(p * p), 0.0);
  for (int64_t r = 0; r < n; ++r) {
    const float* yr = d.row_y(r);
    for (auto [e, end] = d.entries(r); e < end; ++e) {
      const int64_t i = x.index[size_t(e)];
      const double v = x.value[size_t(e)];
      for (int64_t e2 = x.indptr[size_t(r)]; e2 <= e; ++e2) {
        const int64_t j = x.index[size_t(e2)];
        a[size_t(std::max(i, j) * p + std::min(i, j))] += v * x.value[size_t(e2)];
      }
      double* wi = &w[size_t(i * G)];
      for (int64_t k = 0; k < G; ++k) wi[k] += v * yr[k];
    }
  }
  for (int64_t i = 0; i < p; ++i) {
    for (int64_t j = 0; j <= i; ++j) a[size_t(i * p + j)] -= double(n) * xm[size_t(i)] * xm[size_t(j)];
    a[size_t(i * p + i)] += alpha;
    for (int64_t k = 0; k < G; ++k) w[size_t(i * G + k)] -= double(n) * xm[size_t(i)] * ym[size_t(k)];
  }
  cholesky(a, p, threads, "primal");
  cholesky_solve(a, p, w, G, threads);
}

// The centred Gram Kc = XcXcᵀ [n, n] (lower triangle): (x_i − x̄)·(x_j − x̄) = x_i·x_j − m_i −
// m_j + x̄·x̄, with m_i = x_i·x̄.
std::vector<double> centred_gram(const RidgeRows& d, const std::vector<double>& xm) {
  const SparseRows& x = d.x;
  const int64_t n = x.rows();
  std::vector<double> kc(size_t(n * n), 0.0), m(size_t(n), 0.0), dense(size_t(x.cols), 0.0);
  const double xx = std::inner_product(xm.begin(), xm.end(), xm.begin(), 0.0);
  for (int64_t i = 0; i < n; ++i) {
    for (auto [e, end] = d.entries(i); e < end; ++e) {
      dense[size_t(x.index[size_t(e)])] = x.value[size_t(e)];
      m[size_t(i)] += x.value[size_t(e)] * xm[size_t(x.index[size_t(e)])];
    }
    for (int64_t j = 0; j <= i; ++j) {
      double dot = 0;
      for (auto [e, end] = d.entries(j); e < end; ++e) dot += x.value[size_t(e)] * dense[size_t(x.index[size_t(e)])];
      kc[size_t(i * n + j)] = dot;
    }
    for (auto [e, end] = d.entries(i); e < end; ++e) dense[size_t(x.index[size_t(e)])] = 0.0;
  }
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j <= i; ++j) kc[size_t(i * n + j)] += xx - m[size_t(i)] - m[size_t(j)];
  return kc;
}

// The dual solve (Kc + αI) A = Yc, then W = Xcᵀ A = XᵀA − x̄ (1ᵀA). w [p, G], zero on entry.
void ridge_dual(const RidgeRows& d, const std::vector<double>& xm, const std::vector<double>& ym, double alpha,
                int64_t threads, std::vector<double>& w) {
  const SparseRows& x = d.x;
  const int64_t n = x.rows(), p = x.cols, G = int64_t(ym.size());
  std::vector<double> kc = centred_gram(d, xm);
  std::vector<double> a(size_t(n * G));  // Yc, then the dual coefficients
  for (int64_t i = 0; i < n; ++i) {
    kc[size_t(i * n + i)] += alpha;
    for (int64_t k = 0; k < G; ++k) a[size_t(i * G + k)] = double(d.row_y(i)[k]) - ym[size_t(k)];
  }
  cholesky(kc, n, threads, "dual");
  cholesky_solve(kc, n, a, G, threads);
  std::vector<double> colsum(size_t(G), 0.0);
  for (int64_t i = 0; i < n; ++i) {
    const double* ai = &a[size_t(i * G)];
    for (int64_t k = 0; k < G; ++k) colsum[size_t(k)] += ai[k];
    for (auto [e, end] = d.entries(i); e < end; ++e) {
      double* wj = &w[size_t(x.index[size_t(e)]) * size_t(G)];
      for (int64_t k = 0; k < G; ++k) wj[k] += x.value[size_t(e)] * ai[k];
    }
  }
  for (int64_t j = 0; j < p; ++j)
    for (int64_t k = 0; k < G; ++k) w[size_t(j * G + k)] -= xm[size_t(j)] * colsum[size_t(k)];
}

}  // namespace

RidgeFit fit_ridge(const SparseRows& x, const h5::Matrix<float>& y, const std::vector<int64_t>& y_rows,
                   double alpha, int64_t threads, RidgeSolver solver) {
  const int64_t n = x.rows(), p = x.cols, G = y.cols;
  KG_CHECK(int64_t(y_rows.size()) == n && n > 0, "{} rows of x, {} of y", n, y_rows.size());
  RidgeFit f;
  f.p = p, f.g = G;
  f.dual = solver == RidgeSolver::dual || (solver == RidgeSolver::automatic && n < p);
  const RidgeRows d{x, y, y_rows};
  std::vector<double> xm(size_t(p), 0.0), ym(size_t(G), 0.0);  // x̄, ȳ
  column_means(d, n, xm, ym);
  f.w.assign(size_t(p * G), 0.0);
  if (f.dual) ridge_dual(d, xm, ym, alpha, threads, f.w);
  else ridge_primal(d, xm, ym, alpha, threads, f.w);
  f.b = ym;  // b = ȳ − Wᵀx̄
  for (int64_t j = 0; j < p; ++j)
    for (int64_t k = 0; k < G; ++k) f.b[size_t(k)] -= xm[size_t(j)] * f.w[size_t(j * G + k)];
  return f;
}

}  // namespace kg
