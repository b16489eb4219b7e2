// The fused GAT kernel (gat_fused.hpp) against the layer from stock ops, on graphs the PyG
// reference cases do not reach: hubs, nodes without incoming edges, parallel edges, many
// relations, attention dropout; its gradients against finite differences; bit-identical
// results whatever the number of threads; the CSR it builds.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "model/gat.hpp"
#include "model/gat_fused.hpp"

namespace kg {
namespace {

// A random multigraph on n nodes: `e` uniform edges plus node 0 as a hub (an edge from every
// node), a parallel edge 1 -> 2, and node n - 1 with no incoming edge.
EdgeSet random_graph(int64_t n, int64_t e, int64_t relations, uint64_t seed) {
  torch::manual_seed(seed);
  auto src = torch::randint(n, {e}, torch::kInt64), dst = torch::randint(n - 1, {e}, torch::kInt64);
  auto hub = torch::arange(n, torch::kInt64);
  src = torch::cat({src, hub, torch::tensor(std::vector<int64_t>{1, 1})});
  dst = torch::cat({dst, torch::zeros({n}, torch::kInt64), torch::tensor(std::vector<int64_t>{2, 2})});
  auto rel = torch::randint(relations, {src.size(0)}, torch::kInt64);
  return {src, dst, rel, n};
}

// Out and every gradient of a layer with the given path, seeded weights, float64.
struct Result {
  torch::Tensor out, alpha, bias;
  std::vector<torch::Tensor> grads;  // x, then every parameter
};

Result run_layer(const EdgeSet& g, int64_t relations, bool fused, bool self_loops, bool concat) {
  torch::manual_seed(7);
  GatLayerOptions o;
  o.in_dim = 6, o.channels = 5, o.heads = 3, o.num_relations = relations, o.rel_dim = 4;
  o.concat = concat, o.attn_dropout = 0, o.self_loops = self_loops, o.fused = fused;
  GatLayer layer(o);
  layer->to(torch::kFloat64);
  {  // a bias that is not zero (its initial value), so that a row of bias alone shows
    torch::NoGradGuard ng;
    layer->bias.copy_(torch::linspace(-1.5, 2.0, layer->bias.numel(), torch::kFloat64));
  }
  auto x = torch::randn({g.num_nodes, 6}, torch::kFloat64).requires_grad_();
  auto up = torch::randn({g.num_nodes, concat ? 15 : 5}, torch::kFloat64);
  Result r;
  std::tie(r.out, r.alpha) = layer->forward_with_attention(x, g.src, g.dst, g.rel);
  r.bias = layer->bias.detach().clone();
  (r.out * up).sum().backward();
  r.grads.push_back(x.grad());
  for (const auto& p : layer->parameters()) r.grads.push_back(p.grad());
  return r;
}

TEST(GatFused, MatchesStockOpsOnHubsEmptyRowsAndParallelEdges) {
  const int64_t relations = 9;
  const EdgeSet g = random_graph(40, 300, relations, 3);
  for (bool loops : {true, false})
    for (bool concat : {true, false}) {
      Result f = run_layer(g, relations, true, loops, concat), s = run_layer(g, relations, false, loops, concat);
      EXPECT_TRUE(torch::allclose(f.out, s.out, 1e-12, 1e-12)) << loops << concat;
      EXPECT_TRUE(torch::allclose(f.alpha, s.alpha, 1e-12, 1e-12)) << loops << concat;
      ASSERT_EQ(f.grads.size(), s.grads.size());
      for (size_t k = 0; k < f.grads.size(); ++k)
        EXPECT_TRUE(torch::allclose(f.grads[k], s.grads[k], 1e-10, 1e-12)) << "grad " << k << " " << loops << concat;
      if (!loops) {  // node 39 has no incoming edge: no message, its output is the bias alone
        for (const Result* r : {&f, &s})
          EXPECT_TRUE(torch::equal(r->out[39], r->bias))
              << (r == &f ? "fused" : "stock") << " " << concat << "\n" << r->out[39] << "\n" << r->bias;
        // ... and a node with incoming edges (the hub, node 0) is not
        EXPECT_GT((f.out[0] - f.bias).abs().max().item<double>(), 1e-3);
      }
    }
}

// gat_fused alone, against finite differences (float64), with an attention-dropout mask and
// distinct source and destination counts (a sampled block: 7 sources, 4 destinations).
TEST(GatFused, GradientsMatchFiniteDifferences) {
  torch::manual_seed(11);
  const int64_t ns = 7, nd = 4, H = 2, C = 3, R = 3;
  auto src = torch::tensor(std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 0, 6, 2, 2});
  auto dst = torch::tensor(std::vector<int64_t>{0, 0, 1, 1, 2, 2, 3, 3, 0, 1, 1});
  auto rel = torch::tensor(std::vector<int64_t>{0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 0});
  const GatCsr csr = make_gat_csr(src, dst, rel, ns, nd);
  auto opt = torch::TensorOptions().dtype(torch::kFloat64);
  auto xp = torch::randn({ns, H, C}, opt).requires_grad_(), as = torch::randn({ns, H}, opt).requires_grad_();
  auto ad = torch::randn({nd, H}, opt).requires_grad_(), ar = torch::randn({R, H}, opt).requires_grad_();
  auto keep = torch::bernoulli(torch::full({11, H}, 0.7, opt)) / 0.7;
  auto up = torch::randn({nd, H, C}, opt);
  auto loss = [&] { return (gat_fused(csr, xp, as, ad, ar, 0.2, keep).first * up).sum(); };
  loss().backward();
  const double eps = 1e-6;
  for (auto* t : {&xp, &as, &ad, &ar}) {
    auto flat = t->detach().view(-1);  // shares storage with *t
    auto grad = t->grad().view(-1);
    for (int64_t k = 0; k < flat.numel(); ++k) {
      torch::NoGradGuard ng;
      const double v = flat[k].item<double>();
      flat[k] = v + eps;
      const double up_loss = loss().item<double>();
      flat[k] = v - eps;
      const double down_loss = loss().item<double>();
      flat[k] = v;
      EXPECT_NEAR(grad[k].item<double>(), (up_loss - down_loss) / (2 * eps), 1e-6) << k;
    }
  }
  // The mask multiplies α in the sum: a dropped edge contributes nothing to its destination.
  auto [out, alpha] = gat_fused(csr, xp, as, ad, ar, 0.2, keep);
  auto manual = torch::zeros({nd, H, C}, opt);
  for (int64_t k = 0; k < 11; ++k) {
    const auto j = csr.src[k].item<int64_t>();
    const auto i = std::upper_bound(csr.indptr.data_ptr<int64_t>(), csr.indptr.data_ptr<int64_t>() + nd + 1, k) -
                   csr.indptr.data_ptr<int64_t>() - 1;
    manual[i] += (alpha[k] * keep[k]).unsqueeze(-1) * xp[j].detach();
  }
  EXPECT_TRUE(torch::allclose(out, manual, 1e-12, 1e-12));
  // α sums to one over each destination's edges.
  auto sums = torch::zeros({nd, H}, opt).index_add(0, torch::repeat_interleave(torch::arange(nd), csr.indptr.diff()), alpha);
  EXPECT_TRUE(torch::allclose(sums, torch::ones({nd, H}, opt)));
}

TEST(GatFused, SameBitsWithOneAndTwoThreads) {
  const EdgeSet g = random_graph(3000, 60000, 5, 5);
  const int saved = torch::get_num_threads();
  std::vector<Result> r;
  for (int t : {1, 2}) {
    torch::set_num_threads(t);
    GatLayerOptions o;
    torch::manual_seed(1);
    o.in_dim = 16, o.channels = 8, o.heads = 4, o.num_relations = 5;
    GatLayer layer(o);
    auto x = torch::randn({g.num_nodes, 16}).requires_grad_();
    Result res;
    std::tie(res.out, res.alpha) = layer->forward_with_attention(x, g.src, g.dst, g.rel);
    (res.out * res.out).sum().backward();
    res.grads.push_back(x.grad());
    for (const auto& p : layer->parameters()) res.grads.push_back(p.grad());
    r.push_back(res);
  }
  torch::set_num_threads(saved);
  EXPECT_TRUE(torch::equal(r[0].out, r[1].out));
  EXPECT_TRUE(torch::equal(r[0].alpha, r[1].alpha));
  for (size_t k = 0; k < r[0].grads.size(); ++k) EXPECT_TRUE(torch::equal(r[0].grads[k], r[1].grads[k])) << k;
}

// On a GPU (a CUDA LibTorch and the CUDA kernels built): the same outputs and gradients as
// the CPU kernel, to rounding, and the same bits from two runs.
TEST(GatFused, CudaMatchesCpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device (or a CPU-only LibTorch)";
  if (!gat_fused_runs_on(torch::Device(torch::kCUDA, 0))) GTEST_SKIP() << "built without the CUDA kernels";
  const EdgeSet g = random_graph(2000, 40000, 6, 9);
  auto run_on = [&](torch::Device dev) {
    torch::manual_seed(2);
    GatLayerOptions o;
    o.in_dim = 16, o.channels = 8, o.heads = 4, o.num_relations = 6;
    GatLayer layer(o);
    layer->to(dev);
    auto x = torch::randn({g.num_nodes, 16}).to(dev).requires_grad_();
    Result r;
    std::tie(r.out, r.alpha) = layer->forward_with_attention(x, g.src.to(dev), g.dst.to(dev), g.rel.to(dev));
    (r.out * r.out).sum().backward();
    r.grads.push_back(x.grad());
    for (const auto& p : layer->parameters()) r.grads.push_back(p.grad());
    r.out = r.out.cpu(), r.alpha = r.alpha.cpu();
    for (auto& t : r.grads) t = t.cpu();
    return r;
  };
  const Result cpu = run_on(torch::kCPU), gpu = run_on(torch::Device(torch::kCUDA, 0)),
               again = run_on(torch::Device(torch::kCUDA, 0));
  EXPECT_TRUE(torch::allclose(cpu.out, gpu.out, 1e-4, 1e-5));
  EXPECT_TRUE(torch::allclose(cpu.alpha, gpu.alpha, 1e-4, 1e-6));
  for (size_t k = 0; k < cpu.grads.size(); ++k) {
    EXPECT_TRUE(torch::allclose(cpu.grads[k], gpu.grads[k], 1e-3, 1e-4)) << "grad " << k;
    EXPECT_TRUE(torch::equal(gpu.grads[k], again.grads[k])) << "grad " << k;
  }
  EXPECT_TRUE(torch::equal(gpu.out, again.out));
}

TEST(GatFused, CsrGroupsByDestinationAndSourceStably) {
  // Edges (src -> dst): 0: 2->1, 1: 0->0, 2: 2->0, 3: 1->1, 4: 2->1; node 2 has no in-edge.
  auto src = torch::tensor(std::vector<int64_t>{2, 0, 2, 1, 2}), dst = torch::tensor(std::vector<int64_t>{1, 0, 0, 1, 1});
  auto rel = torch::tensor(std::vector<int64_t>{4, 5, 6, 7, 8});
  const GatCsr c = make_gat_csr(src, dst, rel, 3, 3);
  auto vec = [](const torch::Tensor& t) {
    auto v = t.to(torch::kInt64);
    return std::vector<int64_t>(v.data_ptr<int64_t>(), v.data_ptr<int64_t>() + v.numel());
  };
  EXPECT_EQ(vec(c.indptr), (std::vector<int64_t>{0, 2, 5, 5}));
  EXPECT_EQ(vec(c.order), (std::vector<int64_t>{1, 2, 0, 3, 4}));
  EXPECT_EQ(vec(c.src), (std::vector<int64_t>{0, 2, 2, 1, 2}));
  EXPECT_EQ(vec(c.rel), (std::vector<int64_t>{5, 6, 4, 7, 8}));
  EXPECT_EQ(vec(c.t_indptr), (std::vector<int64_t>{0, 1, 2, 5}));
  EXPECT_EQ(vec(c.t_edge), (std::vector<int64_t>{0, 3, 1, 2, 4}));
  EXPECT_EQ(vec(c.t_dst), (std::vector<int64_t>{0, 1, 0, 1, 1}));
  EXPECT_THROW(make_gat_csr(src, dst, rel, 2, 3), Error);  // source 2 is outside 2 sources

  // With self-loops (relation 9): each row's loop comes last, numbered after the edges given.
  const GatCsr l = make_gat_csr(src, dst, rel, 3, 3, 9);
  EXPECT_EQ(vec(l.indptr), (std::vector<int64_t>{0, 3, 7, 8}));
  EXPECT_EQ(vec(l.order), (std::vector<int64_t>{1, 2, 5, 0, 3, 4, 6, 7}));
  EXPECT_EQ(vec(l.src), (std::vector<int64_t>{0, 2, 0, 2, 1, 2, 1, 2}));
  EXPECT_EQ(vec(l.rel), (std::vector<int64_t>{5, 6, 9, 4, 7, 8, 9, 9}));
  EXPECT_EQ(vec(l.t_indptr), (std::vector<int64_t>{0, 2, 4, 8}));
  EXPECT_EQ(vec(l.t_edge), (std::vector<int64_t>{0, 2, 4, 6, 1, 3, 5, 7}));
  EXPECT_EQ(vec(l.t_dst), (std::vector<int64_t>{0, 0, 1, 1, 0, 1, 1, 2}));
}

}  // namespace
}  // namespace kg
