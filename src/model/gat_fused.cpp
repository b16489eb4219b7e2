// The fused GAT kernel on CPU (see gat_fused.hpp): OpenMP over destination rows (forward, and
// the logit gradients of the backward pass) and over source rows (the gradients of the
// sources), a LibTorch autograd function around both.
#include "model/gat_fused.hpp"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/zeros.h>
#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/error.hpp"
#ifdef KGPERT_HAVE_CUDA
#include "model/gat_cuda.hpp"
#if __has_include(<c10/cuda/impl/cuda_cmake_macros.h>)  // a CUDA LibTorch: its current stream
// (Debian's CPU-only LibTorch ships c10/cuda headers without this generated one)
#include <c10/cuda/CUDAStream.h>
#define KGPERT_TORCH_STREAM 1
#endif
#endif

namespace kg {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

namespace {

// Rows of very different degree (hubs of a knowledge graph): hand them out in small chunks.
constexpr int64_t kRowChunk = 64;
// The relation gradients are summed per block of this many CSR edges, then over the blocks in
// order: a fixed summation order whatever the number of threads.
constexpr int64_t kRelBlock = 8192;

// Rows are gathered at random (a source's features per edge): ask for the row kAhead edges
// further on while this one is summed, so that its cache lines are on their way.
constexpr int64_t kAhead = 4;
template <typename T>
inline void prefetch_row(const T* row, int64_t len) {
  for (int64_t k = 0; k < len; k += int64_t(64 / sizeof(T))) __builtin_prefetch(row + k);
}

using Idx = int32_t;  // node and edge indices of the CSR
constexpr int64_t kMaxIndex = std::numeric_limits<Idx>::max();

int threads() { return std::max(1, at::get_num_threads()); }

template <typename T>
inline T leaky(T s, T slope) { return s > T(0) ? s : s * slope; }

// Everything the kernels read, as raw pointers (sizes checked by gat_fused).
template <typename T>
struct Args {
  int64_t n_src, n_dst, heads, channels;
  const int64_t *indptr, *t_indptr;
  const Idx *src, *rel, *t_edge, *t_dst;
  const T *xp, *a_src, *a_dst, *a_rel, *keep;  // keep may be null
  T slope;
};

template <typename T>
Args<T> args_of(const GatCsr& csr, const at::Tensor& xp, const at::Tensor& a_src,
                const at::Tensor& a_dst, const at::Tensor& a_rel, const at::Tensor& keep, double slope) {
  return {csr.n_src, csr.n_dst, xp.size(1), xp.size(2),
          csr.indptr.data_ptr<int64_t>(), csr.t_indptr.data_ptr<int64_t>(), csr.src.data_ptr<Idx>(),
          csr.rel.data_ptr<Idx>(), csr.t_edge.data_ptr<Idx>(), csr.t_dst.data_ptr<Idx>(),
          xp.data_ptr<T>(), a_src.data_ptr<T>(), a_dst.data_ptr<T>(), a_rel.data_ptr<T>(),
          keep.numel() > 0 ? keep.data_ptr<T>() : nullptr, T(slope)};
}

// out [n_dst, H, C], alpha [E, H]. Per destination: logits into alpha, max, exp and sum,
// normalise, then one pass over the edges gathering each source row once.
template <typename T>
void forward_kernel(const Args<T>& a, T* out, T* alpha) {
  const int64_t H = a.heads, C = a.channels, HC = H * C;
#pragma omp parallel num_threads(threads())
  {
    std::vector<T> mx(static_cast<size_t>(H)), sum(static_cast<size_t>(H));
#pragma omp for schedule(dynamic, kRowChunk)
    for (int64_t i = 0; i < a.n_dst; ++i) {
      const int64_t beg = a.indptr[i], end = a.indptr[i + 1];
      T* o = out + i * HC;
      std::fill(o, o + HC, T(0));
      if (beg == end) continue;
      const T* ad = a.a_dst + i * H;
      std::fill(mx.begin(), mx.end(), -std::numeric_limits<T>::infinity());
      std::fill(sum.begin(), sum.end(), T(0));
      for (int64_t e = beg; e < end; ++e) {
        if (e + kAhead < end) __builtin_prefetch(a.a_src + a.src[e + kAhead] * H);
        const T *as = a.a_src + a.src[e] * H, *ar = a.a_rel + a.rel[e] * H;
        T* l = alpha + e * H;
        for (int64_t h = 0; h < H; ++h) {
          l[h] = leaky(as[h] + ad[h] + ar[h], a.slope);
          mx[size_t(h)] = std::max(mx[size_t(h)], l[h]);
        }
      }
      for (int64_t e = beg; e < end; ++e) {
        T* l = alpha + e * H;
        for (int64_t h = 0; h < H; ++h) sum[size_t(h)] += (l[h] = std::exp(l[h] - mx[size_t(h)]));
      }
      for (int64_t e = beg; e < end; ++e) {
        T* l = alpha + e * H;
        const T* x = a.xp + a.src[e] * HC;
        if (e + kAhead < end) prefetch_row(a.xp + a.src[e + kAhead] * HC, HC);
        const T* k = a.keep ? a.keep + e * H : nullptr;
        for (int64_t h = 0; h < H; ++h) {
          l[h] /= sum[size_t(h)];
          const T w = k ? l[h] * k[h] : l[h];
          T* oh = o + h * C;
          const T* xh = x + h * C;
#pragma omp simd
          for (int64_t c = 0; c < C; ++c) oh[c] += w * xh[c];
        }
      }
    }
  }
}

// Gradients of the inputs from g = d loss / d out [n_dst, H, C].
//   d α_ij = keep_ij (g_i . xp_j)                       per head
//   d e_ij = α_ij (d α_ij - Σ_k α_ik d α_ik)            softmax
//   d s_ij = d e_ij (s_ij > 0 ? 1 : slope)              LeakyReLU; s recomputed from the inputs
//   d a_dst[i] = Σ_j d s_ij,  d a_src[j] = Σ_i d s_ij,  d a_rel[r] = Σ_{edges of r} d s
//   d xp[j] = Σ_i α_ij keep_ij g_i
// The rows g_i of a source's edges are gathered once (pass 1) for both d α and d xp: the
// other passes read only E x H arrays, so the backward pass costs about one forward pass.
template <typename T>
void backward_kernel(const Args<T>& a, const T* alpha, const T* g, T* gxp, T* ga_src, T* ga_dst,
                     T* ga_rel, int64_t num_rel) {
  const int64_t H = a.heads, C = a.channels, HC = H * C, E = a.indptr[a.n_dst];
  std::vector<T> ds(size_t(E * H));  // d α, then d s, per CSR edge and head
  // 1. By source: d α and d xp.
#pragma omp parallel for num_threads(threads()) schedule(dynamic, kRowChunk)
  for (int64_t j = 0; j < a.n_src; ++j) {
    T* gx = gxp + j * HC;
    const T* x = a.xp + j * HC;
    std::fill(gx, gx + HC, T(0));
    for (int64_t t = a.t_indptr[j]; t < a.t_indptr[j + 1]; ++t) {
      const int64_t e = a.t_edge[t];
      const T* gi = g + a.t_dst[t] * HC;
      if (t + kAhead < a.t_indptr[j + 1]) {
        const int64_t ahead = a.t_edge[t + kAhead];
        prefetch_row(g + a.t_dst[t + kAhead] * HC, HC);
        __builtin_prefetch(alpha + ahead * H);
        __builtin_prefetch(ds.data() + ahead * H, 1);
        if (a.keep) __builtin_prefetch(a.keep + ahead * H);
      }
      const T* k = a.keep ? a.keep + e * H : nullptr;
      for (int64_t h = 0; h < H; ++h) {
        const T *gh = gi + h * C, *xh = x + h * C;
        T d = 0;
#pragma omp simd reduction(+ : d)
        for (int64_t c = 0; c < C; ++c) d += gh[c] * xh[c];
        ds[size_t(e * H + h)] = k ? d * k[h] : d;
        const T w = k ? alpha[e * H + h] * k[h] : alpha[e * H + h];
        T* gxh = gx + h * C;
#pragma omp simd
        for (int64_t c = 0; c < C; ++c) gxh[c] += w * gh[c];
      }
    }
  }
  // 2. By destination: d s (softmax and LeakyReLU) and d a_dst.
#pragma omp parallel num_threads(threads())
  {
    std::vector<T> dot(static_cast<size_t>(H));
#pragma omp for schedule(dynamic, kRowChunk)
    for (int64_t i = 0; i < a.n_dst; ++i) {
      const int64_t beg = a.indptr[i], end = a.indptr[i + 1];
      T* gd = ga_dst + i * H;
      std::fill(gd, gd + H, T(0));
      std::fill(dot.begin(), dot.end(), T(0));
      for (int64_t e = beg; e < end; ++e)
        for (int64_t h = 0; h < H; ++h) dot[size_t(h)] += alpha[e * H + h] * ds[size_t(e * H + h)];
      const T* ad = a.a_dst + i * H;
      for (int64_t e = beg; e < end; ++e) {
        const T *as = a.a_src + a.src[e] * H, *ar = a.a_rel + a.rel[e] * H;
        for (int64_t h = 0; h < H; ++h) {
          T& d = ds[size_t(e * H + h)];
          d = alpha[e * H + h] * (d - dot[size_t(h)]);
          if (!(as[h] + ad[h] + ar[h] > T(0))) d *= a.slope;
          gd[h] += d;
        }
      }
    }
  }
  // 3. By source again: d a_src.
#pragma omp parallel for num_threads(threads()) schedule(dynamic, kRowChunk)
  for (int64_t j = 0; j < a.n_src; ++j) {
    T* gs = ga_src + j * H;
    std::fill(gs, gs + H, T(0));
    for (int64_t t = a.t_indptr[j]; t < a.t_indptr[j + 1]; ++t) {
      if (t + kAhead < a.t_indptr[j + 1]) __builtin_prefetch(ds.data() + a.t_edge[t + kAhead] * H);
      for (int64_t h = 0; h < H; ++h) gs[h] += ds[size_t(a.t_edge[t] * H + h)];
    }
  }
  // 4. By relation: partial sums per block of edges, then the blocks in order.
  const int64_t blocks = (E + kRelBlock - 1) / kRelBlock, RH = num_rel * H;
  std::vector<T> part(size_t(blocks * RH), T(0));
#pragma omp parallel for num_threads(threads()) schedule(static)
  for (int64_t b = 0; b < blocks; ++b) {
    T* p = part.data() + b * RH;
    for (int64_t e = b * kRelBlock; e < std::min(E, (b + 1) * kRelBlock); ++e)
      for (int64_t h = 0; h < H; ++h) p[a.rel[e] * H + h] += ds[size_t(e * H + h)];
  }
  std::fill(ga_rel, ga_rel + RH, T(0));
  for (int64_t b = 0; b < blocks; ++b)
    for (int64_t k = 0; k < RH; ++k) ga_rel[k] += part[size_t(b * RH + k)];
}

#ifdef KGPERT_HAVE_CUDA
void* cuda_stream() {
#ifdef KGPERT_TORCH_STREAM
  return c10::cuda::getCurrentCUDAStream().stream();
#else
  return nullptr;  // the default stream
#endif
}

template <typename T>
cuda::GatDevice<T> device_args(const GatCsr& c, const at::Tensor& xp, const at::Tensor& a_src,
                               const at::Tensor& a_dst, const at::Tensor& a_rel, const at::Tensor& keep,
                               double slope) {
  return {c.indptr.data_ptr<int64_t>(), c.t_indptr.data_ptr<int64_t>(), c.src.data_ptr<int32_t>(),
          c.rel.data_ptr<int32_t>(), c.t_edge.data_ptr<int32_t>(), c.t_dst.data_ptr<int32_t>(),
          xp.data_ptr<T>(), a_src.data_ptr<T>(), a_dst.data_ptr<T>(), a_rel.data_ptr<T>(),
          keep.numel() > 0 ? keep.data_ptr<T>() : nullptr, T(slope)};
}

cuda::GatDims dims_of(const GatCsr& c, const at::Tensor& xp, const at::Tensor& a_rel) {
  return {c.n_src, c.n_dst, xp.size(1), xp.size(2), a_rel.size(0), c.num_edges()};
}
#endif

// Inputs: xp, a_src, a_dst, a_rel, keep (empty: none; autograd functions take no undefined
// tensors), the slope, the six CSR tensors and the node counts.
class GatFusedFn : public torch::autograd::Function<GatFusedFn> {
 public:
  static variable_list forward(AutogradContext* ctx, at::Tensor xp, at::Tensor a_src,
                               at::Tensor a_dst, at::Tensor a_rel, at::Tensor keep, double slope,
                               at::Tensor indptr, at::Tensor src, at::Tensor rel, at::Tensor t_indptr,
                               at::Tensor t_edge, at::Tensor t_dst, int64_t n_src, int64_t n_dst) {
    const GatCsr csr = rebuild(n_src, n_dst, indptr, src, rel, t_indptr, t_edge, t_dst);
    const int64_t H = xp.size(1), C = xp.size(2);
    auto out = at::empty({n_dst, H, C}, xp.options());
    auto alpha = at::empty({csr.num_edges(), H}, xp.options());
    AT_DISPATCH_FLOATING_TYPES(xp.scalar_type(), "gat_fused_forward", [&] {
#ifdef KGPERT_HAVE_CUDA
      if (xp.is_cuda())
        return cuda::gat_forward<scalar_t>(dims_of(csr, xp, a_rel),
                                           device_args<scalar_t>(csr, xp, a_src, a_dst, a_rel, keep, slope),
                                           out.data_ptr<scalar_t>(), alpha.data_ptr<scalar_t>(), cuda_stream());
#endif
      forward_kernel<scalar_t>(args_of<scalar_t>(csr, xp, a_src, a_dst, a_rel, keep, slope),
                               out.data_ptr<scalar_t>(), alpha.data_ptr<scalar_t>());
    });
    ctx->save_for_backward({xp, a_src, a_dst, a_rel, keep, alpha, indptr, src, rel, t_indptr, t_edge, t_dst});
    ctx->saved_data["slope"] = slope;
    ctx->saved_data["n_src"] = n_src;
    ctx->saved_data["n_dst"] = n_dst;
    ctx->mark_non_differentiable({alpha});
    return {out, alpha};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto s = ctx->get_saved_variables();
    const at::Tensor &xp = s[0], &a_src = s[1], &a_dst = s[2], &a_rel = s[3], &keep = s[4], &alpha = s[5];
    const GatCsr csr = rebuild(ctx->saved_data["n_src"].toInt(), ctx->saved_data["n_dst"].toInt(),
                               s[6], s[7], s[8], s[9], s[10], s[11]);
    const double slope = ctx->saved_data["slope"].toDouble();
    const at::Tensor g = grads[0].defined() ? grads[0].contiguous()
                                            : at::zeros({csr.n_dst, xp.size(1), xp.size(2)}, xp.options());
    auto gxp = at::empty_like(xp), ga_src = at::empty_like(a_src), ga_dst = at::empty_like(a_dst),
         ga_rel = at::empty_like(a_rel);
    AT_DISPATCH_FLOATING_TYPES(xp.scalar_type(), "gat_fused_backward", [&] {
#ifdef KGPERT_HAVE_CUDA
      if (xp.is_cuda()) {
        const auto d = dims_of(csr, xp, a_rel);
        auto scratch = at::empty({cuda::gat_backward_scratch(d)}, xp.options());
        return cuda::gat_backward<scalar_t>(
            d, device_args<scalar_t>(csr, xp, a_src, a_dst, a_rel, keep, slope), alpha.data_ptr<scalar_t>(),
            g.data_ptr<scalar_t>(), gxp.data_ptr<scalar_t>(), ga_src.data_ptr<scalar_t>(),
            ga_dst.data_ptr<scalar_t>(), ga_rel.data_ptr<scalar_t>(), scratch.data_ptr<scalar_t>(), cuda_stream());
      }
#endif
      backward_kernel<scalar_t>(args_of<scalar_t>(csr, xp, a_src, a_dst, a_rel, keep, slope),
                                alpha.data_ptr<scalar_t>(), g.data_ptr<scalar_t>(), gxp.data_ptr<scalar_t>(),
                                ga_src.data_ptr<scalar_t>(), ga_dst.data_ptr<scalar_t>(),
                                ga_rel.data_ptr<scalar_t>(), a_rel.size(0));
    });
    // One gradient per input of forward (none for keep, the slope, the CSR and the sizes).
    return {gxp, ga_src, ga_dst, ga_rel, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(),
            at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }

 private:
  static GatCsr rebuild(int64_t n_src, int64_t n_dst, at::Tensor indptr, at::Tensor src, at::Tensor rel,
                        at::Tensor t_indptr, at::Tensor t_edge, at::Tensor t_dst) {
    GatCsr c;
    c.n_src = n_src, c.n_dst = n_dst;
    c.indptr = indptr, c.src = src, c.rel = rel, c.t_indptr = t_indptr, c.t_edge = t_edge, c.t_dst = t_dst;
    return c;
  }
};

}  // namespace

bool gat_fused_runs_on(const at::Device& d) {
#ifdef KGPERT_HAVE_CUDA
  if (d.is_cuda()) return true;
#endif
  return d.is_cpu();
}

GatCsr make_gat_csr(const at::Tensor& src_t, const at::Tensor& dst_t, const at::Tensor& rel_t,
                    int64_t n_src, int64_t n_dst, int64_t loop_rel) {
  KG_CHECK(src_t.dim() == 1 && src_t.sizes() == dst_t.sizes() && src_t.sizes() == rel_t.sizes());
  KG_CHECK(src_t.scalar_type() == at::kLong && dst_t.scalar_type() == at::kLong && rel_t.scalar_type() == at::kLong);
  KG_CHECK(loop_rel < 0 || n_dst <= n_src, "self-loops need every destination among the sources");
  const auto src_c = src_t.contiguous(), dst_c = dst_t.contiguous(), rel_c = rel_t.contiguous();
  const int64_t given = src_c.size(0), loops = loop_rel >= 0 ? n_dst : 0, E = given + loops;
  if (E > kMaxIndex || n_src > kMaxIndex || n_dst > kMaxIndex)
    fail("GAT layer: {} edges on {} nodes; the fused kernel takes up to {} of each (gat.kernel: reference)",
         E, std::max(n_src, n_dst), kMaxIndex);
  const int64_t *s = src_c.data_ptr<int64_t>(), *d = dst_c.data_ptr<int64_t>(), *r = rel_c.data_ptr<int64_t>();
  const auto i64 = src_c.options(), i32 = i64.dtype(at::kInt);
  GatCsr c;
  c.n_src = n_src, c.n_dst = n_dst;
  c.indptr = at::zeros({n_dst + 1}, i64), c.t_indptr = at::zeros({n_src + 1}, i64);
  int64_t *ip = c.indptr.data_ptr<int64_t>(), *tp = c.t_indptr.data_ptr<int64_t>();
  for (int64_t e = 0; e < given; ++e) {
    if (s[e] < 0 || s[e] >= n_src || d[e] < 0 || d[e] >= n_dst)
      fail("GAT edge {}: {} -> {} is outside the {} source and {} destination nodes", e, s[e], d[e], n_src, n_dst);
    ++ip[d[e] + 1], ++tp[s[e] + 1];
  }
  for (int64_t i = 0; i < loops; ++i) ++ip[i + 1], ++tp[i + 1];
  for (int64_t i = 0; i < n_dst; ++i) ip[i + 1] += ip[i];
  for (int64_t j = 0; j < n_src; ++j) tp[j + 1] += tp[j];
  c.src = at::empty({E}, i32), c.rel = at::empty({E}, i32), c.order = at::empty({E}, i64);
  c.t_edge = at::empty({E}, i32), c.t_dst = at::empty({E}, i32);
  Idx *cs = c.src.data_ptr<Idx>(), *cr = c.rel.data_ptr<Idx>();
  int64_t* co = c.order.data_ptr<int64_t>();
  std::vector<int64_t> next(ip, ip + n_dst);
  for (int64_t e = 0; e < given; ++e) {
    const int64_t k = next[size_t(d[e])]++;
    cs[k] = Idx(s[e]), cr[k] = Idx(r[e]), co[k] = e;
  }
  for (int64_t i = 0; i < loops; ++i) {  // each node's loop last: its slot is the row's end
    const int64_t k = next[size_t(i)]++;
    cs[k] = Idx(i), cr[k] = Idx(loop_rel), co[k] = given + i;
  }
  // By source, in CSR order: each source's edges by destination, then in CSR order.
  Idx *te = c.t_edge.data_ptr<Idx>(), *td = c.t_dst.data_ptr<Idx>();
  next.assign(tp, tp + n_src);
  for (int64_t i = 0; i < n_dst; ++i)
    for (int64_t k = ip[i]; k < ip[i + 1]; ++k) {
      const int64_t t = next[size_t(cs[k])]++;
      te[t] = Idx(k), td[t] = Idx(i);
    }
  return c;
}

std::pair<at::Tensor, at::Tensor> gat_fused(const GatCsr& csr, const at::Tensor& xp, const at::Tensor& a_src,
                                            const at::Tensor& a_dst, const at::Tensor& a_rel,
                                            double negative_slope, const at::Tensor& keep) {
  const int64_t H = xp.size(1), E = csr.num_edges();
  KG_CHECK(xp.dim() == 3 && xp.size(0) == csr.n_src && gat_fused_runs_on(xp.device()));
  KG_CHECK(a_src.sizes() == at::IntArrayRef({csr.n_src, H}) && a_dst.sizes() == at::IntArrayRef({csr.n_dst, H}));
  KG_CHECK(a_rel.dim() == 2 && a_rel.size(1) == H);
  KG_CHECK(!keep.defined() || keep.sizes() == at::IntArrayRef({E, H}));
  for (const auto* t : {&a_src, &a_dst, &a_rel}) KG_CHECK(t->scalar_type() == xp.scalar_type());
  if (E > 0) {
    const auto r = csr.rel.aminmax();
    KG_CHECK(std::get<0>(r).item<int32_t>() >= 0 && std::get<1>(r).item<int32_t>() < a_rel.size(0),
             "relations outside the {} rows of a_rel", a_rel.size(0));
  }
  auto on = [&](const at::Tensor& t) { return t.to(xp.device()); };  // the CSR is made on the CPU
  auto res = GatFusedFn::apply(xp.contiguous(), a_src.contiguous(), a_dst.contiguous(), a_rel.contiguous(),
                               keep.defined() ? keep.to(xp.scalar_type()).contiguous() : xp.new_empty({0}),
                               negative_slope, on(csr.indptr), on(csr.src), on(csr.rel), on(csr.t_indptr),
                               on(csr.t_edge), on(csr.t_dst), csr.n_src, csr.n_dst);
  return {res[0], res[1]};
}

}  // namespace kg
