// Attention of the GAT made readable: rollout and paths on hand-set attention with
// hand-computed answers; encode_with_attention against encode(); mean attention per relation
// on a tiny model with uniform attention (known by hand) and with trained-like random weights.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "model/attention.hpp"
#include "model/models.hpp"

namespace kg {
namespace {

// Target 0 after two layers; relation 2 is the self-loop.
//   layer 1 (last): 1 -0-> 0 (0.6), 2 -1-> 0 (0.1), 0 -self-> 0 (0.3)
//   layer 0:        3 -1-> 1 (0.5), 1 -self-> 1 (0.5), 2 -self-> 2 (1), 1 -0-> 0 (0.2),
//                   0 -self-> 0 (0.8), 2 -1-> 3 (0.4), 3 -self-> 3 (0.6)
std::vector<AttentionLayer> hand_layers() {
  AttentionLayer l0, l1;
  l0.src = {3, 1, 2, 1, 0, 2, 3}, l0.dst = {1, 1, 2, 0, 0, 3, 3}, l0.rel = {1, 2, 2, 0, 2, 1, 2};
  l0.alpha = {0.5, 0.5, 1.0, 0.2, 0.8, 0.4, 0.6};
  l1.src = {1, 2, 0}, l1.dst = {0, 0, 0}, l1.rel = {0, 1, 2}, l1.alpha = {0.6, 0.1, 0.3};
  return {l0, l1};
}

TEST(AttentionRollout, HandComputedScores) {
  // R_2 = e_0; R_1 = (0.65, 0.3, 0.05, 0); R_0(u) = ½ R_1(u) + ½ Σ α(u -> v) R_1(v):
  //   R_0(0) = 0.325 + ½ (0.8 · 0.65)              = 0.585
  //   R_0(1) = 0.15  + ½ (0.5 · 0.3 + 0.2 · 0.65)  = 0.29
  //   R_0(2) = 0.025 + ½ (1 · 0.05 + 0.4 · 0)      = 0.05
  //   R_0(3) = 0     + ½ (0.5 · 0.3 + 0.6 · 0)     = 0.075
  const auto r = attention_rollout(hand_layers(), 5, 0);
  const std::vector<double> want{0.585, 0.29, 0.05, 0.075, 0.0};
  ASSERT_EQ(r.size(), want.size());
  for (size_t u = 0; u < want.size(); ++u) EXPECT_NEAR(r[u], want[u], 1e-12) << "node " << u;
  // One layer: R_1 alone.
  const auto one = attention_rollout({hand_layers()[1]}, 4, 0);
  EXPECT_NEAR(one[0], 0.65, 1e-12);
  EXPECT_NEAR(one[1], 0.3, 1e-12);
  EXPECT_NEAR(one[2], 0.05, 1e-12);
  // The edges 2 -> 3, 3 -> 3 of layer 0 lead to node 3, which the target does not read at
  // layer 1: changing their attention changes nothing.
  auto other = hand_layers();
  other[0].alpha[5] = 0.9, other[0].alpha[6] = 0.1;
  EXPECT_EQ(attention_rollout(other, 5, 0), r);
}

TEST(AttentionPaths, RolloutWalksAndAttentionProductsSummedPerPath) {
  // Rollout walks from 0 down the layers (stay: ½ + ½ α(self); step along u -> v: ½ α):
  //   layer 1: stay at 0: 0.65; from 1: 0.3; from 2: 0.05
  //   layer 0: at 0, stay: 0.65 · 0.9 = 0.585;  at 0, from 1: 0.65 · 0.1 = 0.065
  //            at 1, stay: 0.3 · 0.75 = 0.225;  at 1, from 3: 0.3 · 0.25 = 0.075
  //            at 2, stay: 0.05 · 1 = 0.05
  // Paths: {0} 0.585; 1 -0-> 0: 0.065 + 0.225 = 0.29; 3 -1-> 1 -0-> 0: 0.075; 2 -1-> 0: 0.05,
  // each node's sum equal to its rollout score. Attention alone (products of α over the hops'
  // placements, self-loops where the walk stays):
  //   1 -0-> 0:      0.5 (1 self) · 0.6 + 0.2 · 0.3 (0 self)  = 0.36
  //   3 -1-> 1 -0-> 0: 0.5 · 0.6                               = 0.3
  //   {0}:            0.8 · 0.3                                = 0.24
  //   2 -1-> 0:       1 (2 self) · 0.1                         = 0.1
  const auto p = attention_paths(hand_layers(), 0, 2, 0.0);
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0].nodes, (std::vector<int64_t>{0}));
  EXPECT_TRUE(p[0].rels.empty());
  EXPECT_NEAR(p[0].score, 0.585, 1e-12);
  EXPECT_NEAR(p[0].alpha, 0.24, 1e-12);
  EXPECT_EQ(p[1].nodes, (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(p[1].rels, (std::vector<int64_t>{0}));
  EXPECT_NEAR(p[1].score, 0.29, 1e-12);
  EXPECT_NEAR(p[1].alpha, 0.36, 1e-12);
  EXPECT_EQ(p[2].nodes, (std::vector<int64_t>{3, 1, 0}));
  EXPECT_EQ(p[2].rels, (std::vector<int64_t>{1, 0}));
  EXPECT_NEAR(p[2].score, 0.075, 1e-12);
  EXPECT_NEAR(p[2].alpha, 0.3, 1e-12);
  EXPECT_EQ(p[3].nodes, (std::vector<int64_t>{2, 0}));
  EXPECT_NEAR(p[3].score, 0.05, 1e-12);
  EXPECT_NEAR(p[3].alpha, 0.1, 1e-12);
  // The paths starting at a node carry exactly its rollout score.
  const auto r = attention_rollout(hand_layers(), 4, 0);
  std::vector<double> by_start(4, 0.0);
  for (const auto& q : p) by_start[size_t(q.nodes[0])] += q.score;
  for (size_t u = 0; u < 4; ++u) EXPECT_NEAR(by_start[u], r[u], 1e-12) << u;

  // Walks under min_score are not followed: 2 -1-> 0 (0.05), 3 -1-> 1 -0-> 0 (0.075) and the
  // 0.065 walk of 1 -0-> 0, whose score is then 0.225; its alpha is still exact.
  const auto q = attention_paths(hand_layers(), 0, 2, 0.1);
  ASSERT_EQ(q.size(), 2u);
  EXPECT_NEAR(q[0].score, 0.585, 1e-12);
  EXPECT_EQ(q[1].nodes, (std::vector<int64_t>{1, 0}));
  EXPECT_NEAR(q[1].score, 0.225, 1e-12);
  EXPECT_NEAR(q[1].alpha, 0.36, 1e-12);
}

// Drugs 0 and 1, proteins 2 and 3, cell line 4. Edges (src -> dst, relation):
//   0 -> 2, 1 -> 2, 0 -> 3 (0 "drug_protein"); 2 -> 0, 3 -> 0 (1 "protein_drug"); 3 -> 4 (2 "protein_cell").
struct Tiny {
  Graph g;
  Samples s;
  Tiny() {
    g.relation_names = {"drug_protein", "protein_drug", "protein_cell"};
    const int drug = node_type_index("drug"), gene = node_type_index("gene/protein"),
              cell = node_type_index("cell_line");
    g.node_type = {drug, drug, gene, gene, cell};
    g.local_index = {0, 1, 0, 1, 0};
    for (int v = 0; v < 5; ++v)
      g.node_id.push_back("n" + std::to_string(v)), g.node_name.push_back("n"), g.node_source.push_back("t");
    std::vector<int32_t> src{0, 1, 0, 2, 3, 3}, dst{2, 2, 3, 0, 0, 4}, rel{0, 0, 0, 1, 1, 2};
    Graph::build_csr(5, dst, src, rel, g.indptr);
    g.src = src, g.rel = rel;
    g.features.resize(node_type_names().size());
    g.features[size_t(drug)] = {{1, 2, 3, 4}, 2, 2};
    g.features[size_t(gene)] = {{0.5, -1, 2, 0.25}, 2, 2};
    g.features[size_t(cell)] = {{1, -1, 3}, 1, 3};
    g.validate("tiny graph");
    s.gene_id = {"g1", "g2"}, s.gene_symbol = {"A", "B"}, s.gene_node = {-1, -1};
    s.drug_pert_id = {"d0", "d1"}, s.drug_name = s.drug_pert_id, s.drug_smiles = {"", ""};
    s.drug_match = {"new", "new"}, s.drug_node = {0, 1};
    s.cell_id = {"c0"}, s.cell_node = {4};
    s.sig_id = {"s0", "s1"}, s.sig_drug = {0, 1}, s.sig_cell = {0, 0};
    s.dose_um = {10, 1}, s.time_h = {24, 6};
    s.y = {{0, 1, 2, 3}, 2, 2};
    s.validate("tiny samples", 5);
  }
};

GatConfig tiny_config() {
  GatConfig c;
  c.hidden = 8, c.heads = 2, c.layers = 2, c.head_hidden = 8, c.rel_dim = 3;
  return c;
}

TEST(GatModel, EncodeWithAttentionIsEncode) {
  Tiny t;
  torch::manual_seed(3);
  GatModel m(tiny_config(), t.g, t.s);
  m.eval();
  torch::NoGradGuard ng;
  const auto a = m.encode_with_attention();
  EXPECT_TRUE(torch::equal(a.h, m.encode()));
  ASSERT_EQ(a.alpha.size(), 2u);
  ASSERT_EQ(a.edges.size(), 2u);
  for (size_t l = 0; l < 2; ++l) {
    EXPECT_EQ(a.alpha[l].sizes(), (std::vector<int64_t>{a.edges[l].num_edges(), 2}));
    // Each destination's attention sums to 1 in every head.
    auto sums = torch::zeros({5, 2}, torch::kFloat32).index_add(0, a.edges[l].dst, a.alpha[l]);
    for (int64_t v : {0, 1, 4}) EXPECT_NEAR(sums[v][0].item<double>(), 1.0, 1e-6) << v;
  }
  // The last layer runs only the edges into the samples' nodes 0, 1, 4 (pruned).
  EXPECT_EQ(a.edges[1].num_edges(), 2 + 1 + 3);
  // Over the whole graph the targets' rows are the same.
  const std::vector<EdgeSet> whole(2, graph_edge_set(t.g));
  const auto b = m.encode_with_attention(&whole);
  for (int64_t v : {0, 1, 4}) EXPECT_TRUE(torch::allclose(a.h[v], b.h[v], 1e-6, 1e-6)) << v;
}

TEST(RelationAttention, UniformAttentionMeansByHand) {
  // With a_src = a_dst = a_edge = 0 every logit is 0, so α(u -> v) = 1 / (in-degree of v + 1).
  // In-degrees with the self-loop: node 0: 3, 1: 1, 2: 3, 3: 2, 4: 2. Over the whole graph:
  //   drug_protein: 0->2 (1/3), 1->2 (1/3), 0->3 (1/2)      mean 7/18
  //   protein_drug: 2->0 (1/3), 3->0 (1/3)                  mean 1/3
  //   protein_cell: 3->4 (1/2)                              mean 1/2
  //   self_loop:    1/3, 1, 1/3, 1/2, 1/2                    mean 8/15
  Tiny t;
  torch::manual_seed(4);
  GatModel m(tiny_config(), t.g, t.s);
  {
    torch::NoGradGuard ng;
    for (auto& p : m.named_parameters())
      if (p.key().find(".att_") != std::string::npos) p.value().zero_();
  }
  m.eval();
  torch::NoGradGuard ng;
  const std::vector<EdgeSet> whole(2, graph_edge_set(t.g));
  const auto r = relation_attention(m.encode_with_attention(&whole), t.g.relation_names);
  EXPECT_EQ(r.relations, (std::vector<std::string>{"drug_protein", "protein_drug", "protein_cell", "self_loop"}));
  ASSERT_EQ(r.mean.rows, 2);
  ASSERT_EQ(r.mean.cols, 4);
  const std::vector<double> want{7.0 / 18, 1.0 / 3, 0.5, 8.0 / 15};
  const std::vector<int64_t> count{3, 2, 1, 5};
  for (int64_t l = 0; l < 2; ++l)
    for (int64_t c = 0; c < 4; ++c) {
      EXPECT_NEAR(r.mean.row(l)[c], want[size_t(c)], 1e-6) << l << "," << c;
      EXPECT_EQ(r.edges.row(l)[c], count[size_t(c)]);
    }
  for (int64_t c = 0; c < 4; ++c) EXPECT_NEAR(r.mean_all[size_t(c)], want[size_t(c)], 1e-6);

  // On the model's own (pruned) edges the last layer has only the edges into 0, 1 and 4:
  // no drug_protein edge (NaN), protein_drug 1/3, protein_cell 1/2, self-loops of 0, 1, 4:
  // (1/3 + 1 + 1/2) / 3 = 11/18. Layer 0 needs every node, so it has every edge.
  const auto p = relation_attention(m.encode_with_attention(), t.g.relation_names);
  EXPECT_TRUE(std::isnan(p.mean.row(1)[0]));
  EXPECT_EQ(p.edges.row(1)[0], 0);
  EXPECT_NEAR(p.mean.row(1)[1], 1.0 / 3, 1e-6);
  EXPECT_NEAR(p.mean.row(1)[2], 0.5, 1e-6);
  EXPECT_NEAR(p.mean.row(1)[3], 11.0 / 18, 1e-6);
  EXPECT_NEAR(p.mean.row(0)[0], 7.0 / 18, 1e-6);
  // Over both layers: drug_protein 7/18 (layer 0 only); self-loops (8/3 + 11/6) / 8 = 9/16.
  EXPECT_NEAR(p.mean_all[0], 7.0 / 18, 1e-6);
  EXPECT_NEAR(p.mean_all[3], 9.0 / 16, 1e-6);
}

TEST(RelationAttention, MeansAreAveragesOfHeadMeanAlphaPerRelation) {
  Tiny t;
  torch::manual_seed(5);
  GatModel m(tiny_config(), t.g, t.s);
  {
    torch::NoGradGuard ng;  // logits far from uniform
    for (auto& p : m.named_parameters())
      if (p.key().find(".att_") != std::string::npos) p.value().mul_(4);
  }
  m.eval();
  torch::NoGradGuard ng;
  const auto a = m.encode_with_attention();
  const auto r = relation_attention(a, t.g.relation_names);
  const auto layers = attention_layers(a);
  for (size_t l = 0; l < 2; ++l) {
    std::map<int64_t, std::pair<double, int64_t>> acc;  // relation -> (sum, count)
    for (int64_t e = 0; e < a.edges[l].num_edges(); ++e) {
      const double mean = (a.alpha[l][e][0].item<double>() + a.alpha[l][e][1].item<double>()) / 2;
      EXPECT_NEAR(layers[l].alpha[size_t(e)], mean, 1e-7);
      auto& [sum, n] = acc[a.edges[l].rel[e].item<int64_t>()];
      sum += mean, ++n;
    }
    for (auto [rel, sn] : acc) {
      EXPECT_NEAR(r.mean.row(int64_t(l))[rel], sn.first / double(sn.second), 1e-7) << l << "," << rel;
      EXPECT_EQ(r.edges.row(int64_t(l))[rel], sn.second);
    }
  }
  // Not uniform any more: the self-loops of node 0 and node 2 differ.
  EXPECT_GT(std::abs(r.mean.row(0)[3] - 8.0 / 15), 1e-3);
}

}  // namespace
}  // namespace kg
