// Metapath features and the kg_ridge baseline (see kg_features.hpp). Everything is sparse: a
// start node's path vector touches only the edges it reaches, and a signature's row is built
// from its compound's and cell line's vectors on demand, so nothing of size N x N or S x width
// is ever held.
#include "model/kg_features.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <fmt/ranges.h>  // fmt::join

#include "core/error.hpp"
#include "model/baselines.hpp"
#include "model/inputs.hpp"

namespace kg {

HopNorm parse_hop_norm(const std::string& name) {
  if (name == "none") return HopNorm::none;
  if (name == "row") return HopNorm::row;
  if (name == "sym") return HopNorm::sym;
  fail("unknown hop normalisation \"{}\" (expected none, row or sym)", name);
}

const char* hop_norm_name(HopNorm n) {
  return n == HopNorm::none ? "none" : n == HopNorm::row ? "row" : "sym";
}

namespace {

std::vector<std::string> split_on(const std::string& text, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i)
    if (i == text.size() || text[i] == sep) {
      std::string part = text.substr(start, i - start);
      const auto b = part.find_first_not_of(" \t"), e = part.find_last_not_of(" \t");
      out.push_back(b == std::string::npos ? "" : part.substr(b, e - b + 1));
      start = i + 1;
    }
  return out;
}

// Sums the values of equal keys of (key, value) pairs into a sorted SparseVec.
SparseVec merge_pairs(std::vector<std::pair<int64_t, double>>& pairs) {
  std::sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  SparseVec out;
  for (const auto& [k, v] : pairs) {
    if (!out.key.empty() && out.key.back() == k) out.value.back() += v;
    else out.key.push_back(k), out.value.push_back(v);
  }
  return out;
}

}  // namespace

// ---- PathWalker ------------------------------------------------------------------------------

PathWalker::PathWalker(const Graph& g) : g_(g) {
  const int64_t N = g.num_nodes(), E = g.num_edges(), R = g.num_relations();
  // Transpose the by-destination CSR into out-edges keyed (rel << 32 | dst), sorted per source.
  out_ptr_.assign(size_t(N) + 1, 0);
  for (int32_t u : g.src) ++out_ptr_[size_t(u) + 1];
  for (int64_t u = 0; u < N; ++u) out_ptr_[size_t(u) + 1] += out_ptr_[size_t(u)];
  std::vector<uint64_t> keyed(static_cast<size_t>(E));
  std::vector<int64_t> next(out_ptr_.begin(), out_ptr_.end() - 1);
  in_deg_.assign(size_t(R), std::vector<int32_t>(size_t(N), 0));
  for (int64_t v = 0; v < N; ++v)
    for (int64_t e = g.indptr[size_t(v)]; e < g.indptr[size_t(v) + 1]; ++e) {
      const int32_t u = g.src[size_t(e)], r = g.rel[size_t(e)];
      keyed[size_t(next[size_t(u)]++)] = (uint64_t(uint32_t(r)) << 32) | uint32_t(v);
      ++in_deg_[size_t(r)][size_t(v)];
    }
  for (int64_t u = 0; u < N; ++u)
    std::sort(keyed.begin() + out_ptr_[size_t(u)], keyed.begin() + out_ptr_[size_t(u) + 1]);
  out_dst_.resize(size_t(E)), out_rel_.resize(size_t(E));
  for (size_t e = 0; e < size_t(E); ++e)
    out_rel_[e] = int32_t(keyed[e] >> 32), out_dst_[e] = int32_t(uint32_t(keyed[e]));
}

std::pair<int64_t, int64_t> PathWalker::range(int64_t u, int32_t r) const {
  const auto b = out_rel_.begin() + out_ptr_[size_t(u)], e = out_rel_.begin() + out_ptr_[size_t(u) + 1];
  const auto [lo, hi] = std::equal_range(b, e, r);
  return {lo - out_rel_.begin(), hi - out_rel_.begin()};
}

std::vector<int32_t> PathWalker::resolve(const std::string& path, const std::string& start_type,
                                         const std::string& key) const {
  const int T = int(node_type_names().size());
  std::vector<char> at(size_t(T), 0);  // node types the walk can be at after each hop
  const int t0 = node_type_index(start_type);
  KG_CHECK(t0 >= 0, "node type {}", start_type);
  at[size_t(t0)] = 1;
  std::vector<int32_t> rels;
  for (const std::string& name : split_on(path, '>')) {
    const int r = g_.relation_index(name);
    if (r < 0)
      fail("kg_ridge: {} path \"{}\": relation \"{}\" is not in the graph (it has {}); change key \"{}\"",
           start_type, path, name, fmt::join(g_.relation_names, ", "), key);
    // Which types do edges of r lead to from where we are? None: the hop points the wrong way.
    std::vector<char> next(size_t(T), 0);
    bool any = false;
    for (int64_t v = 0; v < g_.num_nodes(); ++v) {
      if (!in_deg_[size_t(r)][size_t(v)] || next[size_t(g_.node_type[size_t(v)])]) continue;
      for (int64_t e = g_.indptr[size_t(v)]; e < g_.indptr[size_t(v) + 1]; ++e)
        if (g_.rel[size_t(e)] == r && at[size_t(g_.node_type[size_t(g_.src[size_t(e)])])]) {
          next[size_t(g_.node_type[size_t(v)])] = 1, any = true;
          break;
        }
    }
    if (!any) {
      std::vector<std::string> from;
      for (int t = 0; t < T; ++t)
        if (at[size_t(t)]) from.push_back(node_type_names()[size_t(t)]);
      fail("kg_ridge: {} path \"{}\": relation \"{}\" has no edge leaving {} nodes; change key \"{}\"",
           start_type, path, name, fmt::join(from, "/"), key);
    }
    at = next;
    rels.push_back(r);
  }
  return rels;
}

