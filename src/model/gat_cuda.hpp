// The fused GAT kernel on CUDA (gat_cuda.cu): the same computation and the same fixed
// summation orders as the CPU kernel of gat_fused.cpp, one warp per destination row (forward,
// logit gradients) or per source row (source gradients). Raw device pointers, no LibTorch:
// gat_fused.cpp calls these for CUDA tensors when the project is built with CUDA.
#pragma once

#include <cstdint>

namespace kg::cuda {

struct GatDims {
  int64_t n_src = 0, n_dst = 0, heads = 0, channels = 0, num_rel = 0, edges = 0;
};

/// The CSR of gat_fused.hpp on the device, and the layer's inputs (keep may be null).
template <typename T>
struct GatDevice {
  const int64_t *indptr, *t_indptr;
  const int32_t *src, *rel, *t_edge, *t_dst;
  const T *xp, *a_src, *a_dst, *a_rel, *keep;
  T slope;
};

/// Number of elements of type T the backward pass needs as scratch (edges x heads for the
/// logit gradients, then the relation partial sums).
int64_t gat_backward_scratch(const GatDims& d);

/// out [n_dst, H, C], alpha [E, H]; enqueued on `stream` (a cudaStream_t).
template <typename T>
void gat_forward(const GatDims& d, const GatDevice<T>& a, T* out, T* alpha, void* stream);

/// Gradients of xp, a_src, a_dst and a_rel from g = d loss / d out.
template <typename T>
void gat_backward(const GatDims& d, const GatDevice<T>& a, const T* alpha, const T* g, T* gxp,
                  T* ga_src, T* ga_dst, T* ga_rel, T* scratch, void* stream);

}  // namespace kg::cuda
