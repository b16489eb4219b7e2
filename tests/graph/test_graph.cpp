// Graph: CSR construction, file round trip, ablations (degrees kept), splits, METIS partitioning.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <tuple>

#include "core/error.hpp"
#include "graph/graph.hpp"
#include "graph/ops.hpp"

namespace {

// Two 4-cliques of gene/protein nodes (0-3, 4-7) joined by one edge 3-4, both directions,
// plus a drug node 8 targeting 0 and 1 (relation 1).
kg::Graph two_cliques() {
  kg::Graph g;
  g.relation_names = {"protein_protein", "drug_protein"};
  std::vector<int32_t> dst, src, rel;
  auto add = [&](int a, int b, int r) {
    dst.push_back(b); src.push_back(a); rel.push_back(r);
    dst.push_back(a); src.push_back(b); rel.push_back(r);
  };
  for (int base : {0, 4})
    for (int i = 0; i < 4; ++i)
      for (int j = i + 1; j < 4; ++j) add(base + i, base + j, 0);
  add(3, 4, 0);
  add(8, 0, 1);
  add(8, 1, 1);
  const int N = 9;
  const int gene = kg::node_type_index("gene/protein"), drug = kg::node_type_index("drug");
  g.features.resize(kg::node_type_names().size());
  for (int v = 0; v < N; ++v) {
    int t = v == 8 ? drug : gene;
    g.node_type.push_back(t);
    g.local_index.push_back(v == 8 ? 0 : v);
    g.node_id.push_back("id" + std::to_string(v));
    g.node_name.push_back("n" + std::to_string(v));
    g.node_source.push_back("test");
  }
  g.features[size_t(gene)] = {std::vector<float>(8 * 2, 1.f), 8, 2};
  g.features[size_t(drug)] = {std::vector<float>{3.f, 4.f, 5.f}, 1, 3};
  kg::Graph::build_csr(N, dst, src, rel, g.indptr);
  g.src = src;
  g.rel = rel;
  return g;
}

// degree[(node, relation, in|out)]
std::map<std::tuple<int, int, int>, int> degrees(const kg::Graph& g) {
  std::map<std::tuple<int, int, int>, int> d;
  for (int v = 0; v < g.num_nodes(); ++v)
    for (auto e = g.indptr[size_t(v)]; e < g.indptr[size_t(v) + 1]; ++e) {
      d[{v, g.rel[size_t(e)], 0}]++;
      d[{g.src[size_t(e)], g.rel[size_t(e)], 1}]++;
    }
  return d;
}

TEST(Graph, CsrIsSortedByDestinationThenSource) {
  auto g = two_cliques();
  g.validate("test");
  EXPECT_EQ(g.num_edges(), 2 * (6 + 6 + 1 + 2));
  // node 0: incoming from 1, 2, 3 (protein_protein) and 8 (drug_protein)
  std::vector<int32_t> in0(g.src.begin() + g.indptr[0], g.src.begin() + g.indptr[1]);
  EXPECT_EQ(in0, (std::vector<int32_t>{1, 2, 3, 8}));
  EXPECT_EQ(g.rel[size_t(g.indptr[1] - 1)], 1);
}

TEST(Graph, FileRoundTrip) {
  auto g = two_cliques();
  std::string p = ::testing::TempDir() + "graph_rt.h5";
  {
    kg::h5::Writer w(p);
    kg::write_graph(w, g);
    w.commit();
  }
  auto h = kg::read_graph(p);
  EXPECT_EQ(h.src, g.src);
  EXPECT_EQ(h.indptr, g.indptr);
  EXPECT_EQ(h.node_name, g.node_name);
  EXPECT_EQ(h.relation_names, g.relation_names);
  EXPECT_EQ(h.features[0].data, (std::vector<float>{3.f, 4.f, 5.f}));
}

TEST(Graph, EdgeShuffleKeepsDegreesPerRelationAndTypes) {
  auto g = two_cliques();
  auto before = degrees(g);
  auto h = g;
  kg::shuffle_edges(h, 42);
  h.validate("shuffled");
  EXPECT_EQ(degrees(h), before);
  EXPECT_NE(h.src, g.src);  // something moved
  // drug_protein edges into proteins still come from the drug
  for (int v = 0; v < h.num_nodes(); ++v)
    for (auto e = h.indptr[size_t(v)]; e < h.indptr[size_t(v) + 1]; ++e)
      if (h.rel[size_t(e)] == 1 && v != 8) EXPECT_EQ(h.src[size_t(e)], 8);
  auto h2 = g;
  kg::shuffle_edges(h2, 42);
  EXPECT_EQ(h2.src, h.src);  // seeded
}

TEST(Graph, FeatureRandomKeepsShapes) {
  auto g = two_cliques();
  kg::randomize_features(g, 1);
  EXPECT_EQ(g.features[0].rows, 1);
  EXPECT_EQ(g.features[0].cols, 3);
  EXPECT_NE(g.features[0].data, (std::vector<float>{3.f, 4.f, 5.f}));
}

TEST(Split, RandomIsADisjointCoverWithRequestedSizes) {
  auto s = kg::make_split("random", 1000, {}, 0.8, 0.1, 3);
  EXPECT_EQ(s.train.size(), 800u);
  EXPECT_EQ(s.val.size(), 100u);
  EXPECT_EQ(s.test.size(), 100u);
  std::set<int64_t> all(s.train.begin(), s.train.end());
  all.insert(s.val.begin(), s.val.end());
  all.insert(s.test.begin(), s.test.end());
  EXPECT_EQ(all.size(), 1000u);
  EXPECT_EQ(kg::make_split("random", 1000, {}, 0.8, 0.1, 3).test, s.test);
  EXPECT_NE(kg::make_split("random", 1000, {}, 0.8, 0.1, 4).test, s.test);
}

TEST(Split, GroupsNeverStraddleParts) {
  // 60 groups of varied sizes (1..7 signatures each)
  std::vector<int64_t> group;
  for (int g = 0; g < 60; ++g)
    for (int k = 0; k < 1 + g % 7; ++k) group.push_back(g);
  const int64_t n = int64_t(group.size());
  auto s = kg::make_split("scaffold", n, group, 0.8, 0.1, 0);
  std::map<int64_t, std::set<int>> parts_of;
  int part = 0;
  for (const auto* p : {&s.train, &s.val, &s.test}) {
    for (auto i : *p) parts_of[group[size_t(i)]].insert(part);
    ++part;
  }
  for (const auto& [g, ps] : parts_of) EXPECT_EQ(ps.size(), 1u) << "group " << g;
  EXPECT_EQ(int64_t(s.train.size() + s.val.size() + s.test.size()), n);
  EXPECT_NEAR(double(s.train.size()) / double(n), 0.8, 0.05);
  EXPECT_NEAR(double(s.test.size()) / double(n), 0.1, 0.05);
}

TEST(Partition, TwoCliquesSplitAtTheBridge) {
  auto g = two_cliques();
  std::vector<int64_t> w(size_t(g.num_nodes()), 1);
  auto p = kg::partition_graph(g, w, 2, 0);
  EXPECT_EQ(p.edge_cut, 1);
  EXPECT_NE(p.part[0], p.part[5]);
  for (int v : {1, 2, 3, 8}) EXPECT_EQ(p.part[size_t(v)], p.part[0]);
  for (int v : {4, 6, 7}) EXPECT_EQ(p.part[size_t(v)], p.part[5]);
  EXPECT_EQ(p.part_nodes[0] + p.part_nodes[1], 9);
  EXPECT_NEAR(p.balance, 10.0 / 9.0, 1e-9);  // 5 vs 4 nodes
  auto q = kg::partition_graph(g, w, 2, 0);
  EXPECT_EQ(q.part, p.part);  // deterministic
  auto one = kg::partition_graph(g, w, 1, 0);
  EXPECT_EQ(one.edge_cut, 0);
}

TEST(Partition, BalancesTheWorkAsWellAsTheNodes) {
  // A path of 40 nodes whose work all sits on the first 10: cutting by nodes alone would give
  // one part all of it; both constraints must hold within METIS' tolerance.
  std::vector<int32_t> src, dst, rel;
  for (int v = 0; v + 1 < 40; ++v) {
    src.insert(src.end(), {v, v + 1}), dst.insert(dst.end(), {v + 1, v}), rel.insert(rel.end(), {0, 0});
  }
  kg::Graph g;
  g.relation_names = {"r"};
  for (int v = 0; v < 40; ++v) {
    g.node_type.push_back(0), g.local_index.push_back(v), g.node_id.push_back(std::to_string(v));
    g.node_name.push_back("n"), g.node_source.push_back("t");
  }
  kg::Graph::build_csr(40, dst, src, rel, g.indptr);
  g.src = src, g.rel = rel;
  std::vector<int64_t> work(40, 0);
  for (int v = 0; v < 10; ++v) work[size_t(v)] = 10;
  auto p = kg::partition_graph(g, work, 2, 0);
  EXPECT_EQ(p.part_weight[0] + p.part_weight[1], 100);
  EXPECT_LE(p.balance, 1.2) << p.part_weight[0] << " vs " << p.part_weight[1];
  EXPECT_LE(p.node_balance, 1.2) << p.part_nodes[0] << " vs " << p.part_nodes[1];
  EXPECT_EQ(p.part_nodes[0] + p.part_nodes[1], 40);
}

TEST(Partition, HalosAreTheInNeighbourhoodsWithinLHops) {
  // 0 -> 1 -> 2 -> 3 -> 4 (directed): part 0 = {3, 4}, part 1 = {0, 1, 2}.
  kg::Graph g;
  g.relation_names = {"r"};
  for (int v = 0; v < 5; ++v) {
    g.node_type.push_back(0), g.local_index.push_back(v), g.node_id.push_back(std::to_string(v));
    g.node_name.push_back("n"), g.node_source.push_back("t");
  }
  std::vector<int32_t> src{0, 1, 2, 3}, dst{1, 2, 3, 4}, rel{0, 0, 0, 0};
  kg::Graph::build_csr(5, dst, src, rel, g.indptr);
  g.src = src, g.rel = rel;
  const std::vector<int32_t> part{1, 1, 1, 0, 0};
  auto h1 = kg::part_halos(g, part, 2, 1);
  EXPECT_EQ(h1[0], (std::vector<int64_t>{2}));  // messages into 3 come from 2
  EXPECT_TRUE(h1[1].empty());                   // nothing flows into 0..2 from 3, 4
  auto h2 = kg::part_halos(g, part, 2, 2);
  EXPECT_EQ(h2[0], (std::vector<int64_t>{1, 2}));
  // A node a part needs without owning it (a cell line of its signatures) brings its own halo.
  auto hx = kg::part_halos(g, part, 2, 1, {{}, {4}});
  EXPECT_EQ(hx[1], (std::vector<int64_t>{3, 4}));
}

}  // namespace
