// Ablations: degree-preserving edge shuffling, random node features, no PrimeKG edges, and
// compounds shuffled across signatures; and their registry (ablation.hpp).
#include "graph/ablation.hpp"

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

namespace {

// Keeps the edges for which keep(src, dst, rel) holds, rebuilding the CSR; returns how many went.
template <class Keep>
int64_t filter_edges(Graph& g, Keep keep) {
  const int64_t N = g.num_nodes(), E = g.num_edges();
  std::vector<int32_t> dst, src, rel;
  for (int64_t v = 0; v < N; ++v)
    for (int64_t e = g.indptr[size_t(v)]; e < g.indptr[size_t(v) + 1]; ++e)
      if (keep(g.src[size_t(e)], int32_t(v), g.rel[size_t(e)])) {
        dst.push_back(int32_t(v));
        src.push_back(g.src[size_t(e)]);
        rel.push_back(g.rel[size_t(e)]);
      }
  Graph::build_csr(N, dst, src, rel, g.indptr);
  g.src = std::move(src);
  g.rel = std::move(rel);
  return E - g.num_edges();
}

}  // namespace

int64_t remove_kg_edges(Graph& g) {
  return filter_edges(g, [&g](int32_t s, int32_t d, int32_t) { return is_lincs_edge(g, s, d); });
}

int64_t keep_relations(Graph& g, const std::vector<int32_t>& keep) {
  std::vector<char> kept(size_t(g.num_relations()), 0);
  for (auto r : keep) kept.at(size_t(r)) = 1;
  return filter_edges(g, [&kept](int32_t, int32_t, int32_t r) { return kept[size_t(r)] != 0; });
}

void shuffle_drugs(Samples& s, uint64_t seed) {
  std::map<int32_t, std::vector<size_t>> by_cell;  // ordered: deterministic
  for (size_t i = 0; i < s.sig_drug.size(); ++i) by_cell[s.sig_cell[i]].push_back(i);
  std::mt19937_64 rng(seed);
  for (auto& [cell, sigs] : by_cell) {
    std::vector<int32_t> drugs;
    drugs.reserve(sigs.size());
    for (auto i : sigs) drugs.push_back(s.sig_drug[i]);
    std::shuffle(drugs.begin(), drugs.end(), rng);
    for (size_t k = 0; k < sigs.size(); ++k) s.sig_drug[sigs[k]] = drugs[k];
  }
}

const std::vector<AblationInfo>& ablation_table() {
  static const std::vector<AblationInfo> table{
      {"none", "the inputs as they are", {}},
      {"edge_shuffle", "degree-preserving rewiring within each (relation, source type, destination type)",
       [](Graph& g, Samples&, uint64_t seed) { shuffle_edges(g, seed); }},
      {"feature_random", "every node feature replaced by seeded standard Gaussian values",
       [](Graph& g, Samples&, uint64_t seed) { randomize_features(g, seed); }},
      {"no_kg", "every PrimeKG edge removed (the cell lines' edges kept)",
       [](Graph& g, Samples&, uint64_t) { remove_kg_edges(g); }},
      {"drug_shuffle", "the signatures' compounds permuted within each cell line",
       [](Graph&, Samples& s, uint64_t seed) { shuffle_drugs(s, seed); }},
  };
  return table;
}

const AblationInfo* find_ablation(const std::string& name) {
  for (const auto& a : ablation_table())
    if (a.name == name) return &a;
  return nullptr;
}

std::vector<std::string> ablation_names() {
  std::vector<std::string> names;
  for (const auto& a : ablation_table()) names.push_back(a.name);
  return names;
}

}  // namespace kg
