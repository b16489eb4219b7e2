// The fused kernel of GatLayer (CPU here; CUDA in gat_cuda.hpp): attention logits, segment softmax and weighted aggregation
// in one pass over the edges grouped by destination, and the backward pass over the same edges
// grouped by source. Nothing of size E x H x C is ever made: besides the inputs, the forward
// pass keeps only the E x H attention coefficients, the backward pass one more E x H array.
//
// Every sum runs in a fixed order (a destination's edges, a source's edges, relation partial
// sums over fixed blocks of edges), so the results do not depend on the number of threads and
// two runs give the same bits.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <utility>

namespace kg {

/// The edges of one layer grouped by destination (CSR) and, for the backward pass, by source.
/// Built by a stable counting sort, O(E + N): within a group edges keep the order given.
/// Indices within the graph are int32 (half the memory traffic of int64): up to 2^31 - 1
/// edges and nodes; offsets and `order` are int64.
struct GatCsr {
  int64_t n_src = 0, n_dst = 0;
  at::Tensor indptr;    // [n_dst + 1] int64: edges into i are CSR positions indptr[i] .. indptr[i+1]
  at::Tensor src, rel;  // [E] int32, in CSR order
  at::Tensor order;     // [E] int64: order[k] = index of CSR edge k in the edges given (loops: E_given + i)
  at::Tensor t_indptr;  // [n_src + 1] int64: edges out of j are t_edge[t_indptr[j] .. t_indptr[j+1]]
  at::Tensor t_edge;    // [E] int32: CSR positions, grouped by source
  at::Tensor t_dst;     // [E] int32: the destination of each of them
  int64_t num_edges() const { return src.defined() ? src.size(0) : 0; }
};

/// Groups edges src[e] -> dst[e] (relation rel[e]; int64 [E] CPU tensors) by destination.
/// Sources must lie in [0, n_src), destinations in [0, n_dst) (kg::Error otherwise). With
/// loop_rel >= 0 every destination i also gets a self-loop i -> i of relation loop_rel, after
/// its other edges (as if appended to the lists given: add_self_loops, without the copies).
GatCsr make_gat_csr(const at::Tensor& src, const at::Tensor& dst, const at::Tensor& rel,
                    int64_t n_src, int64_t n_dst, int64_t loop_rel = -1);

/// True on the CPU, and on CUDA devices when built with the CUDA kernels (gat_cuda.hpp).
bool gat_fused_runs_on(const at::Device& d);

/// For every destination i and head h (see gat.hpp for the equations):
///   e_ij = LeakyReLU(a_src[j] + a_dst[i] + a_rel[rel(j->i)]),   α = softmax_j e_ij (max-shifted),
///   out[i] = Σ_j α_ij keep_ij xp[j]
/// xp [n_src, H, C], a_src [n_src, H], a_dst [n_dst, H], a_rel [R+1, H]: float or double
/// tensors of one dtype on one device where gat_fused_runs_on (the CSR moves there). keep [E, H] in CSR order multiplies α in the sum (attention dropout:
/// 0 or 1/(1-p)); undefined = all ones. Returns out [n_dst, H, C] (zero for a node without
/// incoming edges) and α [E, H] in CSR order. Differentiable in xp, a_src, a_dst and a_rel
/// (LibTorch autograd); α itself is not.
std::pair<at::Tensor, at::Tensor> gat_fused(const GatCsr& csr, const at::Tensor& xp,
                                            const at::Tensor& a_src, const at::Tensor& a_dst,
                                            const at::Tensor& a_rel, double negative_slope,
                                            const at::Tensor& keep);

}  // namespace kg
