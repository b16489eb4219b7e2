// Internals of the bench graph shared by bench_graph.cpp (structure, drugs, targets) and
// bench_context.cpp (annotations and clinical context): the edge collector, random streams and
// the context steps. Not a public interface (synth/bench.hpp is).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "synth/bench.hpp"
#include "synth/rng.hpp"

namespace kg::synth::bench_graph {

// The graph's random streams (all of graph_seed), one per step.
enum Stream : uint64_t { kPathways = 401, kPpi, kHomes, kAnnot, kTargets, kHubs, kHubEdges, kMatch, kDrugs, kFill };

// Undirected edges per (relation, display relation), without duplicates; one relation name
// may have several displays (drug_protein: target, enzyme, transporter, carrier).
class Edges {
 public:
  int32_t rel(const std::string& name, const std::string& display) {
    auto key = std::make_pair(name, display);
    auto it = index_.find(key);
    if (it != index_.end()) return it->second;
    rels_.push_back({name, display});
    sets_.emplace_back();
    return index_[key] = int32_t(rels_.size() - 1);
  }
  void add(int32_t r, int32_t x, int32_t y) {
    if (x == y) return;
    if (sets_[size_t(r)].insert({x, y}).second) ++deg_[x], ++deg_[y];
  }
  int64_t degree(int32_t v) const {
    auto it = deg_.find(v);
    return it == deg_.end() ? 0 : it->second;
  }
  void finish(Kg& kg) {
    kg.relations = rels_;
    for (size_t r = 0; r < sets_.size(); ++r)
      for (auto [x, y] : sets_[r]) kg.edges.push_back({int32_t(r), x, y});
  }

 private:
  std::map<std::pair<std::string, std::string>, int32_t> index_;
  std::vector<KgRelation> rels_;
  std::vector<std::set<std::pair<int32_t, int32_t>>> sets_;
  std::map<int32_t, int64_t> deg_;
};

// Draws indices proportionally to fixed weights (cumulative table, binary search).
class Weighted {
 public:
  explicit Weighted(const std::vector<double>& w) : cum_(w.size()) {
    double s = 0;
    for (size_t i = 0; i < w.size(); ++i) cum_[i] = (s += w[i]);
  }
  int32_t draw(Rng& rng) const {
    double u = rng.uniform() * cum_.back();
    return int32_t(std::min<size_t>(size_t(std::upper_bound(cum_.begin(), cum_.end(), u) - cum_.begin()), cum_.size() - 1));
  }

 private:
  std::vector<double> cum_;
};

template <typename T>
const T& pick(const std::vector<T>& v, Rng& rng) {
  return v[size_t(rng.below(int64_t(v.size())))];
}

// The context nodes of each type, in kg.csv order.
struct ContextNodes {
  std::vector<int32_t> disease, pheno, bp, mf, cc, anat, expo;
};

/// Annotation and context edges (diseases, the cell lines' disease genes, phenotypes, GO,
/// anatomy, hierarchies, exposures); fills t.cell_disease_genes. Returns each disease's focus
/// pathway (-1 for the cell lines' diseases).
std::map<int32_t, int32_t> add_annotations(Edges& es, BenchTruth& t, const Kg& kg, const ContextNodes& ctx,
                                           const std::vector<std::vector<int32_t>>& members, int64_t top,
                                           const std::vector<CellLine>& cells, const BenchShape& shape, uint64_t seed);

/// Drugs' side effects, indications (leaning to diseases focused on their home pathway),
/// contraindications, off-label uses and drug-drug interactions.
void add_drug_context(Edges& es, const ContextNodes& ctx, const std::vector<int32_t>& drug_nodes,
                      const std::vector<int32_t>& drug_home, const std::map<int32_t, int32_t>& disease_focus,
                      uint64_t seed);

/// One edge for every node still without one (kg.csv is the only place a node appears).
void connect_isolated(Edges& es, const Kg& kg, const ContextNodes& ctx, int64_t n_genes, uint64_t seed);

}  // namespace kg::synth::bench_graph
