// train.device resolved against what this LibTorch and this node offer, and the GPU's peak
// memory from LibTorch's caching allocator.
#include "train/device.hpp"

#include <torch/cuda.h>

#include "core/error.hpp"

#ifdef KGPERT_TORCH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace kg {

std::string TrainDevice::name() const { return cuda ? fmt::format("cuda:{}", index) : std::string("cpu"); }

std::string cuda_unavailable_reason() {
#ifndef KGPERT_TORCH_CUDA
  return "LibTorch built without CUDA (Debian's libtorch-dev is CPU only; the torch wheel's has it: "
         "scripts/setup.sh --torch wheel, build-wheel/)";
#else
  if (torch::cuda::device_count() == 0)
    return "no CUDA device visible (CUDA_VISIBLE_DEVICES, the driver, or a node without a GPU)";
  return "";
#endif
}

TrainDevice resolve_device(const std::string& setting, int local_rank) {
  if (setting == "cpu") return {};
  if (setting != "cuda" && setting != "auto") fail("train.device: \"{}\" is not cpu, cuda or auto", setting);
  const std::string why = cuda_unavailable_reason();
  if (!why.empty()) {
    if (setting == "auto") return {};
    fail("train.device: cuda, but {}; use train.device=cpu or auto", why);
  }
  const auto n = int(torch::cuda::device_count());
  return {true, (local_rank < 0 ? 0 : local_rank) % n};
}

std::string describe_device(const TrainDevice& d) {
#ifdef KGPERT_TORCH_CUDA
  if (d.cuda) {
    const auto* p = at::cuda::getDeviceProperties(c10::DeviceIndex(d.index));
    return fmt::format("{} ({}, {:.1f} GB)", d.name(), p->name, double(p->totalGlobalMem) / 1e9);
  }
#endif
  return d.name();
}

double peak_gpu_mb(const TrainDevice& d) {
#ifdef KGPERT_TORCH_CUDA
  if (d.cuda) {
    const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(c10::DeviceIndex(d.index));
    const auto& bytes = stats.allocated_bytes[size_t(c10::CachingAllocator::StatType::AGGREGATE)];
    return double(bytes.peak) / 1e6;
  }
#endif
  return 0.0;
}

}  // namespace kg
