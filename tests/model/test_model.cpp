// GatLayer against hand arithmetic and finite differences; the per-destination softmax; the
// MLP baseline's drug-target multi-hot and inputs; model output shapes.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "core/error.hpp"
#include "model/models.hpp"

namespace kg {
namespace {

torch::Tensor i64(std::vector<int64_t> v) { return torch::tensor(v, torch::kInt64); }

// The 4-node graph: edges j -> i with relation r; node 3 has no incoming edge but its self-loop.
struct HandGraph {
  std::vector<int64_t> src{0, 2, 3, 1, 0}, dst{1, 1, 1, 0, 2}, rel{0, 1, 0, 1, 1};
  std::vector<std::vector<double>> x{{1, 0}, {0, 1}, {1, 1}, {2, -1}};
};

// F = 2, H = 2, C = 1, R = 2, rel_dim = 1 and weights chosen so that head h sees x[h]:
// W = I, a_src = (1, 0.5), a_dst = (0.5, -1), a_edge = (1, 1), emb = (1, -1, 0) for relations
// 0, 1 and the self-loop, W_e = (1, 2): the relation term is (1, 2) for r=0, (-1, -2) for r=1,
// (0, 0) for self-loops. bias = (0.1, -0.2).
GatLayer hand_layer(bool concat, bool relation_softmax = false) {
  GatLayerOptions o;
  o.in_dim = 2, o.channels = 1, o.heads = 2, o.num_relations = 2, o.rel_dim = 1, o.concat = concat;
  o.relation_softmax = relation_softmax;
  GatLayer l(o);
  torch::NoGradGuard ng;
  l->lin->weight.copy_(torch::eye(2));
  l->att_src.copy_(torch::tensor({1.0, 0.5}).view({2, 1}));
  l->att_dst.copy_(torch::tensor({0.5, -1.0}).view({2, 1}));
  l->att_edge.copy_(torch::tensor({1.0, 1.0}).view({2, 1}));
  l->rel_emb->weight.copy_(torch::tensor({1.0, -1.0, 0.0}).view({3, 1}));
  l->lin_edge->weight.copy_(torch::tensor({1.0, 2.0}).view({2, 1}));
  l->bias.copy_(concat ? torch::tensor({0.1, -0.2}) : torch::tensor({0.05}));
  return l;
}

TEST(GatLayer, HandComputedNode0) {
  // Node 0 receives 1->0 (relation 1) and its self-loop. x'_0 = (1, 0), x'_1 = (0, 1).
  // head 0: e(1->0) = LReLU(1*0 + 0.5*1 - 1) = -0.1, e(0->0) = LReLU(1*1 + 0.5*1 + 0) = 1.5
  //   α(1->0) = 1 / (1 + e^1.6) = 0.1679816, out = α(0->0) * 1 + 0.1 = 0.9320184
  // head 1: e(1->0) = LReLU(0.5*1 + (-1)*0 - 2) = -0.3, e(0->0) = 0
  //   α(1->0) = e^-0.3 / (e^-0.3 + 1) = 0.4255575, out = α(1->0) * 1 - 0.2 = 0.2255575
  HandGraph hg;
  auto layer = hand_layer(true);
  auto x = torch::tensor({1.0f, 0.0f, 0.0f, 1.0f, 1.0f, 1.0f, 2.0f, -1.0f}).view({4, 2});
  auto [out, alpha] = layer->forward_with_attention(x, i64(hg.src), i64(hg.dst), i64(hg.rel));
  ASSERT_EQ(out.sizes(), (std::vector<int64_t>{4, 2}));
  ASSERT_EQ(alpha.sizes(), (std::vector<int64_t>{9, 2}));  // 5 edges + 4 self-loops
  EXPECT_NEAR(out[0][0].item<double>(), 0.9320184, 1e-6);
  EXPECT_NEAR(out[0][1].item<double>(), 0.2255575, 1e-6);
  EXPECT_NEAR(alpha[3][0].item<double>(), 0.1679816, 1e-6);  // edge 1->0
  EXPECT_NEAR(alpha[3][1].item<double>(), 0.4255575, 1e-6);
  // Node 3 only attends to itself: out = x'_3 + bias.
  EXPECT_NEAR(out[3][0].item<double>(), 2.1, 1e-6);
  EXPECT_NEAR(out[3][1].item<double>(), -1.2, 1e-6);
}

TEST(GatLayer, AllNodesMatchPlainArithmetic) {
  HandGraph hg;
  const double a_src[2] = {1, 0.5}, a_dst[2] = {0.5, -1}, rel_term[3][2] = {{1, 2}, {-1, -2}, {0, 0}};
  const double bias[2] = {0.1, -0.2};
  auto src = hg.src, dst = hg.dst, rel = hg.rel;
  for (int64_t v = 0; v < 4; ++v) src.push_back(v), dst.push_back(v), rel.push_back(2);
  auto lrelu = [](double z) { return z > 0 ? z : 0.2 * z; };

  auto x = torch::tensor({1.0f, 0.0f, 0.0f, 1.0f, 1.0f, 1.0f, 2.0f, -1.0f}).view({4, 2});
  auto concat = hand_layer(true)->forward(x, i64(hg.src), i64(hg.dst), i64(hg.rel));
  auto mean = hand_layer(false)->forward(x, i64(hg.src), i64(hg.dst), i64(hg.rel));
  ASSERT_EQ(mean.sizes(), (std::vector<int64_t>{4, 1}));
  for (int64_t i = 0; i < 4; ++i) {
    double out[2];
    for (int h = 0; h < 2; ++h) {
      double z = 0, acc = 0;
      for (size_t e = 0; e < src.size(); ++e) {
        if (dst[e] != i) continue;
        double w = std::exp(lrelu(a_src[h] * hg.x[size_t(src[e])][h] + a_dst[h] * hg.x[size_t(i)][h] +
                                  rel_term[rel[e]][h]));
        z += w, acc += w * hg.x[size_t(src[e])][h];
      }
      out[h] = acc / z;
      EXPECT_NEAR(concat[i][h].item<double>(), out[h] + bias[h], 1e-6) << "node " << i << " head " << h;
    }
    EXPECT_NEAR(mean[i][0].item<double>(), 0.5 * (out[0] + out[1]) + 0.05, 1e-6) << "node " << i;
  }
}

TEST(GatLayer, SoftmaxSumsToOnePerDestinationEvenForHugeLogits) {
  torch::manual_seed(3);
  const int64_t n = 40, e = 300;
  GatLayerOptions o;
  o.in_dim = 5, o.channels = 3, o.heads = 4, o.num_relations = 6;
  GatLayer layer(o);
  auto x = torch::randn({n, 5}) * 1000;  // logits of order 1e3: exp overflows without the shift
  auto src = torch::randint(n, {e}, torch::kInt64), dst = torch::randint(n, {e}, torch::kInt64);
  auto rel = torch::randint(6, {e}, torch::kInt64);
  auto [out, alpha] = layer->forward_with_attention(x, src, dst, rel);
  ASSERT_TRUE(torch::isfinite(out).all().item<bool>());
  auto all_dst = torch::cat({dst, torch::arange(n)});
  auto sums = torch::zeros({n, 4}).index_add(0, all_dst, alpha);
  EXPECT_TRUE(torch::allclose(sums, torch::ones({n, 4}), 1e-5, 1e-5));
  EXPECT_TRUE((alpha >= 0).all().item<bool>());
}

// Central finite differences of L = Σ out ⊙ w against autograd, in float64, for the input and
// every parameter of a small layer (torch has no C++ gradcheck).
// With relation_softmax: α = β_{i,rel} · (softmax within the relation's edges into i), β the
// softmax of ρ over the relations present at i (node 1 has two edges of relation 0).
TEST(GatLayer, RelationSoftmaxMatchesPlainArithmetic) {
  HandGraph hg;
  const double a_src[2] = {1, 0.5}, a_dst[2] = {0.5, -1}, rel_term[3][2] = {{1, 2}, {-1, -2}, {0, 0}};
  const double rho[3][2] = {{0.3, -0.7}, {1.2, 0.4}, {-0.5, 0.9}};
  auto src = hg.src, dst = hg.dst, rel = hg.rel;
  for (int64_t v = 0; v < 4; ++v) src.push_back(v), dst.push_back(v), rel.push_back(2);
  auto lrelu = [](double z) { return z > 0 ? z : 0.2 * z; };

  auto layer = hand_layer(true, true);
  ASSERT_TRUE(layer->rel_prior.defined());
  {
    torch::NoGradGuard ng;
    for (int r = 0; r < 3; ++r)
      for (int h = 0; h < 2; ++h) layer->rel_prior[r][h] = rho[r][h];
  }
  auto x = torch::tensor({1.0f, 0.0f, 0.0f, 1.0f, 1.0f, 1.0f, 2.0f, -1.0f}).view({4, 2});
  auto [out, alpha] = layer->forward_with_attention(x, i64(hg.src), i64(hg.dst), i64(hg.rel));
  ASSERT_EQ(alpha.sizes(), (std::vector<int64_t>{9, 2}));
  for (int64_t i = 0; i < 4; ++i)
    for (int h = 0; h < 2; ++h) {
      double z[3] = {0, 0, 0}, beta_z = 0;  // per relation: Σ exp(e); Σ over present relations of exp(ρ)
      bool present[3] = {false, false, false};
      auto w = [&](size_t e) {
        return std::exp(lrelu(a_src[h] * hg.x[size_t(src[e])][h] + a_dst[h] * hg.x[size_t(i)][h] + rel_term[rel[e]][h]));
      };
      for (size_t e = 0; e < src.size(); ++e)
        if (dst[e] == i) z[rel[e]] += w(e), present[rel[e]] = true;
      for (int r = 0; r < 3; ++r) beta_z += present[r] ? std::exp(rho[r][h]) : 0;
      double acc = 0;
      for (size_t e = 0; e < src.size(); ++e) {
        if (dst[e] != i) continue;
        const double a = std::exp(rho[rel[e]][h]) / beta_z * w(e) / z[rel[e]];
        EXPECT_NEAR(alpha[int64_t(e)][h].item<double>(), a, 1e-6) << "edge " << e << " head " << h;
        acc += a * hg.x[size_t(src[e])][h];
      }
      EXPECT_NEAR(out[i][h].item<double>(), acc + (h == 0 ? 0.1 : -0.2), 1e-6) << "node " << i << " head " << h;
    }
  // Node 1's two edges of relation 0 share that relation's β; node 3 has only its self-loop.
  EXPECT_NEAR(out[3][0].item<double>(), 2.1, 1e-6);
}

// Central finite differences of L = Σ out ⊙ w against autograd, in float64, for the input and
// every parameter of a small layer (torch has no C++ gradcheck).
void expect_gradients_match_finite_differences(bool relation_softmax) {
  torch::manual_seed(11);
  GatLayerOptions o;
  o.in_dim = 3, o.channels = 2, o.heads = 2, o.num_relations = 3, o.rel_dim = 2;
  o.relation_softmax = relation_softmax;
  GatLayer layer(o);
  layer->to(torch::kFloat64);
  torch::NoGradGuard init_guard;
  for (auto& p : layer->parameters()) p.normal_(0, 0.7);  // non-zero bias and embeddings too
  auto x = torch::randn({5, 3}, torch::kFloat64);
  auto src = i64({0, 1, 2, 3, 4, 0, 2}), dst = i64({1, 2, 0, 0, 1, 4, 4}), rel = i64({0, 1, 2, 0, 1, 2, 0});
  auto w = torch::randn({5, 4}, torch::kFloat64);
  auto loss = [&] { return (layer->forward(x, src, dst, rel) * w).sum(); };

  std::vector<torch::Tensor> inputs{x};
  for (auto& p : layer->parameters()) inputs.push_back(p);
  std::vector<torch::Tensor> grads;
  {
    torch::AutoGradMode on(true);
    x.set_requires_grad(true);
    grads = torch::autograd::grad({loss()}, inputs);
    x.set_requires_grad(false);
  }
  const double eps = 1e-6;
  for (size_t k = 0; k < inputs.size(); ++k) {
    auto flat = inputs[k].view(-1);
    auto g = grads[k].reshape(-1);
    for (int64_t i = 0; i < flat.numel(); ++i) {
      const double orig = flat[i].item<double>();
      flat[i] = orig + eps;
      const double up = loss().item<double>();
      flat[i] = orig - eps;
      const double down = loss().item<double>();
      flat[i] = orig;
      EXPECT_NEAR(g[i].item<double>(), (up - down) / (2 * eps), 1e-6) << "input " << k << " entry " << i;
    }
  }
}

TEST(GatLayer, GradientsMatchFiniteDifferences) { expect_gradients_match_finite_differences(false); }
TEST(GatLayer, RelationSoftmaxGradientsMatchFiniteDifferences) { expect_gradients_match_finite_differences(true); }

// ---- models on a tiny graph --------------------------------------------------------------------

// Nodes 0-2 drugs, 3-5 gene/protein, 6-7 cell lines; relations drug_protein, protein_protein.
struct TinyData {
  Graph g;
  Samples s;
  TinyData() {
    g.relation_names = {"drug_protein", "protein_protein"};
    const int drug = node_type_index("drug"), gene = node_type_index("gene/protein"),
              cell = node_type_index("cell_line");
    g.node_type = {drug, drug, drug, gene, gene, gene, cell, cell};
    g.local_index = {0, 1, 2, 0, 1, 2, 0, 1};
    for (int v = 0; v < 8; ++v)
      g.node_id.push_back("n" + std::to_string(v)), g.node_name.push_back("n"), g.node_source.push_back("t");
    // (src, dst, rel): drug 0 targets 3 and 4 (both directions listed), drug 1 targets 4;
    // 2 -> 5 and 4 -> 5 are protein_protein and must not count as targets.
    std::vector<int32_t> src{0, 3, 0, 4, 1, 4, 2, 4}, dst{3, 0, 4, 0, 4, 1, 5, 5}, rel{0, 0, 0, 0, 0, 0, 1, 1};
    Graph::build_csr(8, dst, src, rel, g.indptr);
    g.src = src, g.rel = rel;
    g.features.resize(node_type_names().size());
    g.features[size_t(drug)] = {{1, 2, 3, 4, 5, 6}, 3, 2};  // drug d: (2d+1, 2d+2)
    g.features[size_t(gene)] = {{}, 3, 0};                  // no features: learned type vector
    g.features[size_t(cell)] = {{10, 20, 30, 40, 50, 60}, 2, 3};
    g.validate("tiny graph");

    s.gene_id = {"g1", "g2", "g3"}, s.gene_symbol = {"A", "B", "C"}, s.gene_node = {3, 4, -1};
    // Compound 3 is merged into the same drug node as compound 1.
    s.drug_pert_id = {"d0", "d1", "d2", "d3"}, s.drug_name = s.drug_pert_id;
    s.drug_smiles = {"", "", "", ""}, s.drug_match = {"new", "new", "new", "name"};
    s.drug_node = {0, 1, 2, 1};
    s.cell_id = {"c0", "c1"}, s.cell_node = {6, 7};
    s.sig_id = {"s0", "s1", "s2"}, s.sig_drug = {0, 3, 2}, s.sig_cell = {1, 0, 0};
    s.dose_um = {10, 1, 10}, s.time_h = {24, 24, 6};
    s.y = {{0, 1, 2, 3, 4, 5, 6, 7, 8}, 3, 3};
    s.validate("tiny samples", 8);
  }
};

TEST(MlpModel, DrugTargetMultiHot) {
  TinyData d;
  auto t = drug_target_multihot(d.g, d.s);
  EXPECT_EQ(t.target_node, (std::vector<int64_t>{3, 4}));
  ASSERT_EQ(t.multihot.rows, 4);
  ASSERT_EQ(t.multihot.cols, 2);
  EXPECT_EQ(t.multihot.data, (std::vector<float>{1, 1, 0, 1, 0, 0, 0, 1}));
}

TEST(MlpModel, NoDrugProteinRelationGivesNoColumns) {
  TinyData d;
  d.g.relation_names = {"x", "y"};
  auto t = drug_target_multihot(d.g, d.s);
  EXPECT_TRUE(t.target_node.empty());
  EXPECT_EQ(t.multihot.rows, 4);
  EXPECT_EQ(t.multihot.cols, 0);
}

TEST(MlpModel, InputRowsAndOutputShape) {
  TinyData d;
  MlpConfig c;
  c.hidden = 8, c.layers = 2;
  MlpModel m(c, d.g, d.s);
  EXPECT_EQ(m.input_dim(), 2 + 2 + 3 + 2);
  auto in = m.inputs(i64({0, 1, 2}));
  // dose/time: log1p of (10, 1, 10) and (24, 24, 6), each z-scored over the 3 signatures.
  auto z = [](std::vector<double> v) {
    for (auto& e : v) e = std::log1p(e);
    double mean = (v[0] + v[1] + v[2]) / 3, sq = 0;
    for (auto e : v) sq += (e - mean) * (e - mean);
    for (auto& e : v) e = (e - mean) / std::sqrt(sq / 3);
    return v;
  };
  auto dz = z({10, 1, 10}), tz = z({24, 24, 6});
  // s0: compound 0 (node 0) in cell 1; s1: compound 3 (node 1) in cell 0; s2: compound 2, cell 0.
  std::vector<std::vector<double>> want{{1, 2, 1, 1, 40, 50, 60, dz[0], tz[0]},
                                        {3, 4, 0, 1, 10, 20, 30, dz[1], tz[1]},
                                        {5, 6, 0, 0, 10, 20, 30, dz[2], tz[2]}};
  for (int64_t r = 0; r < 3; ++r)
    for (int64_t c2 = 0; c2 < 9; ++c2)
      EXPECT_NEAR(in[r][c2].item<double>(), want[size_t(r)][size_t(c2)], 1e-5) << r << "," << c2;
  EXPECT_EQ(m.predict(i64({2, 0})).sizes(), (std::vector<int64_t>{2, 3}));
}

TEST(GatModel, EncodesEveryNodeAndPredictsPerSignature) {
  TinyData d;
  torch::manual_seed(0);
  GatConfig c;
  c.hidden = 8, c.heads = 2, c.layers = 2, c.head_hidden = 16;
  GatModel m(c, d.g, d.s);
  m.eval();
  auto h = m.encode();
  EXPECT_EQ(h.sizes(), (std::vector<int64_t>{8, 8}));
  auto p = m.decode(h, i64({0, 1, 2}));
  EXPECT_EQ(p.sizes(), (std::vector<int64_t>{3, 3}));
  // Prediction of a signature does not depend on which batch it is in (eval mode).
  EXPECT_TRUE(torch::allclose(m.predict(i64({1})), p.slice(0, 1, 2), 1e-6, 1e-6));
  // Every parameter gets a gradient (projections, type vector, all layers, head).
  m.train();
  torch::manual_seed(1);
  (m.predict(i64({0, 1, 2})).square().sum()).backward();
  for (const auto& p2 : m.named_parameters())
    EXPECT_TRUE(p2.value().grad().defined() && p2.value().grad().abs().sum().item<double>() > 0)
        << p2.key();
}

TEST(GatModel, PruningToSampleNodesKeepsPredictions) {
  TinyData d;
  GatConfig c;
  c.hidden = 8, c.heads = 2, c.layers = 3, c.head_hidden = 16;
  torch::manual_seed(5);
  GatModel pruned(c, d.g, d.s, true);
  torch::manual_seed(5);
  GatModel full(c, d.g, d.s, false);
  pruned.eval(), full.eval();
  auto sig = i64({0, 1, 2});
  EXPECT_TRUE(torch::allclose(pruned.predict(sig), full.predict(sig), 1e-6, 1e-6));
  // Node 5 (a protein no drug targets) is outside every pruned layer's reach.
  auto hp = pruned.encode(), hf = full.encode();
  for (int64_t v : {0, 1, 2, 6, 7}) EXPECT_TRUE(torch::allclose(hp[v], hf[v], 1e-6, 1e-6)) << v;
  EXPECT_FALSE(torch::allclose(hp[5], hf[5], 1e-6, 1e-6));
}

// With every neighbour (fanouts -1) the sampled path is the full model: same predictions and
// the same gradients, in training mode with dropout off.
TEST(GatModel, SamplingEveryNeighbourEqualsTheFullModel) {
  TinyData d;
  GatConfig c;
  c.hidden = 8, c.heads = 2, c.layers = 2, c.head_hidden = 16, c.dropout = 0, c.attn_dropout = 0;
  c.fanouts = {-1, -1};
  torch::manual_seed(3);
  GatModel m(c, d.g, d.s);
  m.train();
  auto sig = i64({2, 0, 1, 0});
  int64_t used = 0;
  auto sampled = m.predict_sampled(sig, &used);
  // Targets: drug nodes 2, 0, 1 and cell nodes 6, 7; two hops of incoming edges add 3 and 4
  // (into 0 and 1). Node 5 only receives edges, so no layer needs it.
  EXPECT_EQ(used, 7);
  auto full = m.decode(m.encode(), sig);
  EXPECT_TRUE(torch::allclose(sampled, full, 1e-5, 1e-6));
  auto grads = [&](const torch::Tensor& out) {
    m.zero_grad();
    out.square().sum().backward();
    std::vector<torch::Tensor> g;
    for (const auto& p : m.parameters()) g.push_back(p.grad().clone());
    return g;
  };
  auto gs = grads(m.predict_sampled(sig)), gf = grads(m.decode(m.encode(), sig));
  for (size_t i = 0; i < gs.size(); ++i) EXPECT_TRUE(torch::allclose(gs[i], gf[i], 1e-5, 1e-6)) << i;
  // predict() samples only while training; in eval mode it is the full model.
  m.eval();
  EXPECT_TRUE(torch::allclose(m.predict(sig), full, 1e-5, 1e-6));
}

// Fanout 1: every output node keeps one incoming edge per layer, so fewer nodes are touched;
// each call draws a new sample from the step counter, and the same seed repeats the sequence.
TEST(GatModel, SamplingDrawsFromTheStepCounterReproducibly) {
  TinyData d;
  GatConfig c;
  c.hidden = 8, c.heads = 2, c.layers = 2, c.head_hidden = 16, c.dropout = 0, c.attn_dropout = 0;
  c.fanouts = {1, 1};
  auto run = [&](std::vector<int64_t>* used) {
    torch::manual_seed(9);
    GatModel m(c, d.g, d.s);
    m.train();
    std::vector<torch::Tensor> out;
    for (int k = 0; k < 6; ++k) {
      int64_t n = 0;
      out.push_back(m.predict_sampled(i64({0}), &n).detach());
      used->push_back(n);
    }
    return out;
  };
  std::vector<int64_t> used_a, used_b;
  auto a = run(&used_a), b = run(&used_b);
  EXPECT_EQ(used_a, used_b);
  bool differs = false;
  for (size_t k = 0; k < a.size(); ++k) {
    EXPECT_TRUE(torch::equal(a[k], b[k])) << k;
    differs |= !torch::equal(a[k], a[0]);
    // Signature 0: drug node 0 and cell node 7 (no edges); hop 1 adds at most one source for
    // node 0, hop 2 at most one more for each of those 3 nodes.
    EXPECT_LE(used_a[k], 2 + 1 + 3);
  }
  EXPECT_TRUE(differs);  // node 0 has two incoming edges (from 3 and 4): samples vary
}

// A data-parallel rank without signatures in a step skips it: its sample sequence then stays
// that of the ranks that predicted (step k draws the k-th sample everywhere).
TEST(GatModel, SkippedStepAdvancesTheSampleSequence) {
  TinyData d;
  GatConfig c;
  c.hidden = 8, c.heads = 2, c.layers = 2, c.head_hidden = 16, c.dropout = 0, c.attn_dropout = 0;
  c.fanouts = {1, 1};
  torch::manual_seed(9);
  GatModel busy(c, d.g, d.s);
  torch::manual_seed(9);
  GatModel idle(c, d.g, d.s);
  busy.train(), idle.train();
  for (int k = 0; k < 3; ++k) busy.predict(i64({0}));
  for (int k = 0; k < 3; ++k) idle.skip_step();
  for (int k = 0; k < 4; ++k) EXPECT_TRUE(torch::equal(busy.predict(i64({0})), idle.predict(i64({0})))) << k;
  idle.eval();
  idle.skip_step();  // evaluation draws nothing, so nothing to skip
  const auto state = [](GatModel& m) { return m.named_buffers()["sample_state"].clone(); };
  EXPECT_TRUE(torch::equal(state(idle), state(busy)));
}

// gat.node_embeddings: a learned vector per node of every type but drugs; gat.drug_dropout 1:
// a drug node's own input is always zeroed (its features cannot matter), below 1 evaluation
// uses it. Both also on the sampled path.
TEST(GatModel, NodeEmbeddingsAndDrugDropout) {
  for (bool sampled : {false, true}) {
    TinyData d;
    GatConfig c;
    c.hidden = 8, c.heads = 2, c.layers = 2, c.head_hidden = 16, c.dropout = 0, c.attn_dropout = 0;
    c.node_embeddings = true, c.drug_dropout = 1.0;
    if (sampled) c.fanouts = {-1, -1};
    torch::manual_seed(3);
    GatModel m(c, d.g, d.s);
    std::map<std::string, std::vector<int64_t>> shapes;
    for (const auto& p : m.named_parameters())
      if (p.key().rfind("node_emb_", 0) == 0) shapes[p.key()] = p.value().sizes().vec();
    const auto gene = std::to_string(node_type_index("gene/protein")),
               cell = std::to_string(node_type_index("cell_line"));
    EXPECT_EQ(shapes, (std::map<std::string, std::vector<int64_t>>{{"node_emb_" + gene, {3, 8}},
                                                                  {"node_emb_" + cell, {2, 8}}}));
    auto sig = i64({0, 1, 2});
    m.train();
    auto before = m.predict(sig);
    auto before_eval = (m.eval(), m.predict(sig));
    // New drug features: the training-mode predictions stay, the eval-mode ones move.
    d.g.features[size_t(node_type_index("drug"))].data = {7, -3, 0.5, 9, -2, 4};
    torch::manual_seed(3);
    GatModel m2(c, d.g, d.s);
    m2.train();
    EXPECT_TRUE(torch::allclose(m2.predict(sig), before, 1e-6, 1e-6)) << "sampled " << sampled;
    m2.eval();
    EXPECT_TRUE(torch::allclose(m2.predict(sig), before_eval, 1e-6, 1e-6)) << "sampled " << sampled;
    // Below 1, evaluation sees the drug's features.
    c.drug_dropout = 0.5;
    torch::manual_seed(3);
    GatModel m3(c, d.g, d.s);
    m3.eval();
    auto with_new = m3.predict(sig);
    d.g.features[size_t(node_type_index("drug"))].data = {1, 2, 3, 4, 5, 6};
    torch::manual_seed(3);
    GatModel m4(c, d.g, d.s);
    m4.eval();
    EXPECT_FALSE(torch::allclose(m4.predict(sig), with_new, 1e-4, 1e-4)) << "sampled " << sampled;
  }
}

// gat.anonymous_types: the cell lines enter by one learned vector, so their features change
// nothing (they have no projection, nor node embeddings), while the drugs' still do. With relation_softmax too, the
// sampled path with every neighbour still computes the full model's predictions.
TEST(GatModel, AnonymousTypesIgnoreTheirFeatures) {
  for (bool relation_softmax : {false, true}) {
    TinyData d;
    GatConfig c;
    c.hidden = 8, c.heads = 2, c.layers = 2, c.head_hidden = 16, c.dropout = 0, c.attn_dropout = 0;
    c.anonymous_types = {"cell_line"}, c.relation_softmax = relation_softmax, c.fanouts = {-1, -1};
    c.node_embeddings = true;
    const auto cell = size_t(node_type_index("cell_line")), drug = size_t(node_type_index("drug"));
    auto predict = [&](bool sampled) {
      torch::manual_seed(3);
      GatModel m(c, d.g, d.s);
      EXPECT_EQ(m.named_parameters().find("proj_" + std::to_string(cell)), nullptr);
      EXPECT_NE(m.named_parameters().find("type_emb_" + std::to_string(cell)), nullptr);
      EXPECT_EQ(m.named_parameters().find("node_emb_" + std::to_string(cell)), nullptr);
      EXPECT_NE(m.named_parameters().find("node_emb_" + std::to_string(node_type_index("gene/protein"))), nullptr);
      m.eval();
      return sampled ? m.predict_sampled(i64({0, 1, 2})) : m.predict(i64({0, 1, 2}));
    };
    const auto before = predict(false);
    EXPECT_TRUE(torch::allclose(predict(true), before, 1e-5, 1e-5)) << relation_softmax;
    d.g.features[cell].data = {-5, 0, 7, 1, 1, 1};
    EXPECT_TRUE(torch::allclose(predict(false), before, 1e-6, 1e-6)) << relation_softmax;
    d.g.features[drug].data = {7, -3, 0.5, 9, -2, 4};
    EXPECT_FALSE(torch::allclose(predict(false), before, 1e-4, 1e-4)) << relation_softmax;
  }
}

// gat.decoder programs: y = σ(a·[h_d ‖ dose/time] + a0) (P (h_d ⊙ (1 + tanh(W h_c + w0))) + Q h_c + q0),
// checked against that formula on the encoder's states; with P = 0 and an activity that does
// not read the drug, two compounds in one cell line at one dose and time get one prediction;
// an activity near 0 silences the whole signature; the MLP head is not built.
TEST(GatModel, ProgramsDecoderIsActivityTimesGatedPrograms) {
  TinyData d;
  d.s.sig_cell = {0, 0, 0}, d.s.dose_um = {10, 10, 10}, d.s.time_h = {24, 24, 24};
  GatConfig c;
  c.hidden = 8, c.heads = 2, c.layers = 2, c.dropout = 0, c.attn_dropout = 0, c.decoder = "programs";
  torch::manual_seed(6);
  GatModel m(c, d.g, d.s);
  m.eval();
  auto param = [&](const std::string& name) { return m.named_parameters()[name]; };
  EXPECT_EQ(m.named_parameters().find("head.0.weight"), nullptr);
  EXPECT_EQ(param("programs.weight").sizes(), (std::vector<int64_t>{3, 8}));
  torch::NoGradGuard no_grad;
  auto sig = i64({0, 1, 2});
  auto h = m.encode();
  auto hd = h.index_select(0, i64({0, 1, 2})), hc = h.index_select(0, i64({6, 6, 6}));
  auto dt = m.named_buffers()["dose_time"];
  auto r = torch::sigmoid(torch::cat({hd, dt}, 1).matmul(param("activity.weight").t()) + param("activity.bias"));
  auto z = hd * (1 + torch::tanh(hc.matmul(param("gate.weight").t()) + param("gate.bias")));
  auto want = r * (z.matmul(param("programs.weight").t()) + hc.matmul(param("cell_part.weight").t()) +
                   param("cell_part.bias"));
  auto got = m.predict(sig);
  EXPECT_TRUE(torch::allclose(got, want, 1e-5, 1e-6));
  EXPECT_FALSE(torch::allclose(got[0], got[2], 1e-4, 1e-4));  // drugs 0 and 2 differ
  param("programs.weight").zero_();
  param("activity.weight").zero_();
  got = m.predict(sig);
  EXPECT_TRUE(torch::allclose(got[0], got[2], 1e-6, 1e-6));
  EXPECT_TRUE(torch::allclose(got[0], got[1], 1e-6, 1e-6));
  EXPECT_GT(got.abs().max().item<double>(), 1e-3);
  param("activity.bias").fill_(-40);
  EXPECT_LT(m.predict(sig).abs().max().item<double>(), 1e-12);
}

// gat.program_types: every gene node holds a learned program V_v [G]; each layer carries the
// programs along its edges weighted by its attention (heads averaged) and renormalised over the
// edges from nodes that carry one, so a drug's Π is a weighted mean of the programs on its 2-hop
// paths, the weights the attention products — checked against a
// hand-run propagation of encode_with_attention's α, and the decoder against its formula (the
// node programs replace the hidden-state programs P, which are not built). A
// drug with no path from a gene node gets Π = 0; the sampled path with every neighbour gives
// the full model's predictions and gradients; with the other terms silenced, the loss still
// reaches the attention parameters through Π. Programs need the programs decoder.
TEST(GatModel, NodeProgramsArriveAlongAttentionPaths) {
  TinyData d;
  GatConfig c;
  c.hidden = 8, c.heads = 2, c.layers = 2, c.dropout = 0, c.attn_dropout = 0, c.decoder = "programs";
  c.program_types = {"gene/protein"}, c.fanouts = {-1, -1};
  torch::manual_seed(7);
  GatModel m(c, d.g, d.s, /*prune=*/false);
  m.eval();
  auto param = [&](const std::string& name) { return m.named_parameters()[name]; };
  const auto v = param("node_programs");
  ASSERT_EQ(v.sizes(), (std::vector<int64_t>{3, 3}));  // gene nodes 3, 4, 5 x 3 genes
  EXPECT_EQ(m.named_parameters().find("programs.weight"), nullptr);
  {
    torch::NoGradGuard no_grad;
    const auto state = m.encode();
    ASSERT_EQ(state.sizes(), (std::vector<int64_t>{8, 8 + 3}));
    const auto att = m.encode_with_attention();
    EXPECT_TRUE(torch::equal(att.h, state));
    auto prog = torch::zeros({8, 3});
    prog.slice(0, 3, 6).copy_(v);
    std::vector<bool> live{false, false, false, true, true, true, false, false};  // carries a program
    for (size_t l = 0; l < att.alpha.size(); ++l) {
      const auto a = att.alpha[l].mean(1);
      auto next = torch::zeros({8, 3}), total = torch::zeros({8});
      std::vector<bool> reached(8, false);
      const auto& es = att.edges[l];
      for (int64_t e = 0; e < es.num_edges(); ++e) {
        const int64_t i = es.dst[e].item<int64_t>(), j = es.src[e].item<int64_t>();
        if (!live[size_t(j)]) continue;
        next[i] += a[e] * prog[j], total[i] += a[e], reached[size_t(i)] = true;
      }
      for (int64_t i = 0; i < 8; ++i)
        if (reached[size_t(i)]) next[i] /= total[i];
      prog = next, live = reached;
    }
    const auto got = state.slice(1, 8);
    EXPECT_TRUE(torch::allclose(got, prog, 1e-5, 1e-6));
    EXPECT_TRUE(torch::equal(got[2], torch::zeros({3})));  // drug 2: no edge in from a gene
    EXPECT_GT(got[0].abs().sum().item<double>(), 1e-4);    // drug 0: genes 3 and 4 reach it
    // Drug 1's only gene is 4, whose only program-carrying edge is its self-loop: Π = V_4,
    // whatever the attention (the renormalisation keeps a mean of programs a mean).
    EXPECT_TRUE(torch::allclose(got[1], v[1], 1e-5, 1e-6));

    const auto sig = i64({0, 1, 2});
    const auto hd = state.index_select(0, i64({0, 1, 2})).slice(1, 0, 8);  // compounds 0, 3, 2
    const auto hc = state.index_select(0, i64({7, 6, 6})).slice(1, 0, 8);
    const auto pd = got.index_select(0, i64({0, 1, 2}));
    const auto dt = m.named_buffers()["dose_time"];
    auto r = torch::sigmoid(torch::cat({hd, dt}, 1).matmul(param("activity.weight").t()) + param("activity.bias"));
    auto gate = 1 + torch::tanh(hc.matmul(param("program_gate.weight").t()) + param("program_gate.bias"));
    auto want = r * (gate * pd + hc.matmul(param("cell_part.weight").t()) + param("cell_part.bias"));
    EXPECT_TRUE(torch::allclose(m.predict(sig), want, 1e-5, 1e-6));
  }
  // Sampled with every neighbour = full, gradients included (training mode, no dropout).
  m.train();
  const auto sig = i64({2, 0, 1});
  auto grads = [&](const torch::Tensor& out) {
    m.zero_grad();
    out.square().sum().backward();
    std::vector<torch::Tensor> g;
    for (const auto& p : m.parameters()) g.push_back(p.grad().defined() ? p.grad().clone() : torch::zeros_like(p));
    return g;
  };
  EXPECT_TRUE(torch::allclose(m.predict_sampled(sig), m.decode(m.encode(), sig), 1e-5, 1e-6));
  auto gs = grads(m.predict_sampled(sig)), gf = grads(m.decode(m.encode(), sig));
  for (size_t i = 0; i < gs.size(); ++i) EXPECT_TRUE(torch::allclose(gs[i], gf[i], 1e-5, 1e-6)) << i;
  // Only Π left reading the graph: the attention vectors still get a gradient, through α.
  {
    torch::NoGradGuard no_grad;
    for (const char* w : {"activity.weight", "cell_part.weight", "program_gate.weight"})
      param(w).zero_();
  }
  grads(m.decode(m.encode(), sig));
  EXPECT_GT(param("gat_0.att_src").grad().abs().sum().item<double>(), 1e-8);
  EXPECT_GT(v.grad().abs().sum().item<double>(), 1e-8);
  c.decoder = "mlp";
  EXPECT_THROW(GatModel(c, d.g, d.s), std::exception);
}

// Compounds 0..39 target one protein each (protein d % 8, of pathway (d % 8) % 4), compound 40
// none; 4 cell lines. A response is exactly a cell-line mean plus the program of the compound's
// pathway (none for compound 40) plus, with `own`, an effect of the compound's own. Validation:
// compounds 30-39 in every cell line, and with `seen_val` also each compound d < 30 in cell line
// d % 4 (compounds trained on, in pairs never trained on).
struct ProgramsData {
  static constexpr int64_t D = 41, T = 8, P = 4, C = 4, G = 5;
  Graph g;
  Samples s;
  std::vector<int64_t> train, val, val_seen, val_new;
  torch::Tensor y;

