// One graph attention layer with relation-aware attention logits (PyG GATConv with edge_dim):
// by the fused kernel of gat_fused.hpp (CPU, and CUDA when built with it), otherwise (or with
// fused = false) with stock tensor ops (index_select / scatter_reduce / index_add), as PyG does.
#pragma once

#include <torch/torch.h>

#include <cstdint>

namespace kg {

/// Edges as int64 tensors [E]: edge e goes src[e] -> dst[e] and has relation rel[e].
struct EdgeSet {
  torch::Tensor src, dst, rel;
  int64_t num_nodes = 0;
  int64_t num_edges() const { return src.defined() ? src.size(0) : 0; }
};

/// Appends one self-loop v -> v with relation `self_rel` for every node v (PyG adds them the
/// same way, except that here the loop has its own relation, so it gets its own embedding).
EdgeSet add_self_loops(const EdgeSet& e, int64_t self_rel);

/// Options of GatLayer (defaults in brackets).
struct GatLayerOptions {
  int64_t in_dim = 0;          // F: input features per node
  int64_t channels = 0;        // C: output channels per head
  int64_t heads = 1;           // H [1]
  int64_t num_relations = 0;   // R: relation types of the graph; index R is the self-loop relation
  int64_t rel_dim = 16;        // size of the learned relation embedding r [16]
  bool concat = true;          // concatenate heads ([N, H*C]) or average them ([N, C]) [true]
  double negative_slope = 0.2; // LeakyReLU slope of the logits [0.2]
  double attn_dropout = 0.0;   // dropout on the attention coefficients while training [0]
  bool self_loops = true;      // add a self-loop (relation R) per node in forward [true]; false
                               // when the caller passes an EdgeSet from add_self_loops already
  bool bias = true;            // add a learned bias to the output [true]
  bool fused = true;           // the fused kernel (gat_fused.hpp) where it runs [true]; false:
                               // stock tensor ops (the reference; also on other devices)
  bool relation_softmax = false;  // α factorised by relation (below) [false]; stock ops only
};

/// Graph attention with relation embeddings in the logits:
///
///   x'_i   = W x_i                                            W: [H*C, F], no bias
///   r_ij   = emb[rel(j->i)]                                   emb: [R+1, rel_dim]; row R = self-loop
///   e_ij^h = LeakyReLU( a_src^h . x'_j^h + a_dst^h . x'_i^h + a_edge^h . (W_e r_ij)^h )
///   α_ij^h = softmax over the incoming edges j->i of node i (self-loop included) of e_ij^h
///   out_i^h = Σ_j α_ij^h x'_j^h
///   out_i  = ‖_h out_i^h  (concat)   or   mean_h out_i^h  (!concat),   + bias
///
/// W_e: [H*C, rel_dim], a_src, a_dst, a_edge: [H, C]. The softmax subtracts the per-destination
/// maximum (scatter_reduce "amax", not differentiated: the softmax does not depend on it).
/// Attention dropout applies to α while training. Parallel edges are separate terms.
///
/// With relation_softmax the softmax is taken in two steps, so that a relation with few edges
/// into a node (a protein's one or two pathways beside its dozens of interaction partners) is
/// not drowned by one with many:
///   α_ij^h = β_{i,r}^h · softmax over the edges j'->i of relation r = rel(j->i) of e_ij'^h
///   β_{i,·}^h = softmax over the relations r of i's incoming edges of ρ_r^h
/// ρ: [R+1, H], learned (`rel_prior`, zero at first: every relation present gets an equal
/// share). α still sums to 1 over a node's incoming edges, so explain's rollout and paths read
/// it as before, and ρ itself says how much each head listens to each relation.
///
/// forward(x [N, F] float, src/dst/rel [E] int64) -> [N, H*C] (concat) or [N, C].
class GatLayerImpl : public torch::nn::Module {
 public:
  explicit GatLayerImpl(const GatLayerOptions& o);

  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& src, const torch::Tensor& dst,
                        const torch::Tensor& rel);
  /// As forward; also returns α [E', H] for the edges used (the E given, then the N
  /// self-loops when options.self_loops).
  std::pair<torch::Tensor, torch::Tensor> forward_with_attention(const torch::Tensor& x,
                                                                 const torch::Tensor& src,
                                                                 const torch::Tensor& dst,
                                                                 const torch::Tensor& rel);
  const GatLayerOptions& options() const { return opt_; }
  GatLayerOptions& options() { return opt_; }

  // Parameters (public so tests and `explain` can set and read them).
  torch::nn::Linear lin{nullptr};       // W
  torch::nn::Embedding rel_emb{nullptr};  // emb
  torch::nn::Linear lin_edge{nullptr};  // W_e
  torch::Tensor att_src, att_dst, att_edge;  // [H, C]
  torch::Tensor bias;                   // [H*C] or [C]; undefined without bias
  torch::Tensor rel_prior;              // ρ [R+1, H] with relation_softmax, else undefined

 private:
  std::pair<torch::Tensor, torch::Tensor> run(const torch::Tensor& x, const torch::Tensor& src,
                                              const torch::Tensor& dst, const torch::Tensor& rel,
                                              bool want_alpha);
  GatLayerOptions opt_;
};
TORCH_MODULE(GatLayer);

}  // namespace kg
