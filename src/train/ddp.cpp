// Rank 0's state to every rank, and bucketed gradient all-reduce overlapped with backward.
#include "train/ddp.hpp"

#include <algorithm>
#include <chrono>
#include <functional>
#include <string>
#include <fmt/ranges.h>  // fmt::join

#include <c10/core/impl/DeviceGuardImplInterface.h>
#include <torch/version.h>

#include "core/error.hpp"

namespace kg {

namespace {

DType dtype_of(const torch::Tensor& t) {
  switch (t.scalar_type()) {
    case torch::kFloat32: return DType::f32;
    case torch::kFloat64: return DType::f64;
    case torch::kInt64: return DType::i64;
    default: KG_CHECK(false, "no collective for {}", c10::toString(t.scalar_type()));
  }
  return DType::f32;
}

// LibTorch's current CUDA stream on `d` (a cudaStream_t): the data plane's collectives wait for
// the kernels enqueued on it. nullptr (the legacy default stream, LibTorch's default) for CPU
// tensors and on LibTorch 1.x, which has no c10::Stream::native_handle().
void* current_stream(const torch::Device& d) {
#if TORCH_VERSION_MAJOR >= 2
  if (d.is_cuda()) return c10::impl::getDeviceGuardImpl(d.type())->getStream(d).native_handle();
#endif
  (void)d;
  return nullptr;
}

// Rank 0's `t` into every rank's: CUDA tensors over the data plane where it takes device
// buffers (nccl), else through host memory; CPU tensors over the control plane.
void broadcast_tensor(Comm& comm, torch::Tensor t) {
  KG_CHECK(t.is_contiguous(), "broadcast of a non-contiguous tensor");
  if (t.numel() == 0) return;
  if (!t.is_cuda()) {
    comm.broadcast(t.data_ptr(), t.numel(), dtype_of(t), 0);
  } else if (comm.device_buffers()) {
    comm.broadcast_data(t.data_ptr(), t.numel(), dtype_of(t), 0, current_stream(t.device()));
  } else {
    auto host = t.to(torch::kCPU);
    comm.broadcast(host.data_ptr(), host.numel(), dtype_of(host), 0);
    t.copy_(host);
  }
}

}  // namespace

void broadcast_module(Comm& comm, torch::nn::Module& m, const std::vector<torch::Tensor>& buffers) {
  if (comm.size() == 1) return;
  torch::NoGradGuard ng;
  // The same parameter shapes everywhere, or the broadcasts below would mismatch.
  std::string shapes;
  for (const auto& p : m.named_parameters()) shapes += fmt::format("{} {}; ", p.key(), fmt::join(p.value().sizes(), "x"));
  for (const auto& b : buffers) shapes += fmt::format("buffer {}; ", fmt::join(b.sizes(), "x"));
  const auto mine = int64_t(std::hash<std::string>{}(shapes) >> 1);
  auto h = torch::full({1}, mine, torch::kInt64);
  broadcast_tensor(comm, h);
  if (h.item<int64_t>() != mine)
    fail("rank {}: the model's parameters differ in shape from rank 0's (here: {})", comm.rank(), shapes);
  for (auto& p : m.parameters()) broadcast_tensor(comm, p);
  for (auto b : buffers) broadcast_tensor(comm, b);
}

GradReducer::GradReducer(std::shared_ptr<Comm> comm, std::vector<torch::Tensor> params, double bucket_bytes)
    : comm_(std::move(comm)), params_(std::move(params)) {
  KG_CHECK(!params_.empty());
  const torch::Device device = params_.front().device();
  if (comm_->device_buffers() && !device.is_cuda())
    fail("backend {}: the gradients are CPU tensors; it sums CUDA tensors (train on a GPU, or set dist.backend "
         "to auto or mpi)", comm_->backend());
  // The buckets live where the communicator reads: on the parameters' GPU for nccl, in host
  // memory for mpi (CUDA gradients are then copied there) and local.
  const auto bucket_options = params_.front().options().device(comm_->device_buffers() ? device : torch::kCPU);
  const size_t n = params_.size();
  bucket_of_.assign(n, 0);
  slot_of_.assign(n, 0);
  // Reverse registration order: the last layers' gradients are ready first.
  Bucket cur;
  int64_t bytes = 0;
  auto close = [&] {
    int64_t numel = cur.offset.empty() ? 0 : bytes / 4;
    cur.flat = torch::zeros({numel + int64_t(cur.params.size())}, bucket_options);
    buckets_.push_back(std::move(cur));
    cur = Bucket{};
    bytes = 0;
  };
  for (size_t k = n; k-- > 0;) {
    const auto& p = params_[k];
    KG_CHECK(p.scalar_type() == torch::kFloat32, "data parallelism expects float32 parameters");
    KG_CHECK(p.device() == device, "parameters on several devices");
    bucket_of_[k] = buckets_.size();
    slot_of_[k] = cur.params.size();
    cur.params.push_back(k);
    cur.offset.push_back(bytes / 4);
    bytes += p.numel() * 4;
    if (double(bytes) >= bucket_bytes) close();
  }
  if (!cur.params.empty()) close();
  for (size_t k = 0; k < n; ++k) {
    KG_CHECK(params_[k].requires_grad(), "parameter {} does not require a gradient", k);
    hooks_.push_back(params_[k].register_hook([this, k](torch::Tensor g) { on_grad(k, g); }));
  }
  seen_.assign(n, 0);
}

GradReducer::~GradReducer() {
  for (auto& b : buckets_) b.pending.reset();  // waits for what is in flight
  for (size_t k = 0; k < params_.size(); ++k) params_[k].remove_hook(hooks_[k]);  // they hold `this`
}

void GradReducer::begin() {
  KG_CHECK(!in_step_, "GradReducer::begin() twice without finish()");
  torch::NoGradGuard ng;
  for (auto& b : buckets_) {
    b.flat.zero_();
    b.missing = int64_t(b.params.size());
    b.pending.reset();
  }
  std::fill(seen_.begin(), seen_.end(), 0);
  next_launch_ = 0;
  in_step_ = true;
}

void GradReducer::on_grad(size_t k, const torch::Tensor& grad) {
  if (!in_step_ || !grad.defined()) return;
  torch::NoGradGuard ng;
  Bucket& b = buckets_[bucket_of_[k]];
  const size_t slot = slot_of_[k];
  KG_CHECK(b.pending == nullptr, "gradient of parameter {} after its bucket was launched", k);
  b.flat.narrow(0, b.offset[slot], params_[k].numel()).copy_(grad.reshape(-1));
  if (!seen_[k]) {  // the first gradient of this parameter in this step
    seen_[k] = 1;
    const int64_t flags = b.flat.numel() - int64_t(b.params.size());
    b.flat.narrow(0, flags + int64_t(slot), 1).fill_(1.0f);
    --b.missing;
  }
  if (b.missing == 0) launch_ready();
  for (auto& other : buckets_)
    if (other.pending) other.pending->test();  // let MPI progress the ones in flight
}

void GradReducer::launch_ready() {
  while (next_launch_ < buckets_.size() && buckets_[next_launch_].missing == 0) {
    Bucket& b = buckets_[next_launch_++];
    b.pending = comm_->start_sum(b.flat.data_ptr(), b.flat.numel(), DType::f32, current_stream(b.flat.device()));
  }
}

void GradReducer::finish() {
  KG_CHECK(in_step_, "GradReducer::finish() without begin()");
  for (auto& b : buckets_) b.missing = 0;  // what was not produced here adds zeros
  launch_ready();
  const auto t0 = std::chrono::steady_clock::now();
  for (auto& b : buckets_) b.pending->wait();
  wait_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  in_step_ = false;

  torch::NoGradGuard ng;
  for (auto& b : buckets_) {
    const int64_t flags = b.flat.numel() - int64_t(b.params.size());
    const auto used = b.flat.narrow(0, flags, int64_t(b.params.size())).to(torch::kCPU);
    const float* u = used.data_ptr<float>();
    for (size_t s = 0; s < b.params.size(); ++s) {
      if (u[s] == 0.0f) continue;  // no rank used it: .grad stays as in one process
      auto& p = params_[b.params[s]];
      auto sum = b.flat.narrow(0, b.offset[s], p.numel()).view_as(p);
      if (p.grad().defined()) p.mutable_grad().copy_(sum);
      else p.mutable_grad() = sum.to(p.device(), /*non_blocking=*/false, /*copy=*/true);
    }
  }
}

}  // namespace kg
