// The NCCL communicator: the data plane (gradients, parameters) over NCCL on CUDA device
// buffers, one GPU per rank; the control plane (metrics, stop signals) forwarded to the MPI (or
// local) communicator that bootstrapped it. Compiled only with the CUDA toolkit and NCCL.
#ifdef KGPERT_HAVE_NCCL

#include <cuda_runtime.h>
#include <nccl.h>

#include <cstdlib>
#include <cstring>

#include "core/error.hpp"
#include "dist/comm.hpp"
#include "dist/watchdog.hpp"

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

// The calling thread on this communicator's GPU for a scope (autograd runs gradient hooks on
// threads of its own), then back on the one it was on.
class OnDevice {
 public:
  explicit OnDevice(int device) {
    KG_CUDA_CHECK(cudaGetDevice(&prev_));
    if (prev_ != device) KG_CUDA_CHECK(cudaSetDevice(device));
    else prev_ = -1;
  }
  ~OnDevice() {  // unchecked: a destructor must not throw
    if (prev_ >= 0) cudaSetDevice(prev_);
  }

 private:
  int prev_ = -1;
};

// Host memory for the control plane, device memory for the data plane: a buffer on the wrong
// side would reach MPI or NCCL as a bad pointer (a crash there, not a message).
bool on_device(const void* buf) {
  cudaPointerAttributes a{};
  KG_CUDA_CHECK(cudaPointerGetAttributes(&a, buf));
  return a.type == cudaMemoryTypeDevice || a.type == cudaMemoryTypeManaged;
}

class NcclComm;

// Done when the event recorded after the collective on the NCCL stream has passed.
class NcclPending : public Pending {
 public:
  NcclPending(NcclComm* comm, cudaEvent_t done, int64_t seq, const char* what)
      : comm_(comm), ev_(done), seq_(seq), what_(what) {}
  ~NcclPending() override;
  bool test() override;
  void wait() override;

 private:
  NcclComm* comm_;
  cudaEvent_t ev_;
  int64_t seq_;
  const char* what_;
  bool done_ = false;
};

class NcclComm : public Comm {
 public:
  NcclComm(std::shared_ptr<Comm> control, std::shared_ptr<Watch> watch)
      : control_(std::move(control)), watch_(std::move(watch)) {
    int devices = 0;
    const cudaError_t rc = cudaGetDeviceCount(&devices);
    if (rc != cudaSuccess) devices = 0;
    // Every rank gives up if one has no GPU (a rank giving up alone would leave the others
    // waiting in ncclCommInitRank).
    const int64_t blind = control_->sum(int64_t(devices == 0));
    if (devices == 0)
      fail("backend nccl: rank {} sees no CUDA device ({})", control_->rank(),
           rc != cudaSuccess ? cudaGetErrorString(rc) : "0 devices");
    if (blind > 0) fail("backend nccl: {} of {} ranks see no CUDA device", blind, control_->size());
    // Where SLURM binds one GPU to each task (--gpus-per-task), each rank sees only its own.
    device_ = control_->local_rank() % devices;
    KG_CUDA_CHECK(cudaSetDevice(device_));
    // Rank 0 makes the id; the control communicator hands it to every rank.
    static_assert(sizeof(ncclUniqueId) % sizeof(int64_t) == 0);
    ncclUniqueId id;
    std::memset(&id, 0, sizeof id);
    if (control_->rank() == 0) KG_NCCL_CHECK(ncclGetUniqueId(&id));
    control_->broadcast(&id, int64_t(sizeof id / sizeof(int64_t)), DType::i64, 0);
    KG_NCCL_CHECK(ncclCommInitRank(&comm_, control_->size(), id, control_->rank()));
    // The collectives' own stream, not synchronised with the legacy default stream: each
    // collective is ordered after the work that wrote its buffer by an event (launch()).
    KG_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    KG_CUDA_CHECK(cudaEventCreateWithFlags(&ready_, cudaEventDisableTiming));
  }
  ~NcclComm() override {  // unchecked: a destructor must not throw
    if (comm_) ncclCommDestroy(comm_);
    if (ready_) cudaEventDestroy(ready_);
    if (stream_) cudaStreamDestroy(stream_);
  }
  int rank() const override { return control_->rank(); }
  int size() const override { return control_->size(); }
  int local_rank() const override { return control_->local_rank(); }
  std::string backend() const override { return "nccl"; }
  bool device_buffers() const override { return true; }
  void set_timeout(double seconds) override {
    control_->set_timeout(seconds);  // the MPI communicator's watchdog: usually watch_ itself
    watch_->set_timeout(seconds);
  }