SparseVec PathWalker::walk(int64_t u, const std::vector<int32_t>& rels, HopNorm norm) const {
  SparseVec x{{u}, {1.0}};
  std::vector<std::pair<int64_t, double>> pairs;
  for (int32_t r : rels) {
    pairs.clear();
    for (size_t i = 0; i < x.key.size(); ++i) {
      const auto [b, e] = range(x.key[i], r);
      const double out = double(e - b);
      for (int64_t k = b; k < e; ++k) {
        const int32_t v = out_dst_[size_t(k)];
        const double w = norm == HopNorm::none  ? 1.0
                         : norm == HopNorm::row ? 1.0 / out
                                                : 1.0 / std::sqrt(out * double(in_deg_[size_t(r)][size_t(v)]));
        pairs.emplace_back(v, x.value[i] * w);
      }
    }
    x = merge_pairs(pairs);
  }
  return x;
}

// ---- KgDesign --------------------------------------------------------------------------------

// Product of two factor values as documented in the header; updates a's kind and span.
SparseVec KgDesign::combine(const SparseVec& a, Factor::Kind& ka, int64_t& span_a, const SparseVec& b,
                            Factor::Kind kb, int64_t span_b) {
  SparseVec out;
  if (kb == Factor::scalar || ka == Factor::scalar) {
    const bool b_scalar = kb == Factor::scalar;
    const SparseVec& s = b_scalar ? b : a;
    const SparseVec& v = b_scalar ? a : b;
    if (!b_scalar) ka = kb, span_a = span_b;
    if (s.key.empty()) return out;
    out = v;
    for (double& x : out.value) x *= s.value[0];
    return out;
  }
  if (ka == Factor::node && kb == Factor::node) {  // elementwise on the common end nodes
    for (size_t i = 0, j = 0; i < a.key.size() && j < b.key.size();) {
      if (a.key[i] < b.key[j]) ++i;
      else if (b.key[j] < a.key[i]) ++j;
      else out.key.push_back(a.key[i]), out.value.push_back(a.value[i++] * b.value[j++]);
    }
    return out;
  }
  // Kronecker: key_a * span_b + key_b stays sorted when both inputs are.
  KG_CHECK(span_a <= (int64_t(1) << 62) / std::max<int64_t>(span_b, 1), "Kronecker key overflow");
  for (size_t i = 0; i < a.key.size(); ++i)
    for (size_t j = 0; j < b.key.size(); ++j)
      out.key.push_back(a.key[i] * span_b + b.key[j]), out.value.push_back(a.value[i] * b.value[j]);
  ka = Factor::dense, span_a *= span_b;
  return out;
}

SparseVec KgDesign::block_row(const Block& blk, int64_t i) const {
  SparseVec cur{{0}, {1.0}};  // the empty product: a scalar 1
  Factor::Kind kind = Factor::scalar;
  int64_t span = 1;
  for (const Factor& f : blk.factors) {
    SparseVec v;
    if (f.kind == Factor::scalar) {
      if (const double x = dt_.row(i)[f.col]; x != 0) v.key = {0}, v.value = {x};
    } else if (f.kind == Factor::onehot) {
      v.key = {s_.sig_cell[size_t(i)]}, v.value = {1.0};
    } else {
      v = f.per[size_t(f.by_cell ? s_.sig_cell[size_t(i)] : s_.sig_drug[size_t(i)])];
    }
    cur = combine(cur, kind, span, v, f.kind, f.span);
    if (cur.key.empty()) break;
  }
  return cur;
}

