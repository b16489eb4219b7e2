// Ablations: edge_shuffle keeps every node's degree per relation and really rewires; no_kg keeps
// only the cell-line edges; drug_shuffle permutes compounds among a cell line's signatures.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "graph/ops.hpp"

namespace {

using Edge = std::tuple<int32_t, int32_t, int32_t>;  // (src, dst, rel)

std::multiset<Edge> edges(const kg::Graph& g) {
  std::multiset<Edge> out;
  for (int32_t v = 0; v < g.num_nodes(); ++v)
    for (auto e = g.indptr[size_t(v)]; e < g.indptr[size_t(v) + 1]; ++e)
      out.emplace(g.src[size_t(e)], v, g.rel[size_t(e)]);
  return out;
}

// A graph from (src, dst, rel) edges over nodes of the given types, one feature column per node
// (its index) so that feature changes are visible.
kg::Graph make_graph(const std::vector<std::string>& types, const std::vector<std::string>& relations,
                     const std::vector<Edge>& list) {
  kg::Graph g;
  g.relation_names = relations;
  g.features.resize(kg::node_type_names().size());
  std::vector<int64_t> count(kg::node_type_names().size(), 0);
  for (size_t v = 0; v < types.size(); ++v) {
    const int t = kg::node_type_index(types[v]);
    g.node_type.push_back(t);
    g.local_index.push_back(count[size_t(t)]++);
    g.node_id.push_back("id" + std::to_string(v));
    g.node_name.push_back("n" + std::to_string(v));
    g.node_source.push_back(types[v] == "cell_line" ? "LINCS" : "test");
    g.features[size_t(t)].data.push_back(float(v));
  }
  for (size_t t = 0; t < count.size(); ++t) g.features[t].rows = count[t], g.features[t].cols = 1;
  std::vector<int32_t> dst, src, rel;
  for (auto [s, d, r] : list) src.push_back(s), dst.push_back(d), rel.push_back(r);
  kg::Graph::build_csr(int64_t(types.size()), dst, src, rel, g.indptr);
  g.src = src;
  g.rel = rel;
  g.validate("test graph");
  return g;
}

// (node, relation) -> in-degree and out-degree.
std::map<std::pair<int32_t, int32_t>, std::pair<int, int>> degrees(const kg::Graph& g) {
  std::map<std::pair<int32_t, int32_t>, std::pair<int, int>> d;
  for (auto [s, t, r] : edges(g)) {
    d[{t, r}].first++;
    d[{s, r}].second++;
  }
  return d;
}

TEST(EdgeShuffle, KeepsInAndOutDegreePerRelationAndRewiresAMatching) {
  // 40 drugs each targeting its own protein (relation 0: a perfect matching, so any source
  // permutation other than the identity changes the edge set), plus a protein chain
  // (relation 1) and a second drug relation over the same nodes (relation 2).
  const int D = 40;
  std::vector<std::string> types(D, "drug");
  types.insert(types.end(), D, "gene/protein");
  std::vector<Edge> list;
  for (int i = 0; i < D; ++i) list.emplace_back(i, D + i, 0);
  for (int i = 0; i + 1 < D; ++i) list.emplace_back(D + i, D + i + 1, 1);
  for (int i = 0; i < D; i += 2) list.emplace_back(i, D + (i * 3) % D, 2), list.emplace_back(i, D + 1, 2);
  const auto g = make_graph(types, {"drug_protein", "protein_protein", "drug_drug_target"}, list);
  for (uint64_t seed : {0, 1, 2}) {
    auto h = g;
    kg::shuffle_edges(h, seed);
    h.validate("shuffled");
    EXPECT_EQ(degrees(h), degrees(g)) << "seed " << seed;
    EXPECT_EQ(h.num_edges(), g.num_edges());
    // Matching edges kept in place: a random permutation of 40 fixes one on average.
    const auto before = edges(g), after = edges(h);
    int kept = 0;
    for (int i = 0; i < D; ++i) kept += int(after.count(Edge{i, D + i, 0}));
    EXPECT_LT(kept, D / 2) << "seed " << seed;
    // Edge types stay: relation 0 still runs drug -> protein.
    for (auto [s, t, r] : after)
      if (r == 0) EXPECT_TRUE(s < D && t >= D);
    auto again = g;
    kg::shuffle_edges(again, seed);
    EXPECT_EQ(again.src, h.src);  // seeded
  }
  auto a = g, b = g;
  kg::shuffle_edges(a, 0);
  kg::shuffle_edges(b, 1);
  EXPECT_NE(edges(a), edges(b));
}

// PrimeKG part: drug 0, proteins 1-2, anatomy 3, disease 4 (both directions of each edge);
// LINCS part: cell lines 5 and 6 linked to anatomy 3 and disease 4, and a new drug 7 without
// edges.
kg::Graph kg_and_lincs() {
  std::vector<Edge> list;
  auto both = [&](int a, int b, int r) { list.emplace_back(a, b, r), list.emplace_back(b, a, r); };
  both(0, 1, 0);
  both(0, 2, 0);
  both(1, 2, 1);
  both(1, 3, 2);
  both(2, 4, 3);
  both(5, 3, 4);
  both(5, 4, 5);
  both(6, 3, 4);
  return make_graph({"drug", "gene/protein", "gene/protein", "anatomy", "disease", "cell_line",
                     "cell_line", "drug"},
                    {"drug_protein", "protein_protein", "anatomy_protein_present",
                     "disease_protein", "cell_line_anatomy", "cell_line_disease"},
                    list);
}

TEST(NoKg, RemovesEveryPrimeKgEdgeAndKeepsTheCellLineEdges) {
  const auto g = kg_and_lincs();
  auto h = g;
  EXPECT_EQ(kg::remove_kg_edges(h), 10);
  h.validate("no_kg");
  const std::multiset<Edge> lincs{{5, 3, 4}, {3, 5, 4}, {5, 4, 5}, {4, 5, 5}, {6, 3, 4}, {3, 6, 4}};
  EXPECT_EQ(edges(h), lincs);
  // Nodes, features and relations unchanged.
  EXPECT_EQ(h.node_type, g.node_type);
  EXPECT_EQ(h.local_index, g.local_index);
  EXPECT_EQ(h.node_id, g.node_id);
  EXPECT_EQ(h.relation_names, g.relation_names);
  ASSERT_EQ(h.features.size(), g.features.size());
  for (size_t t = 0; t < g.features.size(); ++t) EXPECT_EQ(h.features[t].data, g.features[t].data);
  // Every remaining edge touches a cell line; the PrimeKG nodes have none left.
  for (int v : {0, 1, 2, 7}) EXPECT_EQ(h.indptr[size_t(v) + 1], h.indptr[size_t(v)]) << v;
  EXPECT_EQ(kg::remove_kg_edges(h), 0);  // idempotent
}

TEST(KeepRelations, KeepsExactlyTheEdgesOfTheGivenRelations) {
  const auto g = kg_and_lincs();
  auto h = g;
  // drug_protein (0) and cell_line_disease (5): 2 + 1 edges, both directions.
  EXPECT_EQ(kg::keep_relations(h, {0, 5}), 16 - 6);
  h.validate("keep_relations");
  const std::multiset<Edge> kept{{0, 1, 0}, {1, 0, 0}, {0, 2, 0}, {2, 0, 0}, {5, 4, 5}, {4, 5, 5}};
  EXPECT_EQ(edges(h), kept);
  EXPECT_EQ(h.relation_names, g.relation_names);
  EXPECT_EQ(h.node_type, g.node_type);
  EXPECT_EQ(kg::keep_relations(h, {0, 5}), 0);  // idempotent
  auto all = g;
  EXPECT_EQ(kg::keep_relations(all, {0, 1, 2, 3, 4, 5}), 0);
  EXPECT_EQ(edges(all), edges(g));
  EXPECT_EQ(kg::keep_relations(all, {}), 16);
  EXPECT_EQ(all.num_edges(), 0);
}

kg::Samples signatures(int cells, int per_cell) {
  kg::Samples s;
  for (int c = 0; c < cells; ++c)
    for (int k = 0; k < per_cell; ++k) {
      s.sig_id.push_back("s" + std::to_string(s.sig_id.size()));
      s.sig_cell.push_back(c);
      s.sig_drug.push_back((k * 7 + c) % 13);  // 13 compounds, repeated
      s.dose_um.push_back(float(k));
      s.time_h.push_back(24.f);
    }
  return s;
}

TEST(DrugShuffle, PermutesCompoundsWithinEachCellLineSeeded) {
  const auto s = signatures(3, 30);
  auto a = s;
  kg::shuffle_drugs(a, 9);
  // Each cell line keeps its multiset of compounds; everything else stays.
  for (int c = 0; c < 3; ++c) {
    std::multiset<int32_t> before, after;
    for (size_t i = 0; i < s.sig_id.size(); ++i)
      if (s.sig_cell[i] == c) before.insert(s.sig_drug[i]), after.insert(a.sig_drug[i]);
    EXPECT_EQ(after, before) << "cell " << c;
  }
  EXPECT_EQ(a.sig_cell, s.sig_cell);
  EXPECT_EQ(a.sig_id, s.sig_id);
  EXPECT_EQ(a.dose_um, s.dose_um);
  // Most signatures get another compound (30 per cell line, each compound at most 3 times).
  int same = 0;
  for (size_t i = 0; i < s.sig_drug.size(); ++i) same += a.sig_drug[i] == s.sig_drug[i];
  EXPECT_LT(same, 30);
  auto b = s, c = s;
  kg::shuffle_drugs(b, 9);
  kg::shuffle_drugs(c, 10);
  EXPECT_EQ(b.sig_drug, a.sig_drug);
  EXPECT_NE(c.sig_drug, a.sig_drug);
}

}  // namespace
