// The local and MPI communicators, and the choice between backends.
#include "dist/comm.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "core/log.hpp"
#include "dist/watchdog.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#ifdef KGPERT_HAVE_MPI
#include <mpi.h>
#endif

namespace kg {

double Comm::sum(double x) {
  sum(&x, 1, DType::f64);
  return x;
}

int64_t Comm::sum(int64_t x) {
  sum(&x, 1, DType::i64);
  return x;
}

// Each rank fills its own slot of zeros; the sum is then the concatenation.
std::vector<double> Comm::gather(const std::vector<double>& mine) {
  std::vector<double> all(size_t(size()) * mine.size(), 0.0);
  std::copy(mine.begin(), mine.end(), all.begin() + std::ptrdiff_t(size_t(rank()) * mine.size()));
  if (size() > 1) sum(all.data(), int64_t(all.size()), DType::f64);
  return all;
}

namespace {

class Done : public Pending {
 public:
  bool test() override { return true; }
  void wait() override {}
};

class LocalComm : public Comm {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  int local_rank() const override { return 0; }
  std::string backend() const override { return "local"; }
  void broadcast(void*, int64_t, DType, int root) override { KG_CHECK(root == 0); }
  void sum(void*, int64_t, DType) override {}
  std::unique_ptr<Pending> start_sum(void*, int64_t, DType, void* = nullptr) override {
    return std::make_unique<Done>();
  }
  void barrier() override {}
  [[noreturn]] void abort(int code, const std::string& reason) override {
    log::error("{}", reason);
    std::_Exit(code);
  }
};

#ifdef KGPERT_HAVE_MPI

MPI_Datatype mpi_type(DType t) {
  switch (t) {
    case DType::f32: return MPI_FLOAT;
    case DType::f64: return MPI_DOUBLE;
    case DType::i64: return MPI_INT64_T;
  }
  return MPI_DATATYPE_NULL;
}

// MPI counts are int: larger buffers go in pieces.
constexpr int64_t kMaxCount = int64_t(1) << 30;

size_t type_size(DType t) { return t == DType::f32 ? 4 : 8; }

// The MPI watchdog (dist.timeout_s). Every collective is non-blocking and waited for by polling
// (Watch::wait). Past the deadline the rank asks every other one, on a control communicator of
// its own, which collective it has reached: ranks waiting in a collective (MPI or NCCL) answer
// from their poll loop; a rank that is stopped, stuck in computation or dead does not. Those
// that do not answer, or answer with an earlier collective, did not arrive; they are named and
// the job is aborted.
class Watchdog : public detail::Watch {
 public:
  Watchdog(int rank, int size) : Watch(rank, size) { KG_MPI_CHECK(MPI_Comm_dup(MPI_COMM_WORLD, &control_)); }

 private:
  static constexpr int kAsk = 1, kReply = 2;

  // Answers every question waiting: with the number of the last collective started here.
  void answer() override {
    for (;;) {
      int flag = 0;
      MPI_Status st;
      KG_MPI_CHECK(MPI_Iprobe(MPI_ANY_SOURCE, kAsk, control_, &flag, &st));
      if (!flag) return;
      int64_t theirs = 0, mine = started();
      KG_MPI_CHECK(MPI_Recv(&theirs, 1, MPI_INT64_T, st.MPI_SOURCE, kAsk, control_, MPI_STATUS_IGNORE));
      KG_MPI_CHECK(MPI_Send(&mine, 1, MPI_INT64_T, st.MPI_SOURCE, kReply, control_));
    }
  }

