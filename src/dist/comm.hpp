// The communicator: rank, size and the few collectives data-parallel training needs, behind
// one interface with three backends:
//   local  one process, no library (every collective is the identity);
//   mpi    MPI collectives on host buffers (the process was started by mpirun or srun);
//   nccl   gradients and parameters over NCCL on CUDA device buffers, one GPU per rank (local
//          rank mod devices); bootstrapped over MPI (rank 0 makes the NCCL id, MPI_Bcast hands
//          it out), whose communicator then carries the control plane.
// Two planes (the split matters only for nccl; local and mpi serve both alike):
//   control  metrics, stop signals, random states, the NCCL id: host buffers, always (over MPI
//            with nccl): broadcast, sum, barrier, gather;
//   data     parameters and gradients: device buffers where device_buffers() (nccl), host
//            buffers otherwise: start_sum, broadcast_data.
// Buffers are raw pointers so that this header needs neither LibTorch nor MPI nor CUDA.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace kg {

enum class DType { f32, f64, i64 };

/// A non-blocking all-reduce in flight (Comm::start_sum). Finished by wait(), or by the
/// destructor, which waits. With nccl both poll a CUDA event recorded after the collective (no
/// stream or device synchronisation), wait() under the deadline of Comm::set_timeout.
class Pending {
 public:
  virtual ~Pending() = default;
  /// True once the result is in the buffer; also drives progress (MPI progresses a
  /// non-blocking collective only while the program calls into MPI).
  virtual bool test() = 0;
  virtual void wait() = 0;
};

class Comm {
 public:
  virtual ~Comm() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// Rank among the processes of this machine (picks the GPU).
  virtual int local_rank() const = 0;
  virtual std::string backend() const = 0;
  /// True when the data plane's buffers must be CUDA device memory (nccl).
  virtual bool device_buffers() const { return false; }

  // ---- control plane: host buffers ----
  /// Root's n elements at `buf` into every rank's `buf`.
  virtual void broadcast(void* buf, int64_t n, DType t, int root) = 0;
  /// In place: every rank's `buf` becomes the element-wise sum over ranks.
  virtual void sum(void* buf, int64_t n, DType t) = 0;
  virtual void barrier() = 0;

  // ---- data plane: device buffers where device_buffers(), else host buffers ----
  // `stream` (a cudaStream_t; nullptr = the legacy default stream) is the CUDA stream whose
  // work so far wrote `buf`: nccl runs the collective on its own stream after that work (an
  // event, not a host wait), so starting one does not block the host. Ignored by local and mpi.
  /// sum() of the data plane started, not waited for; `buf` must not be touched until the
  /// Pending is finished.
  virtual std::unique_ptr<Pending> start_sum(void* buf, int64_t n, DType t, void* stream = nullptr) = 0;
  /// broadcast() of the data plane (blocking).
  virtual void broadcast_data(void* buf, int64_t n, DType t, int root, void* stream = nullptr) {
    (void)stream;
    broadcast(buf, n, t, root);
  }

  /// Ends every rank of the job with `code` after printing `reason` (and this rank) on stderr.
  /// Never returns, never waits for the other ranks.
  [[noreturn]] virtual void abort(int code, const std::string& reason) = 0;
  /// A collective (sum, start_sum's wait, broadcast, barrier) not complete after `seconds` ends
  /// the job through abort(), naming the ranks that did not arrive; 0 = wait for ever (the
  /// default). Honoured by mpi and nccl (which first ends its NCCL communicator with
  /// ncclCommAbort); local has nothing to wait for.
  virtual void set_timeout(double seconds) { (void)seconds; }

  /// Convenience: the sum over ranks of one number.
  double sum(double x);
  int64_t sum(int64_t x);
  /// Convenience: every rank's `mine` (the same length on all), concatenated in rank order
  /// ([size() * mine.size()], on every rank; host buffers).
  std::vector<double> gather(const std::vector<double>& mine);
};

/// True when this process was started by an MPI launcher (mpirun, mpiexec, srun --mpi=pmix/pmi2):
/// their environment variables are set.
bool launched_by_mpi();

/// True when this build has the MPI / NCCL backend.
bool have_mpi();
bool have_nccl();

/// The backend to make for dist.backend `configured` when the training tensors are CUDA
/// tensors (`cuda_tensors`) or not: "auto" is local in one process (refused when srun started
/// several tasks without an MPI plugin), under an MPI launcher nccl for CUDA tensors (mpi,
/// gradients staged through host memory, where this build has no NCCL) and mpi otherwise;
/// "local" and "mpi" are themselves; "nccl" needs CUDA tensors. Throws kg::Error naming the
/// backend and the reason.
std::string choose_backend(const std::string& configured, bool cuda_tensors);

/// The communicator named by `backend`: "auto" (choose_backend("auto", false)), "local",
/// "mpi" or "nccl". The first MPI communicator initialises MPI (finalised at exit). Throws
/// kg::Error naming the backend and the reason when it cannot be had (not built in, no MPI
/// launcher for a multi-rank job, no CUDA device for nccl).
std::shared_ptr<Comm> make_comm(const std::string& backend);

/// The process-wide communicator (make_comm(backend) on first use, then the same one).
std::shared_ptr<Comm> world_comm(const std::string& backend = "auto");

namespace detail {
class Watch;
// The NCCL backend (nccl.cpp), given the communicator that bootstraps it and then carries its
// control plane (mpi, or local in one process), and the watch its collectives are waited under
// (the MPI communicator's, so that both planes share one numbering of collectives).
std::shared_ptr<Comm> make_nccl_comm(std::shared_ptr<Comm> control, std::shared_ptr<Watch> watch);
}  // namespace detail

}  // namespace kg
