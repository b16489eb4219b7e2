// `kgpert bench gat`: one GAT layer, forward and forward + backward, on a seeded random graph,
// with the fused kernel or the layer from stock LibTorch ops; prints one key=value line that
// benchmarks/gat_layer.sh puts beside PyTorch Geometric's GATConv on the same graph.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <iostream>

#if __has_include(<c10/cuda/impl/cuda_cmake_macros.h>)  // a CUDA LibTorch: GPU memory figures
#include <c10/cuda/CUDACachingAllocator.h>
#define KGPERT_TORCH_CUDA 1
#endif
#include <torch/cuda.h>

#include "core/error.hpp"
#include "model/gat.hpp"
#include "stages/stage.hpp"
#include "synth/rng.hpp"

namespace kg {
namespace {

double rss_mb(int who) {
  rusage u{};
  getrusage(who, &u);
  return double(u.ru_maxrss) / 1024.0;  // Linux: kB
}

// The current resident set (not the peak), from /proc/self/statm.
double current_rss_mb() {
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return double(resident) * double(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

// Peak memory allocated on the GPU by LibTorch (MB); -1 where not known.
double gpu_peak_mb() {
#ifdef KGPERT_TORCH_CUDA
  const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(0);
  return double(stats.allocated_bytes[0].peak) / (1024.0 * 1024.0);
#else
  return -1;
#endif
}

template <typename F>
double median_seconds(int64_t repeats, bool cuda, F&& f) {
  std::vector<double> t;
  for (int64_t k = 0; k < repeats; ++k) {
    if (cuda) torch::cuda::synchronize();
    const auto start = std::chrono::steady_clock::now();
    f();
    if (cuda) torch::cuda::synchronize();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

int bench_gat(StageContext& ctx) {
  const int64_t n = ctx.integer("nodes", 130000, 2, int64_t(1) << 40);
  const int64_t e = ctx.integer("edges", 4000000, 0, int64_t(1) << 40);
  const int64_t f = ctx.integer("features", 128, 1, 1 << 20);
  const int64_t heads = ctx.integer("heads", 4, 1, 1024);
  const int64_t channels = ctx.integer("channels", 32, 1, 1 << 20);
  const int64_t relations = ctx.integer("relations", 8, 1, 1 << 20);
  const int64_t threads = ctx.integer("threads", 2, 1, 4096);
  const int64_t repeats = ctx.integer("repeats", 3, 1, 1000);
  const int64_t warmup = ctx.integer("warmup", 1, 0, 1000);
  const auto seed = uint64_t(ctx.integer("seed", 0, 0, INT64_MAX));
  const std::string impl = ctx.option("impl", "fused");
  if (impl != "fused" && impl != "reference") fail("--impl \"{}\": expected fused or reference", impl);
  const std::string device_name = ctx.option("device", "cpu");
  if (device_name != "cpu" && device_name != "cuda") fail("--device \"{}\": expected cpu or cuda", device_name);
  const bool cuda = device_name == "cuda";
  if (cuda && !torch::cuda::is_available()) fail("--device cuda: no CUDA device (or a CPU-only LibTorch)");
  const torch::Device device = cuda ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);

  Config threads_cfg;
  threads_cfg.threads = threads;
  apply_threads(threads_cfg);
  torch::set_num_threads(int(threads));

  // Edges j -> i uniform at random but for self-loops (the layer adds one per node, as PyG's
  // GATConv does after removing any), relations uniform.
  synth::Rng rng(seed, 1);
  std::vector<int64_t> src(static_cast<size_t>(e)), dst(src.size()), rel(src.size());
  for (size_t k = 0; k < src.size(); ++k) {
    src[k] = rng.below(n), dst[k] = rng.below(n - 1), rel[k] = rng.below(relations);
    if (dst[k] >= src[k]) ++dst[k];  // uniform over the other n - 1 nodes
  }
  if (const std::string out = ctx.option("save-graph"); !out.empty()) {
    h5::Writer w(out);
    w.write("/src", src), w.write("/dst", dst), w.write("/rel", rel);
    for (const auto& [k, v] : {std::pair{"nodes", n}, {"relations", relations}, {"features", f},
                               {"heads", heads}, {"channels", channels}, {"seed", int64_t(seed)}})
      w.attr("/", k, v);
    w.commit();
  }
  auto as_tensor = [](std::vector<int64_t>& v) {
    return torch::from_blob(v.data(), {int64_t(v.size())}, torch::kInt64).clone();
  };
  const auto src_t = as_tensor(src).to(device), dst_t = as_tensor(dst).to(device), rel_t = as_tensor(rel).to(device);
  src = {}, dst = {}, rel = {};

  torch::manual_seed(int64_t(seed));
  GatLayerOptions o;
  o.in_dim = f, o.channels = channels, o.heads = heads, o.num_relations = relations;
  o.fused = impl == "fused";
  GatLayer layer(o);
  layer->to(device);
  const auto x = torch::randn({n, f}).to(device);  // the first layer's input: no gradient of its own
  const auto upstream = torch::randn({n, heads * channels}).to(device);
  const double base = current_rss_mb();

  auto forward = [&] { return layer(x, src_t, dst_t, rel_t); };
  auto forward_backward = [&] {
    layer->zero_grad();
    (forward() * upstream).sum().backward();
  };
  for (int64_t k = 0; k < warmup; ++k) forward_backward();
  const double fwd = median_seconds(repeats, cuda, [&] { forward(); });
  const double fwd_bwd = median_seconds(repeats, cuda, forward_backward);
  std::cout << fmt::format(
      "impl={} nodes={} edges={} features={} heads={} channels={} threads={} forward_s={:.4f} "
      "fwd_bwd_s={:.4f} peak_rss_mb={:.0f} base_rss_mb={:.0f}{}\n",
      impl, n, e, f, heads, channels, threads, fwd, fwd_bwd, rss_mb(RUSAGE_SELF), base,
      cuda ? fmt::format(" device=cuda gpu_peak_mb={:.0f}", gpu_peak_mb()) : "");
  return 0;
}

}  // namespace

int stage_bench(StageContext& ctx) {
  if (ctx.positional.size() != 1 || ctx.positional[0] != "gat")
    fail("expected `kgpert bench gat [options]` (see `kgpert help bench`)");
  return bench_gat(ctx);
}

}  // namespace kg