  // Asks every other rank where it is, waits a few seconds for the answers (answering theirs),
  // and says which ranks did not arrive at collective `seq`.
  std::string diagnose(int64_t seq) override {
    const int n = size_;
    std::vector<int64_t> reached(size_t(n), -1);
    std::vector<MPI_Request> asks(size_t(n), MPI_REQUEST_NULL), replies(size_t(n), MPI_REQUEST_NULL);
    for (int q = 0; q < n; ++q) {
      if (q == rank_) continue;
      KG_MPI_CHECK(MPI_Isend(&seq, 1, MPI_INT64_T, q, kAsk, control_, &asks[size_t(q)]));
      KG_MPI_CHECK(MPI_Irecv(&reached[size_t(q)], 1, MPI_INT64_T, q, kReply, control_, &replies[size_t(q)]));
    }
    const double grace = std::min(5.0, std::max(1.0, timeout()));
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(grace);
    while (std::chrono::steady_clock::now() < until) {
      int all = 0;
      KG_MPI_CHECK(MPI_Testall(n, replies.data(), &all, MPI_STATUSES_IGNORE));
      if (all) break;
      answer();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::vector<std::string> missing;
    for (int q = 0; q < n; ++q) {
      if (q == rank_) continue;
      int got = 0;
      KG_MPI_CHECK(MPI_Test(&replies[size_t(q)], &got, MPI_STATUS_IGNORE));
      if (!got)
        missing.push_back(fmt::format("{} (no answer: stopped, stuck outside collectives or gone)", q));
      else if (reached[size_t(q)] < seq)
        missing.push_back(fmt::format("{} (still at collective #{})", q, reached[size_t(q)]));
    }
    // The questions left unanswered stay unsent or unmatched: the job ends next.
    return missing.empty() ? "every rank arrived, the collective itself is stuck"
                           : fmt::format("rank{} {} did not arrive", missing.size() > 1 ? "s" : "",
                                         fmt::join(missing, ", "));
  }

  MPI_Comm control_ = MPI_COMM_NULL;
};

class MpiComm;

class MpiPending : public Pending {
 public:
  MpiPending(std::vector<MPI_Request> r, MpiComm* comm, int64_t seq, const char* what)
      : reqs_(std::move(r)), comm_(comm), seq_(seq), what_(what) {}
  ~MpiPending() override { wait(); }
  bool test() override {
    if (done_) return true;
    int flag = 0;
    KG_MPI_CHECK(MPI_Testall(int(reqs_.size()), reqs_.data(), &flag, MPI_STATUSES_IGNORE));
    done_ = flag != 0;
    return done_;
  }
  void wait() override;

 private:
  std::vector<MPI_Request> reqs_;
  MpiComm* comm_;
  int64_t seq_;
  const char* what_;
  bool done_ = false;
};

class MpiComm : public Comm {
 public:
  MpiComm() {
    int inited = 0;
    KG_MPI_CHECK(MPI_Initialized(&inited));
    if (!inited) {
      // Autograd may run gradient hooks on its own threads: one MPI call at a time, from any.
      int provided = 0;
      KG_MPI_CHECK(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided));
      std::atexit([] {  // unchecked: nothing may throw here
        int fin = 0;
        MPI_Finalized(&fin);
        if (!fin) MPI_Finalize();
      });
    }
    KG_MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &rank_));
    KG_MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &size_));
    MPI_Comm node;
    KG_MPI_CHECK(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node));
    KG_MPI_CHECK(MPI_Comm_rank(node, &local_));
    KG_MPI_CHECK(MPI_Comm_free(&node));
    watchdog_ = std::make_shared<Watchdog>(rank_, size_);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  int local_rank() const override { return local_; }
  std::string backend() const override { return "mpi"; }
  void set_timeout(double seconds) override { watchdog_->set_timeout(seconds); }
  std::shared_ptr<detail::Watch> watch() const { return watchdog_; }

  void broadcast(void* buf, int64_t n, DType t, int root) override {
    std::vector<MPI_Request> reqs;
    for (int64_t a = 0; a < n; a += kMaxCount) {
      reqs.emplace_back();
      KG_MPI_CHECK(MPI_Ibcast(static_cast<char*>(buf) + a * type_size(t), int(std::min(kMaxCount, n - a)),
                              mpi_type(t), root, MPI_COMM_WORLD, &reqs.back()));
    }
    finish(reqs, watchdog_->next(), "MPI_Ibcast");
  }
  void sum(void* buf, int64_t n, DType t) override {
    if (size_ == 1) return;
    start_sum(buf, n, t)->wait();
  }
  std::unique_ptr<Pending> start_sum(void* buf, int64_t n, DType t, void* = nullptr) override {
    if (size_ == 1) return std::make_unique<Done>();
    std::vector<MPI_Request> reqs;
    for (int64_t a = 0; a < n; a += kMaxCount) {
      reqs.emplace_back();
      KG_MPI_CHECK(MPI_Iallreduce(MPI_IN_PLACE, static_cast<char*>(buf) + a * type_size(t),
                                  int(std::min(kMaxCount, n - a)), mpi_type(t), MPI_SUM, MPI_COMM_WORLD,
                                  &reqs.back()));
    }
    return std::make_unique<MpiPending>(std::move(reqs), this, watchdog_->next(), "MPI_Iallreduce");
  }
  void barrier() override {
    std::vector<MPI_Request> reqs(1);
    KG_MPI_CHECK(MPI_Ibarrier(MPI_COMM_WORLD, &reqs[0]));
    finish(reqs, watchdog_->next(), "MPI_Ibarrier");
  }
  [[noreturn]] void abort(int code, const std::string& reason) override {
    log::error("{}", reason);
    MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code);  // MPI_Abort does not return; in case it does
  }

  // Waits for collective `seq`: blocking without a timeout, else under the watchdog.
  void finish(std::vector<MPI_Request>& reqs, int64_t seq, const char* what) {
    if (watchdog_->timeout() <= 0) {
      KG_MPI_CHECK(MPI_Waitall(int(reqs.size()), reqs.data(), MPI_STATUSES_IGNORE));
      return;
    }
    watchdog_->wait(
        [&] {
          int flag = 0;
          KG_MPI_CHECK(MPI_Testall(int(reqs.size()), reqs.data(), &flag, MPI_STATUSES_IGNORE));
          return flag != 0;
        },
        seq, what, [this](const std::string& why) { abort(1, why); });
  }

 private:
  int rank_ = 0, size_ = 1, local_ = 0;
  std::shared_ptr<Watchdog> watchdog_;
};

