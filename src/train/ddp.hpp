// Data parallelism over a Comm (dist/comm.hpp): rank 0's module state to every rank, and the
// gradients of one step summed across ranks in buckets that are launched during the backward
// pass, as soon as all of their gradients are ready.
#pragma once

#include <memory>
#include <vector>

#include <torch/torch.h>

#include "dist/comm.hpp"

namespace kg {

/// Copies rank 0's parameters and the given buffers into every rank's module (same parameters
/// everywhere; other buffers, built from each rank's own data, are left alone): CUDA tensors
/// over the data plane (NCCL with nccl, through host memory with mpi), CPU ones over the
/// control plane.
void broadcast_module(Comm& comm, torch::nn::Module& m, const std::vector<torch::Tensor>& buffers = {});

/// Sums gradients across ranks. Parameters are grouped, in reverse registration order (the
/// order in which backward produces them), into buckets of about `bucket_bytes`. A hook on each
/// parameter copies its gradient into its bucket; once a bucket is complete and every bucket
/// before it has been launched, its all-reduce starts (Comm::start_sum), while backward goes
/// on. Buckets are launched in the same order on every rank whatever order the hooks fire in,
/// as collectives require. finish() launches what is left (parameters this rank did not use
/// contribute zeros), waits, and writes the sums into the parameters' .grad.
///
/// Each bucket carries one extra element per parameter: 1 when this rank produced a gradient
/// for it. A parameter no rank used keeps its .grad as it was (undefined or zeroed), exactly as
/// in a one-process run over the union of the ranks' batches; so with each rank's loss scaled
/// by 1 / (global batch size), the summed gradients are those of one process on the global batch.
///
/// The buckets live where the communicator's data plane reads: on the parameters' GPU for nccl
/// (each all-reduce then runs on NCCL's stream after the kernels of LibTorch's current stream
/// that copied its gradients in, without a host wait), in host memory otherwise (CUDA
/// gradients are copied there for mpi). finish() waits on the host, polling each bucket's
/// event under dist.timeout_s. nccl with CPU parameters is refused.
///
/// Usage per step: zero the gradients, begin(), backward() (or nothing, when this rank has no
/// signature in the step), finish(), then clip and step as in one process.
class GradReducer {
 public:
  GradReducer(std::shared_ptr<Comm> comm, std::vector<torch::Tensor> params, double bucket_bytes);
  ~GradReducer();
  GradReducer(const GradReducer&) = delete;
  GradReducer& operator=(const GradReducer&) = delete;

  void begin();
  void finish();
  int64_t num_buckets() const { return int64_t(buckets_.size()); }
  /// Seconds spent in finish() waiting for all-reduces, summed since construction (the part of
  /// communication backward did not hide).
  double wait_seconds() const { return wait_seconds_; }

 private:
  struct Bucket {
    std::vector<size_t> params;      // indices into params_
    std::vector<int64_t> offset;     // of each parameter's gradient in flat
    torch::Tensor flat;              // [sum numel + params.size()] gradients, then used flags
    int64_t missing = 0;             // gradients not yet copied in this step
    std::unique_ptr<Pending> pending;
  };
  void on_grad(size_t i, const torch::Tensor& grad);
  void launch_ready();

  std::shared_ptr<Comm> comm_;
  std::vector<torch::Tensor> params_;
  std::vector<size_t> bucket_of_;  // [params] bucket index
  std::vector<size_t> slot_of_;    // [params] position in its bucket
  std::vector<Bucket> buckets_;
  std::vector<unsigned> hooks_;    // [params] hook handles
  std::vector<char> seen_;         // [params] gradient copied in this step
  size_t next_launch_ = 0;
  bool in_step_ = false;
  double wait_seconds_ = 0;
};

}  // namespace kg
