// Where a rank trains (train.device): the CPU, or its GPU when LibTorch has CUDA and one is
// visible; and the peak GPU memory a run used. No LibTorch here: stages include it.
#pragma once

#include <string>

namespace kg {

/// A training device: "cpu", or CUDA device `index`.
struct TrainDevice {
  bool cuda = false;
  int index = 0;            // CUDA only
  std::string name() const;  // "cpu" or "cuda:<index>"
};

/// Why no CUDA device can be used here ("" when one can): "LibTorch built without CUDA" or
/// "no CUDA device visible" (with what was looked at).
std::string cuda_unavailable_reason();

/// train.device for the rank that is `local_rank` on its node: cpu; cuda, the GPU local_rank
/// mod the GPUs visible (kg::Error naming train.device and the reason when there is none);
/// auto, that GPU when there is one, else the CPU. One GPU per rank: with more ranks than GPUs
/// on a node several ranks share one.
TrainDevice resolve_device(const std::string& setting, int local_rank);

/// "cuda:0 (NVIDIA H100 80GB HBM3, 79.1 GB)" or "cpu": for the run's first lines.
std::string describe_device(const TrainDevice& d);

/// The most GPU memory LibTorch's allocator held for tensors on `d` so far, in MB (0 on the CPU).
double peak_gpu_mb(const TrainDevice& d);

}  // namespace kg
