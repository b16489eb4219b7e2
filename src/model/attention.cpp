// Relation means, rollout and paths over a GAT's attention (see attention.hpp).
#include "model/attention.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <utility>

#include "core/error.hpp"
#include "model/models.hpp"

namespace kg {

namespace {

std::vector<int64_t> to_vector(const torch::Tensor& t) {
  auto c = t.contiguous();
  return {c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel()};
}

// The edges of one layer grouped by destination: the edges into v are order[first[v]..first[v+1]).
struct ByDestination {
  std::vector<int64_t> first, order;
  ByDestination(const AttentionLayer& l, int64_t num_nodes) : first(size_t(num_nodes) + 1, 0) {
    for (int64_t v : l.dst) ++first[size_t(v) + 1];
    for (size_t v = 0; v < size_t(num_nodes); ++v) first[v + 1] += first[v];
    order.resize(l.dst.size());
    auto next = first;
    for (size_t e = 0; e < l.dst.size(); ++e) order[size_t(next[size_t(l.dst[e])]++)] = int64_t(e);
  }
};

int64_t node_count(const std::vector<AttentionLayer>& layers, int64_t target) {
  int64_t n = target + 1;
  for (const auto& l : layers) {
    KG_CHECK(l.dst.size() == l.src.size() && l.rel.size() == l.src.size() && l.alpha.size() == l.src.size());
    for (size_t e = 0; e < l.src.size(); ++e) n = std::max({n, l.src[e] + 1, l.dst[e] + 1});
  }
  return n;
}

}  // namespace

std::vector<AttentionLayer> attention_layers(const GatAttention& a) {
  KG_CHECK(a.edges.size() == a.alpha.size());
  std::vector<AttentionLayer> out(a.edges.size());
  for (size_t l = 0; l < a.edges.size(); ++l) {
    const auto mean = a.alpha[l].detach().mean(1).to(torch::kFloat64).contiguous();  // [E]
    out[l].src = to_vector(a.edges[l].src);
    out[l].dst = to_vector(a.edges[l].dst);
    out[l].rel = to_vector(a.edges[l].rel);
    out[l].alpha.assign(mean.data_ptr<double>(), mean.data_ptr<double>() + mean.numel());
    KG_CHECK(out[l].alpha.size() == out[l].src.size());
  }
  return out;
}

RelationAttention relation_attention(const GatAttention& a, const std::vector<std::string>& relation_names,
                                     const std::vector<char>& dst_mask,
                                     const std::function<void(std::vector<double>&)>& sum) {
  KG_CHECK(a.edges.size() == a.alpha.size());
  RelationAttention r;
  r.relations = relation_names;
  r.relations.push_back("self_loop");
  const auto cols = int64_t(r.relations.size()), layers = int64_t(a.edges.size());
  // Per layer and relation: the sum of alpha, then the number of edges (in double, to be summed).
  std::vector<double> acc(size_t(2 * layers * cols), 0.0);
  for (int64_t l = 0; l < layers; ++l) {
    // Per-relation sums in double, by index_add over the edges (an [E] pass, no per-edge copies).
    auto rel = a.edges[size_t(l)].rel;
    auto mean = a.alpha[size_t(l)].detach().mean(1).to(torch::kFloat64);  // [E]
    if (!dst_mask.empty()) {
      const auto& dst = a.edges[size_t(l)].dst;
      KG_CHECK(int64_t(dst_mask.size()) == a.edges[size_t(l)].num_nodes);
      auto mask = torch::from_blob(const_cast<char*>(dst_mask.data()), {int64_t(dst_mask.size())}, torch::kInt8);
      auto keep = mask.index_select(0, dst).to(torch::kBool);
      rel = rel.masked_select(keep), mean = mean.masked_select(keep);
    }
    const auto sums = torch::zeros({cols}, torch::kFloat64).index_add(0, rel, mean);
    const auto counts = torch::bincount(rel, {}, cols);
    KG_CHECK(counts.size(0) == cols, "relation index beyond {} columns", cols);
    for (int64_t c = 0; c < cols; ++c) {
      acc[size_t(2 * (l * cols + c))] = sums[c].item<double>();
      acc[size_t(2 * (l * cols + c) + 1)] = double(counts[c].item<int64_t>());
    }
  }
  if (sum) sum(acc);
  r.mean = {std::vector<double>(size_t(layers * cols)), layers, cols};
  r.edges = {std::vector<int64_t>(size_t(layers * cols)), layers, cols};
  std::vector<double> sum_all(size_t(cols), 0.0);
  std::vector<int64_t> count_all(size_t(cols), 0);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (int64_t l = 0; l < layers; ++l)
    for (int64_t c = 0; c < cols; ++c) {
      const double s = acc[size_t(2 * (l * cols + c))];
      const auto n = int64_t(acc[size_t(2 * (l * cols + c) + 1)]);
      r.edges.row(l)[c] = n;
      r.mean.row(l)[c] = n > 0 ? s / double(n) : nan;
      sum_all[size_t(c)] += s, count_all[size_t(c)] += n;
    }
  for (int64_t c = 0; c < cols; ++c)
    r.mean_all.push_back(count_all[size_t(c)] > 0 ? sum_all[size_t(c)] / double(count_all[size_t(c)]) : nan);
  return r;
}

std::vector<double> attention_rollout(const std::vector<AttentionLayer>& layers, int64_t num_nodes,
                                      int64_t target) {
  KG_CHECK(target >= 0 && target < num_nodes && node_count(layers, target) <= num_nodes);
  std::vector<double> next(size_t(num_nodes), 0.0), cur(next.size(), 0.0);
  next[size_t(target)] = 1.0;  // R_L
  for (size_t l = layers.size(); l-- > 0;) {
    const auto& L = layers[l];
    for (size_t u = 0; u < cur.size(); ++u) cur[u] = 0.5 * next[u];  // identity branch
    for (size_t e = 0; e < L.src.size(); ++e)
      cur[size_t(L.src[e])] += 0.5 * L.alpha[e] * next[size_t(L.dst[e])];  // attention branch
    std::swap(cur, next);
  }
  return next;  // R_0
}

std::vector<AttentionPath> attention_paths(const std::vector<AttentionLayer>& layers, int64_t target,
                                           int64_t self_rel, double min_score) {
  const int64_t n = node_count(layers, target);
  std::vector<ByDestination> into;
  for (const auto& l : layers) into.emplace_back(l, n);
  // alpha_l of the edges u -> v of relation r (summed over parallel ones).
  auto alpha_of = [&](size_t l, int64_t u, int64_t v, int64_t r) {
    double a = 0;
    for (int64_t i = into[l].first[size_t(v)]; i < into[l].first[size_t(v) + 1]; ++i) {
      const auto e = size_t(into[l].order[size_t(i)]);
      if (layers[l].src[e] == u && layers[l].rel[e] == r) a += layers[l].alpha[e];
    }
    return a;
  };

  // Depth-first from the target down the layers; `hops` holds the walk's edges so far (last
  // layer first), stays leave no trace.
  std::map<std::pair<std::vector<int64_t>, std::vector<int64_t>>, double> score;  // (nodes, rels)
  std::vector<std::pair<size_t, int64_t>> hops;  // (layer, edge)
  auto finish = [&](double p) {
    std::vector<int64_t> nodes{target}, rels;  // built from the target backwards
    for (const auto& [l, e] : hops) nodes.push_back(layers[l].src[size_t(e)]), rels.push_back(layers[l].rel[size_t(e)]);
    std::reverse(nodes.begin(), nodes.end());
    std::reverse(rels.begin(), rels.end());
    score[{nodes, rels}] += p;
  };
  auto walk = [&](auto&& self, int64_t v, size_t depth, double p) -> void {
    if (depth == layers.size()) return finish(p);
    const size_t l = layers.size() - 1 - depth;
    const auto& L = layers[l];
    double stay = 0.5;
    for (int64_t i = into[l].first[size_t(v)]; i < into[l].first[size_t(v) + 1]; ++i) {
      const auto e = into[l].order[size_t(i)];
      if (L.rel[size_t(e)] == self_rel) {
        stay += 0.5 * L.alpha[size_t(e)];
        continue;
      }
      const double q = p * 0.5 * L.alpha[size_t(e)];
      if (q < min_score) continue;
      hops.emplace_back(l, e);
      self(self, L.src[size_t(e)], depth + 1, q);
      hops.pop_back();
    }
    if (p * stay >= min_score) self(self, v, depth + 1, p * stay);
  };
  walk(walk, target, 0, 1.0);

  std::vector<AttentionPath> out;
  for (auto& [key, s] : score) {
    AttentionPath path{key.first, key.second, s, 0.0};
    // at[i]: sum over placements of the hops below node i, layer by layer from the top.
    const size_t k = path.rels.size();
    std::vector<double> at(k + 1, 0.0), next(k + 1);
    at[k] = 1.0;
    for (size_t l = layers.size(); l-- > 0;) {
      for (size_t i = 0; i <= k; ++i) {
        const int64_t v = path.nodes[i];
        next[i] = at[i] * alpha_of(l, v, v, self_rel);                                 // stay
        if (i < k) next[i] += at[i + 1] * alpha_of(l, v, path.nodes[i + 1], path.rels[i]);  // hop
      }
      std::swap(at, next);
    }
    path.alpha = at[0];
    out.push_back(path);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const AttentionPath& a, const AttentionPath& b) { return a.score > b.score; });
  return out;
}

}  // namespace kg
