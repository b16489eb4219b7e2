// The NCCL communicator: collectives on CUDA device buffers, one GPU per rank, bootstrapped
// over the MPI (or local) communicator. Compiled only with the CUDA toolkit and NCCL.
#ifdef KGPERT_HAVE_NCCL

#include <cuda_runtime.h>
#include <nccl.h>

#include <cstdlib>
#include <cstring>

#include "core/error.hpp"
#include "dist/comm.hpp"

namespace kg::detail {
namespace {

ncclDataType_t nccl_type(DType t) {
  switch (t) {
    case DType::f32: return ncclFloat32;
    case DType::f64: return ncclFloat64;
    case DType::i64: return ncclInt64;
  }
  return ncclFloat32;
}

// Done when the event recorded after the collective has passed on the stream.
class NcclPending : public Pending {
 public:
  explicit NcclPending(cudaStream_t s) {
    KG_CUDA_CHECK(cudaEventCreateWithFlags(&ev_, cudaEventDisableTiming));
    KG_CUDA_CHECK(cudaEventRecord(ev_, s));
  }
  ~NcclPending() override {  // unchecked: a destructor must not throw
    cudaEventSynchronize(ev_);
    cudaEventDestroy(ev_);
  }
  bool test() override { return cudaEventQuery(ev_) == cudaSuccess; }
  void wait() override { KG_CUDA_CHECK(cudaEventSynchronize(ev_)); }

 private:
  cudaEvent_t ev_{};
};

class NcclComm : public Comm {
 public:
  explicit NcclComm(std::shared_ptr<Comm> boot) : boot_(std::move(boot)) {
    int devices = 0;
    cudaError_t rc = cudaGetDeviceCount(&devices);
    if (rc != cudaSuccess || devices == 0)
      fail("backend nccl: rank {} sees no CUDA device ({})", boot_->rank(),
           rc != cudaSuccess ? cudaGetErrorString(rc) : "0 devices");
    device_ = boot_->local_rank() % devices;
    KG_CUDA_CHECK(cudaSetDevice(device_));
    // Rank 0 makes the id; the bootstrap communicator hands it to every rank.
    static_assert(sizeof(ncclUniqueId) % sizeof(int64_t) == 0);
    ncclUniqueId id;
    std::memset(&id, 0, sizeof id);
    if (boot_->rank() == 0) KG_NCCL_CHECK(ncclGetUniqueId(&id));
    boot_->broadcast(&id, int64_t(sizeof id / sizeof(int64_t)), DType::i64, 0);
    KG_NCCL_CHECK(ncclCommInitRank(&comm_, boot_->size(), id, boot_->rank()));
    // A blocking stream: it orders itself after the legacy default stream, where LibTorch
    // computes unless told otherwise, so a collective starts after the kernels that wrote its
    // buffer.
    KG_CUDA_CHECK(cudaStreamCreate(&stream_));
  }
  ~NcclComm() override {  // unchecked: a destructor must not throw
    if (comm_) ncclCommDestroy(comm_);
    if (stream_) cudaStreamDestroy(stream_);
  }
  int rank() const override { return boot_->rank(); }
  int size() const override { return boot_->size(); }
  int local_rank() const override { return boot_->local_rank(); }
  std::string backend() const override { return "nccl"; }
  bool device_buffers() const override { return true; }

  void broadcast(void* buf, int64_t n, DType t, int root) override {
    KG_NCCL_CHECK(ncclBroadcast(buf, buf, size_t(n), nccl_type(t), root, comm_, stream_));
    KG_CUDA_CHECK(cudaStreamSynchronize(stream_));
  }
  void sum(void* buf, int64_t n, DType t) override { start_sum(buf, n, t)->wait(); }
  std::unique_ptr<Pending> start_sum(void* buf, int64_t n, DType t) override {
    KG_NCCL_CHECK(ncclAllReduce(buf, buf, size_t(n), nccl_type(t), ncclSum, comm_, stream_));
    return std::make_unique<NcclPending>(stream_);
  }
  void barrier() override {
    KG_CUDA_CHECK(cudaStreamSynchronize(stream_));
    boot_->barrier();
  }
  [[noreturn]] void abort(int code, const std::string& reason) override {
    if (comm_) ncclCommAbort(comm_);
    comm_ = nullptr;
    boot_->abort(code, reason);
  }

 private:
  std::shared_ptr<Comm> boot_;
  int device_ = 0;
  ncclComm_t comm_ = nullptr;
  cudaStream_t stream_ = nullptr;
};

}  // namespace

std::shared_ptr<Comm> make_nccl_comm(std::shared_ptr<Comm> boot) { return std::make_shared<NcclComm>(std::move(boot)); }

}  // namespace kg::detail

#endif  // KGPERT_HAVE_NCCL