  // gains: each cell line scales each pathway's program by its own gain s(c, p) in [0.2, 1.8].
  ProgramsData(bool own, bool seen_val, bool gains = false) {
    const int drug = node_type_index("drug"), gene = node_type_index("gene/protein"),
              pathway = node_type_index("pathway"), cell = node_type_index("cell_line");
    g.relation_names = {"drug_protein", "pathway_protein"};
    std::vector<int32_t> src, dst, rel;
    auto both = [&](int64_t a, int64_t b, int r) {
      src.push_back(int32_t(a)), dst.push_back(int32_t(b)), rel.push_back(r);
      src.push_back(int32_t(b)), dst.push_back(int32_t(a)), rel.push_back(r);
    };
    // Nodes: drugs 0..40, proteins 41..48, pathways 49..52, cell lines 53..56.
    for (int64_t d = 0; d < D; ++d) g.node_type.push_back(drug), g.local_index.push_back(d);
    for (int64_t t = 0; t < T; ++t) g.node_type.push_back(gene), g.local_index.push_back(t);
    for (int64_t p = 0; p < P; ++p) g.node_type.push_back(pathway), g.local_index.push_back(p);
    for (int64_t c = 0; c < C; ++c) g.node_type.push_back(cell), g.local_index.push_back(c);
    const int64_t N = D + T + P + C;
    for (int64_t v = 0; v < N; ++v)
      g.node_id.push_back("n" + std::to_string(v)), g.node_name.push_back("n"), g.node_source.push_back("t");
    for (int64_t d = 0; d + 1 < D; ++d) both(d, D + d % T, 0);
    for (int64_t t = 0; t < T; ++t) both(D + T + t % P, D + t, 1);
    Graph::build_csr(N, dst, src, rel, g.indptr);
    g.src = src, g.rel = rel;
    g.features.resize(node_type_names().size());
    std::vector<float> fp, cf;
    for (int64_t d = 0; d < D; ++d) fp.push_back(float(d % 3)), fp.push_back(float(d % 5));
    for (int64_t c = 0; c < C; ++c) cf.push_back(float(c)), cf.push_back(float(c * c)), cf.push_back(1);
    g.features[size_t(drug)] = {fp, D, 2};
    g.features[size_t(gene)] = {{}, T, 0};
    g.features[size_t(pathway)] = {{}, P, 0};
    g.features[size_t(cell)] = {cf, C, 3};
    g.validate("programs graph");

    for (int64_t k = 0; k < G; ++k)
      s.gene_id.push_back("g" + std::to_string(k)), s.gene_symbol.push_back("G"), s.gene_node.push_back(-1);
    for (int64_t d = 0; d < D; ++d)
      s.drug_pert_id.push_back("d" + std::to_string(d)), s.drug_smiles.push_back(""), s.drug_match.push_back("new"),
          s.drug_node.push_back(d);
    s.drug_name = s.drug_pert_id;
    for (int64_t c = 0; c < C; ++c) s.cell_id.push_back("c" + std::to_string(c)), s.cell_node.push_back(D + T + P + c);
    auto mu = [](int64_t c, int64_t k) { return 0.5 * double(c) - 0.3 * double(k); };
    auto prog = [](int64_t p, int64_t k) { return std::sin(double(3 * p + 2 * k + 1)); };
    auto self = [](int64_t d, int64_t k) { return 0.8 * std::cos(double(7 * d + 3 * k)); };
    auto gain = [gains](int64_t c, int64_t p) { return gains ? 1 + 0.8 * std::sin(double(2 * c + 3 * p + 1)) : 1.0; };
    std::vector<float> v;
    for (int64_t d = 0; d < D; ++d)
      for (int64_t c = 0; c < C; ++c) {
        const int64_t i = int64_t(s.sig_id.size());
        const bool is_new = d >= 30 && d < 40, seen = seen_val && d < 30 && c == d % 4;
        (is_new ? val_new : seen ? val_seen : train).push_back(i);
        if (is_new || seen) val.push_back(i);
        s.sig_id.push_back("s" + std::to_string(i));
        s.sig_drug.push_back(int32_t(d)), s.sig_cell.push_back(int32_t(c));
        s.dose_um.push_back(10), s.time_h.push_back(24);
        for (int64_t k = 0; k < G; ++k)
          v.push_back(float(mu(c, k) + (d < 40 ? gain(c, (d % T) % P) * prog((d % T) % P, k) : 0.0) +
                            (own ? self(d, k) : 0.0)));
      }
    const auto S = int64_t(s.sig_id.size());
    s.y = {v, S, G};
    s.validate("programs samples", N);
    y = torch::from_blob(s.y.data.data(), {S, G}, torch::kFloat32);
  }

