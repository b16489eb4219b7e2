// The fused GAT kernel on CUDA (see gat_cuda.hpp and, for the equations, gat_fused.hpp).
// One warp per destination row: its lanes stride over the row's edges for the softmax and
// over the output channels for the weighted sum, so a source row is read once per edge, in
// coalesced 32-element pieces. The backward pass runs one warp per destination (logit
// gradients), one per source (source gradients), then relation sums per fixed block of edges.
// Every sum has a fixed order (warp shuffles in a fixed pattern, loops in CSR order), so two
// runs give the same bits (the order differs from the CPU kernel's, so the bits may differ).
#include <cuda_runtime.h>

#include "core/error.hpp"
#include "model/gat_cuda.hpp"

namespace kg::cuda {
namespace {

constexpr int kWarp = 32;
constexpr int kThreads = 256;  // 8 warps per block
constexpr int64_t kRelBlock = 8192;

unsigned blocks_for_warps(int64_t warps) {
  return unsigned((warps * kWarp + kThreads - 1) / kThreads);
}

template <typename T>
__device__ T warp_sum(T v) {
  for (int o = kWarp / 2; o > 0; o /= 2) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

template <typename T>
__device__ T warp_max(T v) {
  for (int o = kWarp / 2; o > 0; o /= 2) v = max(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

template <typename T>
__device__ T logit_input(const GatDevice<T>& a, int64_t H, int64_t e, int64_t i, int64_t h) {
  return a.a_src[a.src[e] * H + h] + a.a_dst[i * H + h] + a.a_rel[a.rel[e] * H + h];
}

template <typename T>
__global__ void forward_kernel(GatDims d, GatDevice<T> a, T* out, T* alpha) {
  const int64_t i = (int64_t(blockIdx.x) * blockDim.x + threadIdx.x) / kWarp;
  const int lane = int(threadIdx.x % kWarp);
  if (i >= d.n_dst) return;  // the same for the whole warp
  const int64_t beg = a.indptr[i], end = a.indptr[i + 1], H = d.heads, C = d.channels, HC = H * C;
  for (int64_t h = 0; h < H; ++h) {
    T mx = -INFINITY;
    for (int64_t e = beg + lane; e < end; e += kWarp) {
      const T s = logit_input(a, H, e, i, h), l = s > T(0) ? s : s * a.slope;
      alpha[e * H + h] = l;
      mx = max(mx, l);
    }
    mx = warp_max(mx);
    T sum = 0;
    for (int64_t e = beg + lane; e < end; e += kWarp) sum += (alpha[e * H + h] = exp(alpha[e * H + h] - mx));
    sum = warp_sum(sum);
    for (int64_t e = beg + lane; e < end; e += kWarp) alpha[e * H + h] /= sum;
  }
  __syncwarp();  // every lane reads every α of the row below
  for (int64_t ch = lane; ch < HC; ch += kWarp) {
    const int64_t h = ch / C;
    T acc = 0;
    for (int64_t e = beg; e < end; ++e) {
      const T w = a.keep ? alpha[e * H + h] * a.keep[e * H + h] : alpha[e * H + h];
      acc += w * a.xp[a.src[e] * HC + ch];
    }
    out[i * HC + ch] = acc;
  }
}

// d s per edge (into ds) and d a_dst, one warp per destination.
template <typename T>
__global__ void backward_dst_kernel(GatDims d, GatDevice<T> a, const T* alpha, const T* g, T* ds, T* ga_dst) {
  const int64_t i = (int64_t(blockIdx.x) * blockDim.x + threadIdx.x) / kWarp;
  const int lane = int(threadIdx.x % kWarp);
  if (i >= d.n_dst) return;
  const int64_t beg = a.indptr[i], end = a.indptr[i + 1], H = d.heads, C = d.channels, HC = H * C;
  for (int64_t h = 0; h < H; ++h) {
    T dot = 0;  // Σ_k α_ik d α_ik, the same in every lane
    for (int64_t e = beg; e < end; ++e) {
      const T *gh = g + i * HC + h * C, *xh = a.xp + a.src[e] * HC + h * C;
      T part = 0;
      for (int64_t c = lane; c < C; c += kWarp) part += gh[c] * xh[c];
      part = warp_sum(part);
      if (a.keep) part *= a.keep[e * H + h];
      if (lane == 0) ds[e * H + h] = part;  // d α for now
      dot += alpha[e * H + h] * part;
    }
    __syncwarp();
    T total = 0;
    for (int64_t e = beg + lane; e < end; e += kWarp) {
      T v = alpha[e * H + h] * (ds[e * H + h] - dot);
      if (!(logit_input(a, H, e, i, h) > T(0))) v *= a.slope;
      ds[e * H + h] = v;
      total += v;
    }
    total = warp_sum(total);
    if (lane == 0) ga_dst[i * H + h] = total;
  }
}

// d xp and d a_src, one warp per source.
template <typename T>
__global__ void backward_src_kernel(GatDims d, GatDevice<T> a, const T* alpha, const T* g, const T* ds,
                                    T* gxp, T* ga_src) {
  const int64_t j = (int64_t(blockIdx.x) * blockDim.x + threadIdx.x) / kWarp;
  const int lane = int(threadIdx.x % kWarp);
  if (j >= d.n_src) return;
  const int64_t beg = a.t_indptr[j], end = a.t_indptr[j + 1], H = d.heads, C = d.channels, HC = H * C;
  for (int64_t ch = lane; ch < HC; ch += kWarp) {
    const int64_t h = ch / C;
    T acc = 0;
    for (int64_t t = beg; t < end; ++t) {
      const int64_t e = a.t_edge[t];
      const T w = a.keep ? alpha[e * H + h] * a.keep[e * H + h] : alpha[e * H + h];
      acc += w * g[a.t_dst[t] * HC + ch];
    }
    gxp[j * HC + ch] = acc;
  }
  for (int64_t h = 0; h < H; ++h) {
    T s = 0;
    for (int64_t t = beg + lane; t < end; t += kWarp) s += ds[a.t_edge[t] * H + h];
    s = warp_sum(s);
    if (lane == 0) ga_src[j * H + h] = s;
  }
}

// Partial sums of d s per (relation, head) over each block of kRelBlock CSR edges.
template <typename T>
__global__ void relation_part_kernel(GatDims d, const int32_t* rel, const T* ds, T* part) {
  const int64_t b = blockIdx.x, RH = d.num_rel * d.heads;
  const int64_t lo = b * kRelBlock, hi = min(d.edges, lo + kRelBlock);
  for (int64_t k = threadIdx.x; k < RH; k += blockDim.x) {
    const int64_t r = k / d.heads, h = k % d.heads;
    T s = 0;
    for (int64_t e = lo; e < hi; ++e)
      if (rel[e] == r) s += ds[e * d.heads + h];
    part[b * RH + k] = s;
  }
}

template <typename T>
__global__ void relation_sum_kernel(int64_t blocks, int64_t RH, const T* part, T* ga_rel) {
  const int64_t k = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (k >= RH) return;
  T s = 0;
  for (int64_t b = 0; b < blocks; ++b) s += part[b * RH + k];
  ga_rel[k] = s;
}

int64_t rel_blocks(const GatDims& d) { return (d.edges + kRelBlock - 1) / kRelBlock; }

}  // namespace

int64_t gat_backward_scratch(const GatDims& d) {
  return d.edges * d.heads + rel_blocks(d) * d.num_rel * d.heads;
}

template <typename T>
void gat_forward(const GatDims& d, const GatDevice<T>& a, T* out, T* alpha, void* stream) {
  auto s = static_cast<cudaStream_t>(stream);
  if (d.n_dst > 0) forward_kernel<T><<<blocks_for_warps(d.n_dst), kThreads, 0, s>>>(d, a, out, alpha);
  KG_CUDA_CHECK(cudaGetLastError());  // the launch
}

template <typename T>
void gat_backward(const GatDims& d, const GatDevice<T>& a, const T* alpha, const T* g, T* gxp, T* ga_src,
                  T* ga_dst, T* ga_rel, T* scratch, void* stream) {
  auto s = static_cast<cudaStream_t>(stream);
  T *ds = scratch, *part = scratch + d.edges * d.heads;
  const int64_t RH = d.num_rel * d.heads, blocks = rel_blocks(d);
  if (d.n_dst > 0) backward_dst_kernel<T><<<blocks_for_warps(d.n_dst), kThreads, 0, s>>>(d, a, alpha, g, ds, ga_dst);
  if (d.n_src > 0) backward_src_kernel<T><<<blocks_for_warps(d.n_src), kThreads, 0, s>>>(d, a, alpha, g, ds, gxp, ga_src);
  if (blocks > 0) {
    relation_part_kernel<T><<<unsigned(blocks), 128, 0, s>>>(d, a.rel, ds, part);
    relation_sum_kernel<T><<<unsigned((RH + 127) / 128), 128, 0, s>>>(blocks, RH, part, ga_rel);
  } else {
    KG_CUDA_CHECK(cudaMemsetAsync(ga_rel, 0, size_t(RH) * sizeof(T), s));
  }
  KG_CUDA_CHECK(cudaGetLastError());  // the launches
}

template void gat_forward<float>(const GatDims&, const GatDevice<float>&, float*, float*, void*);
template void gat_forward<double>(const GatDims&, const GatDevice<double>&, double*, double*, void*);
template void gat_backward<float>(const GatDims&, const GatDevice<float>&, const float*, const float*, float*,
                                  float*, float*, float*, float*, void*);
template void gat_backward<double>(const GatDims&, const GatDevice<double>&, const double*, const double*,
                                   double*, double*, double*, double*, double*, void*);

}  // namespace kg::cuda
