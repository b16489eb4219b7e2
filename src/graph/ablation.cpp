// Ablations of the graph: degree-preserving edge shuffling and random node features.
#include <algorithm>
#include <map>
#include <random>
#include <tuple>

#include "graph/ops.hpp"

namespace kg {

void shuffle_edges(Graph& g, uint64_t seed) {
  const int64_t N = g.num_nodes(), E = g.num_edges();
  std::vector<int32_t> dst(static_cast<size_t>(E)), src = g.src, rel = g.rel;
  for (int64_t v = 0; v < N; ++v)
    for (int64_t e = g.indptr[size_t(v)]; e < g.indptr[size_t(v) + 1]; ++e) dst[size_t(e)] = int32_t(v);
  // Classes keyed by (relation, source type, destination type), in a fixed order.
  std::map<std::tuple<int32_t, int32_t, int32_t>, std::vector<int64_t>> classes;
  for (int64_t e = 0; e < E; ++e)
    classes[{rel[size_t(e)], g.node_type[size_t(src[size_t(e)])], g.node_type[size_t(dst[size_t(e)])]}]
        .push_back(e);
  std::mt19937_64 rng(seed);
  for (auto& [key, edges] : classes) {
    std::vector<int32_t> sources;
    sources.reserve(edges.size());
    for (auto e : edges) sources.push_back(src[size_t(e)]);
    std::shuffle(sources.begin(), sources.end(), rng);
    for (size_t i = 0; i < edges.size(); ++i) src[size_t(edges[i])] = sources[i];
  }
  Graph::build_csr(N, dst, src, rel, g.indptr);
  g.src = std::move(src);
  g.rel = std::move(rel);
}

void randomize_features(Graph& g, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.f, 1.f);
  for (auto& f : g.features)
    for (auto& x : f.data) x = normal(rng);
}

}  // namespace kg