  GatConfig config(bool compound_programs) const {
    GatConfig c;
    c.hidden = 8, c.heads = 2, c.layers = 2, c.dropout = 0, c.attn_dropout = 0, c.decoder = "programs";
    c.program_types = {"pathway"}, c.program_init = "ridge", c.compound_programs = compound_programs;
    return c;
  }
};

// Mean per-row Pearson of a and b [n, G].
double mean_pearson(const torch::Tensor& a, const torch::Tensor& b) {
  const auto ac = a - a.mean(1, true), bc = b - b.mean(1, true);
  return ((ac * bc).sum(1) / (ac.norm(2, 1) * bc.norm(2, 1))).mean().item<double>();
}

// gat.program_init: ridge. Every compound's mix of programs is its pathway's one-hot row
// whatever the attention, so the fit must give back the responses of compounds it never saw,
// up to the penalty's shrinkage, and the model must predict what the fit computed.
TEST(GatModel, ProgramsFromRidgePredictUnseenCompounds) {
  ProgramsData d(/*own=*/false, /*seen_val=*/false);
  GatConfig c = d.config(false);
  torch::manual_seed(3);
  GatModel m(c, d.g, d.s, /*prune=*/false);
  const auto fit = m.fit_programs(d.y, d.train, d.val);
  EXPECT_TRUE(m.is_training());  // the mode it had
  EXPECT_EQ(fit.programs, ProgramsData::P);
  EXPECT_EQ(fit.drug_nodes, 31);  // the training compounds' nodes, 30 with a target
  EXPECT_EQ(fit.reached, 30);
  EXPECT_GT(fit.val_pearson, 0.999);
  m.eval();
  torch::NoGradGuard ng;
  const int64_t S = d.y.size(0);
  const auto all = m.predict(torch::arange(S, torch::kInt64));
  // Unseen compounds and the target-less one: their responses, up to the penalty's shrinkage.
  for (int64_t i : d.val) EXPECT_TRUE(torch::allclose(all[i], d.y[i], 0, 0.02)) << i;
  for (int64_t i = S - ProgramsData::C; i < S; ++i) EXPECT_TRUE(torch::allclose(all[i], d.y[i], 0, 0.02)) << i;
  // The validation Pearson the fit chose by is the model's own.
  const auto vi = torch::tensor(d.val, torch::kInt64);
  EXPECT_NEAR(mean_pearson(all.index_select(0, vi), d.y.index_select(0, vi)), fit.val_pearson, 1e-5);
  // Activity 1/2 and no cell gate at the start; the programs alone vary by pathway.
  EXPECT_EQ(m.named_parameters()["activity.weight"].abs().sum().item<double>(), 0);
  EXPECT_EQ(m.named_parameters()["program_gate.bias"].abs().sum().item<double>(), 0);

  // Needs program types.
  c.program_types.clear();
  EXPECT_THROW(GatModel(c, d.g, d.s), std::exception);
}

// gat.cell_gate: program. Each cell line scales each pathway's program by a gain of its own:
// one gene gate per cell line cannot express that (the pathways share genes), the program
// gates can, so the fit must give back new compounds' responses in every cell line and the
// model must predict what the fit computed; with gains all 1 the model must stay the
// gene-gated one.
TEST(GatModel, ProgramGatesTakeEachCellLinesPathwayGains) {
  ProgramsData d(/*own=*/false, /*seen_val=*/false, /*gains=*/true);
  auto fitted = [&](const ProgramsData& data, const std::string& gate) {
    GatConfig c = data.config(false);
    c.cell_gate = gate;
    torch::manual_seed(3);
    auto m = std::make_shared<GatModel>(c, data.g, data.s, /*prune=*/false);
    const auto fit = m->fit_programs(data.y, data.train, data.val);
    m->eval();
    torch::NoGradGuard ng;
    return std::tuple{fit, m->predict(torch::arange(data.y.size(0), torch::kInt64)), m};
  };
  const auto [gated, pred, m] = fitted(d, "program");
  const auto [by_gene, pred_gene, m_gene] = fitted(d, "gene");
  EXPECT_TRUE(std::isfinite(gated.gate_lambda)) << gated.gate_lambda;
  EXPECT_EQ(by_gene.gate_lambda, 0);
  std::printf("validation Pearson: %.4f with program gates, %.4f with the gene gate (off)\n", gated.val_pearson,
              by_gene.val_pearson);
  EXPECT_GT(gated.val_pearson, 0.999);
  EXPECT_GT(gated.val_pearson, by_gene.val_pearson);
  const auto vi = torch::tensor(d.val, torch::kInt64);
  const double err = (pred.index_select(0, vi) - d.y.index_select(0, vi)).abs().mean().item<double>();
  const double err_gene = (pred_gene.index_select(0, vi) - d.y.index_select(0, vi)).abs().mean().item<double>();
  std::printf("new compounds, mean absolute error: %.3f with program gates, %.3f without\n", err, err_gene);
  EXPECT_LT(err, 0.35 * err_gene);
  for (int64_t i : d.val) EXPECT_TRUE(torch::allclose(pred[i], d.y[i], 0, 0.1)) << i;
  EXPECT_NEAR(mean_pearson(pred.index_select(0, vi), d.y.index_select(0, vi)), gated.val_pearson, 1e-5);
  EXPECT_EQ(m->named_parameters()["program_gate.weight"].size(0), ProgramsData::P);  // one gate per program

  // Without gains the gates change nearly nothing: the gene-gated model's predictions (the
  // gates may at most undo some of the penalty's shrinkage), never a worse validation.
  ProgramsData flat(/*own=*/false, /*seen_val=*/false);
  const auto [gated0, pred0, m0] = fitted(flat, "program");
  const auto [gene0, pred_gene0, m_gene0] = fitted(flat, "gene");
  EXPECT_GE(gated0.val_pearson, gene0.val_pearson);
  EXPECT_TRUE(torch::allclose(pred0, pred_gene0, 0, 0.05));

  GatConfig c = d.config(false);
  c.cell_gate = "pathway";
  EXPECT_THROW(GatModel(c, d.g, d.s), std::exception);
  c.cell_gate = "program", c.program_types.clear();
  EXPECT_THROW(GatModel(c, d.g, d.s), std::exception);
}

// gat.compound_programs: what the pathways leave of a compound seen in training is its own
// program, fitted after the graph's; a new compound gets none, and a validation of new
// compounds only chooses none at all.
TEST(GatModel, CompoundProgramsTakeWhatTheGraphLeaves) {
  ProgramsData d(/*own=*/true, /*seen_val=*/true);
  auto fitted = [&](bool compound_programs) {
    torch::manual_seed(3);
    auto m = std::make_shared<GatModel>(d.config(compound_programs), d.g, d.s, /*prune=*/false);
    const auto fit = m->fit_programs(d.y, d.train, d.val);
    m->eval();
    torch::NoGradGuard ng;
    return std::pair{fit, m->predict(torch::arange(d.y.size(0), torch::kInt64))};
  };
  const auto [with, pred] = fitted(true);
  const auto [without, pred0] = fitted(false);
  EXPECT_TRUE(std::isfinite(with.compound_beta)) << with.compound_beta;
  EXPECT_EQ(without.compound_beta, 0);
  EXPECT_GT(with.val_pearson, without.val_pearson);
  // Seen compounds in new pairs: their own effect recovered (up to what the cell lines' means
  // took of it).
  const auto vs = torch::tensor(d.val_seen, torch::kInt64);
  const double err = (pred.index_select(0, vs) - d.y.index_select(0, vs)).abs().mean().item<double>();
  const double err0 = (pred0.index_select(0, vs) - d.y.index_select(0, vs)).abs().mean().item<double>();
  std::printf("seen compounds, mean absolute error: %.3f with their own programs, %.3f without\n", err, err0);
  EXPECT_LT(err, 0.25 * err0);
  for (int64_t i : d.val_new)  // new compounds: no own program, the same prediction
    EXPECT_TRUE(torch::allclose(pred[i], pred0[i], 1e-5, 1e-5)) << i;

  ProgramsData only_new(/*own=*/true, /*seen_val=*/false);
  torch::manual_seed(3);
  GatModel m(only_new.config(true), only_new.g, only_new.s, /*prune=*/false);
  EXPECT_TRUE(std::isinf(m.fit_programs(only_new.y, only_new.train, only_new.val).compound_beta));
  EXPECT_EQ(m.named_parameters()["compound_programs"].abs().sum().item<double>(), 0);
}

// Without gat.residual one layer's output is the layer alone: it differs from the residual
// model's by exactly the input h0 (here the gene nodes' learned type vector).
TEST(GatModel, WithoutResidualTheLayerOutputIsAlone) {
  TinyData d;
  GatConfig c;
  c.hidden = 8, c.heads = 2, c.layers = 1, c.head_hidden = 16, c.dropout = 0, c.attn_dropout = 0;
  torch::manual_seed(4);
  GatModel res(c, d.g, d.s, /*prune=*/false);
  c.residual = false;
  torch::manual_seed(4);
  GatModel alone(c, d.g, d.s, false);
  res.eval(), alone.eval();
  torch::Tensor type_vec;
  for (const auto& p : res.named_parameters())
    if (p.key() == "type_emb_" + std::to_string(node_type_index("gene/protein"))) type_vec = p.value();
  ASSERT_TRUE(type_vec.defined());
  auto diff = res.encode() - alone.encode();
  for (int64_t v : {3, 4, 5}) EXPECT_TRUE(torch::allclose(diff[v], type_vec, 1e-5, 1e-6)) << v;
}

TEST(Models, MakeModelByName) {
  TinyData d;
  Config cfg;
  cfg.gat.hidden = 8, cfg.gat.heads = 2;
  cfg.model = "mlp";
  EXPECT_NE(dynamic_cast<MlpModel*>(make_model(cfg, d.g, d.s).get()), nullptr);
  cfg.model = "gat";
  EXPECT_NE(dynamic_cast<GatModel*>(make_model(cfg, d.g, d.s).get()), nullptr);
  cfg.model = "rf";
  EXPECT_THROW(make_model(cfg, d.g, d.s), Error);
}

}  // namespace
}  // namespace kg