KgDesign::KgDesign(const Graph& g, const Samples& s, const std::vector<std::string>& blocks, HopNorm norm,
                   const std::string& key)
    : s_(s), dt_(dose_time_features(s)) {
  if (blocks.empty()) fail("kg_ridge: key \"{}\" lists no blocks", key);
  const PathWalker walker(g);
  const auto D = int64_t(s.drug_node.size()), C = int64_t(s.cell_id.size()), S = s.num_signatures();
  for (const std::string& text : blocks) {
    Block blk;
    for (const std::string& part : split_on(text, '*')) {
      Factor f;
      if (part == "dose" || part == "time") {
        f.col = part == "dose" ? 0 : 1;
      } else if (part == "cell") {
        f.kind = Factor::onehot, f.span = std::max<int64_t>(C, 1);
      } else if (part == "fp") {
        const h5::Matrix<float> fp = node_feature_rows(g, s.drug_node, "drug");
        f.kind = Factor::dense, f.span = std::max<int64_t>(fp.cols, 1);
        for (int64_t d = 0; d < D; ++d) {
          SparseVec v;
          for (int64_t j = 0; j < fp.cols; ++j)
            if (fp.row(d)[j] != 0) v.key.push_back(j), v.value.push_back(fp.row(d)[j]);
          f.per.push_back(std::move(v));
        }
      } else if (part.rfind("drug:", 0) == 0 || part.rfind("cell:", 0) == 0) {
        f.kind = Factor::node, f.span = g.num_nodes(), f.by_cell = part[0] == 'c';
        const auto rels = walker.resolve(part.substr(5), f.by_cell ? "cell_line" : "drug", key);
        for (int64_t u : f.by_cell ? s.cell_node : s.drug_node) f.per.push_back(walker.walk(u, rels, norm));
      } else {
        fail("kg_ridge: key \"{}\": block \"{}\": unknown factor \"{}\" (expected drug:<path>, "
             "cell:<path>, cell, dose, time or fp)", key, text, part);
      }
      blk.factors.push_back(std::move(f));
    }
    // Columns: the keys met over all signatures; scale: mean squared row norm -> 1.
    double sq = 0;
    for (int64_t i = 0; i < S; ++i) {
      const SparseVec v = block_row(blk, i);
      blk.keys.insert(blk.keys.end(), v.key.begin(), v.key.end());
      for (double x : v.value) sq += x * x;
      if (blk.keys.size() > 4 * size_t(S) + 4096) {  // keep the union small as it grows
        std::sort(blk.keys.begin(), blk.keys.end());
        blk.keys.erase(std::unique(blk.keys.begin(), blk.keys.end()), blk.keys.end());
      }
    }
    std::sort(blk.keys.begin(), blk.keys.end());
    blk.keys.erase(std::unique(blk.keys.begin(), blk.keys.end()), blk.keys.end());
    blk.width = int64_t(blk.keys.size());
    blk.offset = cols_;
    blk.scale = sq > 0 ? 1.0 / std::sqrt(sq / double(S)) : 1.0;
    cols_ += blk.width;
    blocks_.push_back(std::move(blk));
  }
}

SparseRows KgDesign::rows(const std::vector<int64_t>& sig) const {
  SparseRows x;
  x.cols = std::max<int64_t>(cols_, 1);
  for (int64_t i : sig) {
    for (const Block& blk : blocks_) {
      const SparseVec v = block_row(blk, i);
      for (size_t k = 0; k < v.key.size(); ++k) {
        const auto it = std::lower_bound(blk.keys.begin(), blk.keys.end(), v.key[k]);
        KG_CHECK(it != blk.keys.end() && *it == v.key[k], "key {} not a column", v.key[k]);
        x.add(blk.offset + (it - blk.keys.begin()), v.value[k] * blk.scale);
      }
    }
    x.end_row();
  }
  return x;
}

// ---- the baseline ----------------------------------------------------------------------------

namespace {

class KgRidge : public Baseline {
 public:
  KgRidge(const Config& cfg, const Graph& g, const Samples& s, HopNorm norm, double alpha)
      : s_(s), alpha_(alpha), threads_(cfg.threads), x_(g, s, cfg.baseline.kg_blocks, norm) {}

  void fit(const std::vector<int64_t>& train) override {
    if (train.empty()) fail("no training signatures to fit the baseline on");
    fit_ = fit_ridge(x_.rows(train), s_.y, train, alpha_, threads_);
  }

  h5::Matrix<float> predict(const std::vector<int64_t>& sig) const override {
    KG_CHECK(fit_.g == s_.num_genes(), "predict before fit");
    const SparseRows x = x_.rows(sig);
    h5::Matrix<float> out{std::vector<float>(sig.size() * size_t(fit_.g)), int64_t(sig.size()), fit_.g};
    for (int64_t r = 0; r < x.rows(); ++r) fit_.predict_row(x, r, out.row(r));
    return out;
  }

  int64_t num_fitted() const override { return (fit_.p + 1) * fit_.g; }

 private:
  const Samples& s_;
  double alpha_;
  int64_t threads_;
  KgDesign x_;
  RidgeFit fit_;
};

}  // namespace

std::unique_ptr<Baseline> make_kg_ridge(const Config& cfg, const Graph& g, const Samples& s, HopNorm norm,
                                        double alpha) {
  return std::make_unique<KgRidge>(cfg, g, s, norm, alpha);
}

}  // namespace kg