  // ---- control plane: forwarded ----
  void broadcast(void* buf, int64_t n, DType t, int root) override {
    KG_CHECK(n == 0 || !on_device(buf), "nccl: broadcast() takes host buffers (broadcast_data() device ones)");
    control_->broadcast(buf, n, t, root);
  }
  void sum(void* buf, int64_t n, DType t) override {
    KG_CHECK(n == 0 || !on_device(buf), "nccl: sum() takes host buffers (start_sum() device ones)");
    control_->sum(buf, n, t);
  }
  void barrier() override { control_->barrier(); }

  // ---- data plane: NCCL ----
  std::unique_ptr<Pending> start_sum(void* buf, int64_t n, DType t, void* stream = nullptr) override {
    KG_CHECK(n == 0 || on_device(buf), "nccl: start_sum() takes CUDA device buffers");
    return launch("ncclAllReduce", stream, [&] {
      KG_NCCL_CHECK(ncclAllReduce(buf, buf, size_t(n), nccl_type(t), ncclSum, comm_, stream_));
    });
  }
  void broadcast_data(void* buf, int64_t n, DType t, int root, void* stream = nullptr) override {
    KG_CHECK(n == 0 || on_device(buf), "nccl: broadcast_data() takes CUDA device buffers");
    launch("ncclBroadcast", stream, [&] {
      KG_NCCL_CHECK(ncclBroadcast(buf, buf, size_t(n), nccl_type(t), root, comm_, stream_));
    })->wait();
  }

  [[noreturn]] void abort(int code, const std::string& reason) override {
    // The NCCL kernels in flight end (they would spin for ever on a rank that never comes),
    // then every rank goes through the control communicator's abort (MPI_Abort).
    if (comm_) ncclCommAbort(comm_);  // unchecked: the job ends next whatever it returns
    comm_ = nullptr;
    control_->abort(code, reason);
    std::_Exit(code);  // abort() does not return; in case it does
  }

  // Waits for collective `seq` on the host by polling its event (and NCCL's own error state),
  // under the watchdog's deadline; past it, abort().
  void finish(cudaEvent_t done, int64_t seq, const char* what) {
    OnDevice on(device_);
    watch_->wait([&] { return check(seq, what) && query(done); }, seq, what,
                 [this](const std::string& why) { abort(1, why); });
  }
  static bool query(cudaEvent_t ev) {
    const cudaError_t rc = cudaEventQuery(ev);
    if (rc == cudaErrorNotReady) return false;
    KG_CUDA_CHECK(rc);
    return true;
  }

 private:
  // Enqueues `collective` on the NCCL stream after everything enqueued so far on `stream`,
  // then the event that marks its end; the host waits for neither.
  template <class F>
  std::unique_ptr<Pending> launch(const char* what, void* stream, F&& collective) {
    KG_CHECK(comm_ != nullptr, "nccl: collective after abort");
    OnDevice on(device_);
    const int64_t seq = watch_->next();
    KG_CUDA_CHECK(cudaEventRecord(ready_, static_cast<cudaStream_t>(stream)));
    KG_CUDA_CHECK(cudaStreamWaitEvent(stream_, ready_, 0));
    collective();
    cudaEvent_t done = nullptr;
    KG_CUDA_CHECK(cudaEventCreateWithFlags(&done, cudaEventDisableTiming));
    KG_CUDA_CHECK(cudaEventRecord(done, stream_));
    return std::make_unique<NcclPending>(this, done, seq, what);
  }

  // NCCL's asynchronous errors (a peer gone, a network failure) end the job, naming the call.
  bool check(int64_t seq, const char* what) {
    ncclResult_t st = ncclSuccess;
    KG_NCCL_CHECK(ncclCommGetAsyncError(comm_, &st));
    if (st != ncclSuccess && st != ncclInProgress)
      abort(1, fmt::format("kgpert: rank {} of {}: {} (collective #{}) failed: {} ({}); aborting the job", rank(),
                           size(), what, seq, ncclGetErrorString(st), ncclGetLastError(comm_)));
    return true;
  }

  std::shared_ptr<Comm> control_;
  std::shared_ptr<Watch> watch_;
  int device_ = 0;
  ncclComm_t comm_ = nullptr;
  cudaStream_t stream_ = nullptr;
  cudaEvent_t ready_ = nullptr;  // re-recorded by every launch (a wait uses the record before it)
};

NcclPending::~NcclPending() {
  try {
    wait();
  } catch (...) {  // a destructor must not throw; the error surfaces at the next collective
  }
  cudaEventDestroy(ev_);
}

bool NcclPending::test() {
  if (!done_) done_ = NcclComm::query(ev_);
  return done_;
}

void NcclPending::wait() {
  if (done_) return;
  comm_->finish(ev_, seq_, what_);
  done_ = true;
}

}  // namespace

std::shared_ptr<Comm> make_nccl_comm(std::shared_ptr<Comm> control, std::shared_ptr<Watch> watch) {
  return std::make_shared<NcclComm>(std::move(control), std::move(watch));
}

}  // namespace kg::detail

#endif  // KGPERT_HAVE_NCCL
