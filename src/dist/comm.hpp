// The communicator: rank, size and the few collectives data-parallel training needs, behind
// one interface with three backends:
//   local  one process, no library (every collective is the identity);
//   mpi    MPI collectives on host buffers (the process was started by mpirun or srun);
//   nccl   NCCL collectives on CUDA device buffers, bootstrapped over MPI (rank 0 makes the
//          NCCL id and MPI_Bcast hands it out), one GPU per rank (local rank mod devices).
// Buffers are raw pointers so that this header needs neither LibTorch nor MPI nor CUDA: host
// memory for local and mpi, device memory for nccl (Comm::device_buffers()).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace kg {

enum class DType { f32, f64, i64 };

/// A non-blocking all-reduce in flight (Comm::start_sum). Finished by wait(), or by the
/// destructor, which waits.
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
  /// True when buffers must be CUDA device memory (nccl).
  virtual bool device_buffers() const { return false; }

  /// Root's n elements at `buf` into every rank's `buf`.
  virtual void broadcast(void* buf, int64_t n, DType t, int root) = 0;
  /// In place: every rank's `buf` becomes the element-wise sum over ranks.
  virtual void sum(void* buf, int64_t n, DType t) = 0;
  /// sum() started, not waited for; `buf` must not be touched until the Pending is finished.
  virtual std::unique_ptr<Pending> start_sum(void* buf, int64_t n, DType t) = 0;
  virtual void barrier() = 0;
  /// Ends every rank of the job with `code` after printing `reason` (and this rank) on stderr.
  /// Never returns, never waits for the other ranks.
  [[noreturn]] virtual void abort(int code, const std::string& reason) = 0;
  /// A collective (sum, start_sum's wait, broadcast, barrier) not complete after `seconds` ends
  /// the job through abort(), naming the ranks that did not arrive; 0 = wait for ever (the
  /// default). Honoured by the mpi backend; local has nothing to wait for, nccl ignores it.
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

/// The communicator named by `backend`: "auto" (mpi when launched_by_mpi(), else local),
/// "local", "mpi" or "nccl". The first MPI communicator initialises MPI (finalised at exit).
/// Throws kg::Error naming the backend and the reason when it cannot be had (not built in,
/// no MPI launcher for a multi-rank job, no CUDA device for nccl).
std::shared_ptr<Comm> make_comm(const std::string& backend);

/// The process-wide communicator (make_comm(backend) on first use, then the same one).
std::shared_ptr<Comm> world_comm(const std::string& backend = "auto");

namespace detail {
// The NCCL backend (nccl.cpp), given the MPI communicator that bootstraps it.
std::shared_ptr<Comm> make_nccl_comm(std::shared_ptr<Comm> mpi);
}  // namespace detail

}  // namespace kg
