// GatLayer: relation-aware multi-head graph attention (see gat.hpp for the equations).
#include "model/gat.hpp"

#include <torch/version.h>

#include "core/error.hpp"

namespace kg {

namespace F = torch::nn::functional;

namespace {

// LibTorch 1.13 prints "scatter_reduce() is in beta" on the first call; in a training log that
// line reads like a problem, so the call runs with this handler, which drops warnings.
#if TORCH_VERSION_MAJOR < 2
namespace warn_api = c10::Warning;
class DropWarnings : public c10::WarningHandler {
 public:
  void process(const c10::SourceLocation&, const std::string&, const bool) override {}
};
#else
namespace warn_api = c10::WarningUtils;
class DropWarnings : public c10::WarningHandler {
 public:
  void process(const c10::Warning&) override {}
};
#endif

// Per-destination maximum of logits [E, H] over the edges into each of n nodes -> [n, H].
torch::Tensor max_per_destination(const torch::Tensor& logits, const torch::Tensor& dst, int64_t n) {
  static DropWarnings quiet;
  warn_api::WarningHandlerGuard guard(&quiet);
  auto dst_h = dst.unsqueeze(1).expand_as(logits);
  return torch::zeros({n, logits.size(1)}, logits.options())
      .scatter_reduce(0, dst_h, logits, "amax", /*include_self=*/false);
}

}  // namespace

EdgeSet add_self_loops(const EdgeSet& e, int64_t self_rel) {
  auto loops = torch::arange(e.num_nodes, torch::kInt64);
  EdgeSet out;
  out.num_nodes = e.num_nodes;
  out.src = torch::cat({e.src, loops});
  out.dst = torch::cat({e.dst, loops});
  out.rel = torch::cat({e.rel, torch::full({e.num_nodes}, self_rel, torch::kInt64)});
  return out;
}

GatLayerImpl::GatLayerImpl(const GatLayerOptions& o) : opt_(o) {
  KG_CHECK(o.in_dim > 0 && o.channels > 0 && o.heads > 0 && o.num_relations >= 0 && o.rel_dim > 0);
  const int64_t hc = o.heads * o.channels;
  lin = register_module("lin", torch::nn::Linear(torch::nn::LinearOptions(o.in_dim, hc).bias(false)));
  rel_emb = register_module("rel_emb", torch::nn::Embedding(o.num_relations + 1, o.rel_dim));
  lin_edge = register_module(
      "lin_edge", torch::nn::Linear(torch::nn::LinearOptions(o.rel_dim, hc).bias(false)));
  att_src = register_parameter("att_src", torch::empty({o.heads, o.channels}));
  att_dst = register_parameter("att_dst", torch::empty({o.heads, o.channels}));
  att_edge = register_parameter("att_edge", torch::empty({o.heads, o.channels}));
  // Glorot everywhere, as PyG initialises GATConv; zero bias.
  torch::NoGradGuard ng;
  for (auto* w : {&lin->weight, &lin_edge->weight, &att_src, &att_dst, &att_edge})
    torch::nn::init::xavier_uniform_(*w);
  if (o.bias) bias = register_parameter("bias", torch::zeros({o.concat ? hc : o.channels}));
}

torch::Tensor GatLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& src,
                                    const torch::Tensor& dst, const torch::Tensor& rel) {
  return forward_with_attention(x, src, dst, rel).first;
}

std::pair<torch::Tensor, torch::Tensor> GatLayerImpl::forward_with_attention(
    const torch::Tensor& x, const torch::Tensor& src_in, const torch::Tensor& dst_in,
    const torch::Tensor& rel_in) {
  const int64_t n = x.size(0), h = opt_.heads, c = opt_.channels;
  EdgeSet es{src_in, dst_in, rel_in, n};
  if (opt_.self_loops) es = add_self_loops(es, opt_.num_relations);
  const auto &src = es.src, &dst = es.dst;

  auto xp = lin(x).view({n, h, c});                                     // x' = W x   [N, H, C]
  auto a_src = (xp * att_src).sum(-1);                                  // a_src·x'_j [N, H]
  auto a_dst = (xp * att_dst).sum(-1);                                  // a_dst·x'_i [N, H]
  // a_edge·(W_e r) depends on the relation only: compute it per relation, then gather.
  auto a_rel = (lin_edge(rel_emb->weight).view({-1, h, c}) * att_edge).sum(-1);  // [R+1, H]
  auto logits = F::leaky_relu(a_src.index_select(0, src) + a_dst.index_select(0, dst) +
                                  a_rel.index_select(0, es.rel),
                              F::LeakyReLUFuncOptions().negative_slope(opt_.negative_slope));  // [E, H]

  // Softmax over the incoming edges of each destination, shifted by its maximum.
  auto max = max_per_destination(logits.detach(), dst, n);              // [N, H]
  auto ex = (logits - max.index_select(0, dst)).exp();                  // [E, H]
  auto denom = torch::zeros({n, h}, ex.options()).index_add(0, dst, ex);  // [N, H]
  auto alpha = ex / denom.index_select(0, dst);                         // α_ij [E, H]
  auto alpha_used = F::dropout(alpha, F::DropoutFuncOptions().p(opt_.attn_dropout).training(is_training()));

  auto msg = xp.index_select(0, src) * alpha_used.unsqueeze(-1);        // α_ij x'_j [E, H, C]
  auto out = torch::zeros({n, h, c}, msg.options()).index_add(0, dst, msg);  // Σ_j  [N, H, C]
  out = opt_.concat ? out.reshape({n, h * c}) : out.mean(1);
  if (bias.defined()) out = out + bias;
  return {out, alpha};
}

}  // namespace kg
