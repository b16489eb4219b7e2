// Neighbour sampling: the block structure, fanouts, uniformity, determinism and cost.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "graph/sampler.hpp"

namespace kg {
namespace {

// n nodes; node 0 is a hub with an edge from every other node; plus `extra` random edges.
Graph hub_graph(int64_t n, int64_t extra, uint64_t seed) {
  Graph g;
  g.relation_names = {"a", "b"};
  g.node_type.assign(size_t(n), int32_t(node_type_index("gene/protein")));
  std::vector<int32_t> src, dst, rel;
  for (int32_t v = 1; v < n; ++v) src.push_back(v), dst.push_back(0), rel.push_back(v % 2);
  std::mt19937_64 rng(seed);
  for (int64_t k = 0; k < extra; ++k)
    src.push_back(int32_t(rng() % uint64_t(n))), dst.push_back(int32_t(rng() % uint64_t(n))), rel.push_back(0);
  Graph::build_csr(n, dst, src, rel, g.indptr);
  g.src = src, g.rel = rel;
  return g;
}

// The set of incoming edges (src, rel) of v, as a multiset.
std::multiset<std::pair<int64_t, int64_t>> in_edges(const Graph& g, int64_t v) {
  std::multiset<std::pair<int64_t, int64_t>> out;
  for (int64_t e = g.indptr[size_t(v)]; e < g.indptr[size_t(v) + 1]; ++e) out.emplace(g.src[size_t(e)], g.rel[size_t(e)]);
  return out;
}

TEST(Sampler, AllNeighboursGivesEveryIncomingEdgeWithPrefixNodeSets) {
  Graph g = hub_graph(40, 120, 1);
  auto b = sample_blocks(g, {0, 7, 3}, {}, 3, 5);
  ASSERT_EQ(b.count.size(), 4u);
  EXPECT_EQ(b.count[3], 3);
  EXPECT_EQ((std::vector<int64_t>(b.nodes.begin(), b.nodes.begin() + 3)), (std::vector<int64_t>{0, 7, 3}));
  for (int64_t l = 0; l < 3; ++l) {
    EXPECT_GE(b.count[size_t(l)], b.count[size_t(l) + 1]);
    std::map<int64_t, std::multiset<std::pair<int64_t, int64_t>>> got;
    for (size_t k = 0; k < b.src[size_t(l)].size(); ++k) {
      const int64_t i = b.dst[size_t(l)][k], j = b.src[size_t(l)][k];
      ASSERT_LT(i, b.count[size_t(l) + 1]);
      ASSERT_LT(j, b.count[size_t(l)]);
      got[b.nodes[size_t(i)]].emplace(b.nodes[size_t(j)], b.rel[size_t(l)][k]);
    }
    for (int64_t i = 0; i < b.count[size_t(l) + 1]; ++i) {
      const int64_t v = b.nodes[size_t(i)];
      EXPECT_EQ(got[v], in_edges(g, v)) << "layer " << l << " node " << v;
    }
  }
  std::set<int64_t> distinct(b.nodes.begin(), b.nodes.end());
  EXPECT_EQ(distinct.size(), b.nodes.size());
}

TEST(Sampler, FanoutKeepsDistinctRealEdgesAndIsDeterministic) {
  Graph g = hub_graph(300, 900, 2);
  const std::vector<int64_t> fan{5, 3};
  auto a = sample_blocks(g, {0, 1, 2}, fan, 2, 11), a2 = sample_blocks(g, {0, 1, 2}, fan, 2, 11),
       c = sample_blocks(g, {0, 1, 2}, fan, 2, 12);
  EXPECT_EQ(a.nodes, a2.nodes);
  EXPECT_EQ(a.src, a2.src);
  EXPECT_NE(a.src, c.src);
  for (int64_t l = 0; l < 2; ++l) {
    const int64_t fanout = fan[size_t(1 - l)];
    std::map<int64_t, std::multiset<std::pair<int64_t, int64_t>>> got;
    for (size_t k = 0; k < a.src[size_t(l)].size(); ++k)
      got[a.nodes[size_t(a.dst[size_t(l)][k])]].emplace(a.nodes[size_t(a.src[size_t(l)][k])], a.rel[size_t(l)][k]);
    for (int64_t i = 0; i < a.count[size_t(l) + 1]; ++i) {
      const int64_t v = a.nodes[size_t(i)];
      auto all = in_edges(g, v);
      EXPECT_EQ(int64_t(got[v].size()), std::min<int64_t>(fanout, int64_t(all.size()))) << v;
      for (const auto& e : got[v]) EXPECT_GE(all.count(e), got[v].count(e)) << v;  // a sub-multiset
    }
  }
  // Cost follows the batch: at most targets x (1 + 5) x (1 + 3) nodes, whatever the graph.
  EXPECT_LE(a.count[0], 3 * 6 * 4);
}

// Both sampling branches are uniform: the hub (299 edges, fanout 5: rejection draws) and a
// node with 8 edges and fanout 3 (partial shuffle) pick each edge with probability k/degree.
TEST(Sampler, EachEdgeEquallyLikely) {
  Graph g = hub_graph(300, 0, 3);
  std::vector<int32_t> src, dst, rel;
  for (int32_t v = 1; v <= 8; ++v) src.push_back(v), dst.push_back(299), rel.push_back(0);
  for (int32_t v = 1; v < 300; ++v) src.push_back(v), dst.push_back(0), rel.push_back(0);
  Graph::build_csr(300, dst, src, rel, g.indptr);
  g.src = src, g.rel = rel;
  std::map<int64_t, int64_t> hub, small;
  const int trials = 6000;
  for (int t = 0; t < trials; ++t) {
    auto b = sample_blocks(g, {0, 299}, {5}, 1, uint64_t(t));
    for (size_t k = 0; k < b.src[0].size(); ++k)
      (b.dst[0][k] == 0 ? hub : small)[b.nodes[size_t(b.src[0][k])]]++;
  }
  // hub: 5/299 per edge -> mean 100.3, sd ~10; small: 5/8 -> 3750, sd ~37.
  for (int32_t v = 1; v < 300; ++v) EXPECT_NEAR(double(hub[v]), trials * 5.0 / 299, 45) << v;
  for (int32_t v = 1; v <= 8; ++v) EXPECT_NEAR(double(small[v]), trials * 5.0 / 8, 170) << v;
}

// Node 0 has 200 incoming edges of relation "a" and 3 of the rare relation "b" (sources 1..3).
Graph rare_relation_graph() {
  Graph g;
  g.relation_names = {"a", "b"};
  const int64_t n = 204;
  g.node_type.assign(size_t(n), int32_t(node_type_index("gene/protein")));
  std::vector<int32_t> src, dst, rel;
  for (int32_t v = 1; v < n; ++v) src.push_back(v), dst.push_back(0), rel.push_back(v <= 3 ? 1 : 0);
  Graph::build_csr(n, dst, src, rel, g.indptr);
  g.src = src, g.rel = rel;
  return g;
}

TEST(Sampler, PerRelationFanoutKeepsRareRelationsAndCapsEachRelation) {
  Graph g = rare_relation_graph();
  int64_t rare_uniform = 0;
  for (uint64_t seed = 0; seed < 50; ++seed) {
    auto per = sample_blocks(g, {0}, {5}, 1, seed, /*per_relation=*/true);
    std::map<int64_t, int64_t> per_rel;
    std::set<int64_t> srcs;
    for (size_t k = 0; k < per.src[0].size(); ++k) {
      ++per_rel[per.rel[0][k]];
      srcs.insert(per.nodes[size_t(per.src[0][k])]);
    }
    EXPECT_EQ(per_rel[0], 5);  // 5 of the 200 "a" edges
    EXPECT_EQ(per_rel[1], 3);  // all 3 "b" edges (fewer than the fanout)
    EXPECT_EQ(srcs.size(), 8u);
    for (int64_t v : {1, 2, 3}) EXPECT_TRUE(srcs.count(v)) << "seed " << seed;
    // Deterministic for the seed.
    auto again = sample_blocks(g, {0}, {5}, 1, seed, true);
    EXPECT_EQ(again.src[0], per.src[0]);
    auto uni = sample_blocks(g, {0}, {5}, 1, seed, false);
    ASSERT_EQ(uni.src[0].size(), 5u);
    for (int64_t r : uni.rel[0]) rare_uniform += r;
  }
  // A uniform sample of 5 of 203 keeps a "b" edge 50 * 5 * 3 / 203 = 3.7 times in 50 draws.
  EXPECT_LT(rare_uniform, 15);
}

}  // namespace
}  // namespace kg
