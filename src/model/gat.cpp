// GatLayer: relation-aware multi-head graph attention (see gat.hpp for the equations).
#include "model/gat.hpp"

#include <torch/version.h>

#include "core/error.hpp"
#include "model/gat_fused.hpp"

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

// The attention tensors are narrow ([*, H], H = a few heads). LibTorch's row-wise index ops
// on rows of a few elements cost several times more than 1-D ones (measured on CPU, 1.13), so
// they are gathered and scattered through flat indices row * H + head.
torch::Tensor flat_rows(const torch::Tensor& idx, int64_t h) {
  return (idx.unsqueeze(1) * h + torch::arange(h, idx.options())).view(-1);  // [E*H]
}
torch::Tensor take_rows(const torch::Tensor& t, const torch::Tensor& flat, int64_t h) {
  return t.reshape(-1).index_select(0, flat).view({-1, h});  // [E, H]
}
torch::Tensor add_rows(const torch::Tensor& t, const torch::Tensor& flat, int64_t n) {
  const int64_t h = t.size(1);
  return torch::zeros({n * h}, t.options()).index_add(0, flat, t.reshape(-1)).view({n, h});  // [n, H]
}

// Per-destination maximum of logits [E, H] over the edges into each of n nodes -> [n, H].
torch::Tensor max_rows(const torch::Tensor& logits, const torch::Tensor& flat, int64_t n) {
  static DropWarnings quiet;
  warn_api::WarningHandlerGuard guard(&quiet);
  const int64_t h = logits.size(1);
  return torch::zeros({n * h}, logits.options())
      .scatter_reduce(0, flat, logits.reshape(-1), "amax", /*include_self=*/false)
      .view({n, h});
}

// The layer from stock tensor ops, as PyG computes it: out [N, H, C] and α [E, H] for
// x' = xp [N, H, C] and the per-node / per-relation logit terms.
// With rel_prior (ρ [R+1, H]) the softmax is by relation (GatLayerOptions::relation_softmax).
std::pair<torch::Tensor, torch::Tensor> reference(const torch::Tensor& xp, const torch::Tensor& a_src,
                                                  const torch::Tensor& a_dst, const torch::Tensor& a_rel,
                                                  const torch::Tensor& rel_prior, const EdgeSet& es,
                                                  double slope, double attn_dropout, bool dropping) {
  const int64_t n = xp.size(0), h = xp.size(1), c = xp.size(2);
  auto src_h = flat_rows(es.src, h), dst_h = flat_rows(es.dst, h), rel_h = flat_rows(es.rel, h);
  auto logits = F::leaky_relu(
      take_rows(a_src, src_h, h) + take_rows(a_dst, dst_h, h) + take_rows(a_rel, rel_h, h),
      F::LeakyReLUFuncOptions().negative_slope(slope));  // e_ij [E, H]

  torch::Tensor alpha;  // α_ij [E, H]
  if (!rel_prior.defined()) {
    // Softmax over the incoming edges of each destination, shifted by its maximum.
    auto max = max_rows(logits.detach(), dst_h, n);                     // [N, H]
    auto ex = (logits - take_rows(max, dst_h, h)).exp();                // [E, H]
    alpha = ex / take_rows(add_rows(ex, dst_h, n), dst_h, h);
  } else {
    // Groups = (destination, relation) pairs present; the softmax within each group, times the
    // group's share β of its destination (softmax of ρ over the destination's groups).
    const int64_t nr = rel_prior.size(0);
    const auto u = torch::_unique2(es.dst * nr + es.rel, /*sorted=*/true, /*return_inverse=*/true);
    const torch::Tensor &keys = std::get<0>(u), &group = std::get<1>(u);  // [G], [E]
    const int64_t groups = keys.size(0);
    auto group_h = flat_rows(group, h);                                 // [E*H]
    auto max = max_rows(logits.detach(), group_h, groups);              // [G, H]
    auto ex = (logits - take_rows(max, group_h, h)).exp();
    auto within = ex / take_rows(add_rows(ex, group_h, groups), group_h, h);  // [E, H]
    auto gdst_h = flat_rows(torch::div(keys, nr, "floor"), h);          // [G*H]
    auto prior = rel_prior.index_select(0, torch::remainder(keys, nr)); // ρ of each group [G, H]
    auto pmax = max_rows(prior.detach(), gdst_h, n);                    // [N, H]
    auto pex = (prior - take_rows(pmax, gdst_h, h)).exp();
    auto beta = pex / take_rows(add_rows(pex, gdst_h, n), gdst_h, h);   // β [G, H]
    alpha = within * take_rows(beta, group_h, h);
  }
  auto alpha_used = F::dropout(alpha, F::DropoutFuncOptions().p(attn_dropout).training(dropping));

  // α_ij x'_j, with α expanded to [E, H, C] first: a plain product is about twice as fast
  // (forward and backward) as a broadcasting one.
  auto alpha_c = alpha_used.unsqueeze(-1).expand({alpha.size(0), h, c}).contiguous();
  auto msg = xp.index_select(0, es.src) * alpha_c;                      // [E, H, C]
  return {torch::zeros({n, h, c}, msg.options()).index_add(0, es.dst, msg), alpha};  // Σ_j [N, H, C]
}

}  // namespace