void MpiPending::wait() {
  if (done_) return;
  comm_->finish(reqs_, seq_, what_);
  done_ = true;
}

#endif  // KGPERT_HAVE_MPI

#ifdef KGPERT_HAVE_MPI
std::shared_ptr<MpiComm> make_mpi() { return std::make_shared<MpiComm>(); }
#else
[[noreturn]] std::shared_ptr<Comm> make_mpi() {
  fail("backend mpi: this kgpert was built without MPI (install libopenmpi-dev and rebuild)");
}
#endif

// NCCL bootstrapped over MPI under a launcher (which then carries its control plane and
// watches its collectives), over the local communicator in one process.
std::shared_ptr<Comm> make_nccl() {
#ifndef KGPERT_HAVE_NCCL
  fail("backend nccl: this kgpert was built without NCCL (build with the CUDA toolkit and NCCL, "
       "-DKGPERT_CUDA=ON)");
#else
  if (launched_by_mpi()) {  // (CMakeLists.txt builds NCCL only with MPI)
    auto mpi = make_mpi();
    return detail::make_nccl_comm(mpi, mpi->watch());
  }
  return detail::make_nccl_comm(std::make_shared<LocalComm>(), std::make_shared<detail::Watch>(0, 1));
#endif
}

}  // namespace

bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE", "MV2_COMM_WORLD_SIZE"})
    if (std::getenv(v)) return true;
  return false;
}

bool have_mpi() {
#ifdef KGPERT_HAVE_MPI
  return true;
#else
  return false;
#endif
}

bool have_nccl() {
#ifdef KGPERT_HAVE_NCCL
  return true;
#else
  return false;
#endif
}

std::string choose_backend(const std::string& configured, bool cuda_tensors) {
  if (configured == "local" || configured == "mpi") return configured;
  if (configured == "nccl") {
    if (!cuda_tensors)
      fail("backend nccl: the training tensors are on the CPU; NCCL sums CUDA tensors (train on a "
           "GPU, or set dist.backend to auto or mpi)");
    return configured;
  }
  if (configured != "auto") fail("unknown communicator backend \"{}\" (auto, local, mpi or nccl)", configured);
  if (!launched_by_mpi()) {
    // srun without an MPI plugin starts N independent copies, each of which would train alone
    // and write the same output.
    const char* tasks = std::getenv("SLURM_STEP_NUM_TASKS");
    if (tasks && std::atol(tasks) > 1)
      fail("srun started {} tasks without MPI (no PMIx/PMI in the environment): launch with "
           "`srun --mpi=pmix` (see `srun --mpi=list`), or one task for one process", tasks);
    return "local";
  }
  return cuda_tensors && have_nccl() ? "nccl" : "mpi";
}

std::shared_ptr<Comm> make_comm(const std::string& backend) {
  const std::string b = backend == "auto" ? choose_backend(backend, false) : backend;
  if (b == "local") return std::make_shared<LocalComm>();
  if (b == "mpi") return make_mpi();
  if (b == "nccl") return make_nccl();
  fail("unknown communicator backend \"{}\" (auto, local, mpi or nccl)", backend);
}

std::shared_ptr<Comm> world_comm(const std::string& backend) {
  static std::mutex m;
  static std::shared_ptr<Comm> world;
  std::lock_guard<std::mutex> lock(m);
  if (!world) {
    world = make_comm(backend);
    log::set_rank(world->rank());  // ranks other than 0 keep stderr for errors
  }
  return world;
}

}  // namespace kg