EdgeSet add_self_loops(const EdgeSet& e, int64_t self_rel) {
  auto loops = torch::arange(e.num_nodes, e.src.options());  // int64, on the edges' device
  EdgeSet out;
  out.num_nodes = e.num_nodes;
  out.src = torch::cat({e.src, loops});
  out.dst = torch::cat({e.dst, loops});
  out.rel = torch::cat({e.rel, torch::full({e.num_nodes}, self_rel, e.rel.options())});
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
  if (o.relation_softmax) rel_prior = register_parameter("rel_prior", torch::zeros({o.num_relations + 1, o.heads}));
}

torch::Tensor GatLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& src,
                                    const torch::Tensor& dst, const torch::Tensor& rel) {
  return run(x, src, dst, rel, false).first;
}

std::pair<torch::Tensor, torch::Tensor> GatLayerImpl::forward_with_attention(
    const torch::Tensor& x, const torch::Tensor& src, const torch::Tensor& dst, const torch::Tensor& rel) {
  return run(x, src, dst, rel, true);
}

std::pair<torch::Tensor, torch::Tensor> GatLayerImpl::run(const torch::Tensor& x, const torch::Tensor& src_in,
                                                          const torch::Tensor& dst_in,
                                                          const torch::Tensor& rel_in, bool want_alpha) {
  const int64_t n = x.size(0), h = opt_.heads, c = opt_.channels;

  auto xp = lin(x).view({n, h, c});                                     // x' = W x   [N, H, C]
  // a_edge·(W_e r) depends on the relation only: compute it per relation, then gather.
  auto a_rel = (lin_edge(rel_emb->weight).view({-1, h, c}) * att_edge).sum(-1);  // [R+1, H]
  const bool dropping = is_training() && opt_.attn_dropout > 0;

  torch::Tensor out, alpha;
  const auto type = xp.scalar_type();
  if (opt_.fused && !opt_.relation_softmax && gat_fused_runs_on(xp.device()) &&
      (type == torch::kFloat || type == torch::kDouble)) {
    // a_src·x'_j = (a_src^T W_h) x_j: fold the attention vectors into W ([2H, F]), so that the
    // logit terms come from one small product instead of two [N, H, C] temporaries.
    auto w = lin->weight.view({h, c, -1});
    auto w_att = torch::cat({(att_src.unsqueeze(-1) * w).sum(1), (att_dst.unsqueeze(-1) * w).sum(1)});
    auto a = torch::matmul(x, w_att.t());                               // [N, 2H]
    auto a_src = a.slice(1, 0, h), a_dst = a.slice(1, h, 2 * h);        // [N, H] each
    const GatCsr csr = make_gat_csr(src_in.cpu(), dst_in.cpu(), rel_in.cpu(), n, n,
                                    opt_.self_loops ? opt_.num_relations : -1);
    torch::Tensor keep;  // attention dropout: α_ij kept (x 1/(1-p)) or dropped, per edge and head
    if (dropping)
      keep = torch::empty({csr.num_edges(), h}, xp.options()).bernoulli_(1 - opt_.attn_dropout).div_(1 - opt_.attn_dropout);
    auto [o, alpha_csr] = gat_fused(csr, xp, a_src, a_dst, a_rel, opt_.negative_slope, keep);
    out = o;
    if (want_alpha) alpha = torch::empty_like(alpha_csr).index_copy_(0, csr.order.to(xp.device()), alpha_csr);
  } else {
    auto a_src = (xp * att_src).sum(-1);                                // a_src·x'_j [N, H]
    auto a_dst = (xp * att_dst).sum(-1);                                // a_dst·x'_i [N, H]
    EdgeSet es{src_in, dst_in, rel_in, n};
    if (opt_.self_loops) es = add_self_loops(es, opt_.num_relations);
    std::tie(out, alpha) = reference(xp, a_src, a_dst, a_rel, rel_prior, es, opt_.negative_slope,
                                     opt_.attn_dropout, dropping);
  }
  out = opt_.concat ? out.reshape({n, h * c}) : out.mean(1);
  if (bias.defined()) out = out + bias;
  return {out, alpha};
}

}  // namespace kg
