// The local and MPI communicators, and the choice between backends.
#include "dist/comm.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>
#include <vector>

#include "core/error.hpp"

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
  std::unique_ptr<Pending> start_sum(void*, int64_t, DType) override { return std::make_unique<Done>(); }
  void barrier() override {}
  [[noreturn]] void abort(int code, const std::string& reason) override {
    std::cerr << (reason + "\n") << std::flush;
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

void check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char msg[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, msg, &len);
  fail("backend mpi: {} failed: {}", what, std::string(msg, size_t(len)));
}

class MpiPending : public Pending {
 public:
  explicit MpiPending(std::vector<MPI_Request> r) : reqs_(std::move(r)) {}
  ~MpiPending() override {
    if (!done_) MPI_Waitall(int(reqs_.size()), reqs_.data(), MPI_STATUSES_IGNORE);
  }
  bool test() override {
    if (done_) return true;
    int flag = 0;
    check(MPI_Testall(int(reqs_.size()), reqs_.data(), &flag, MPI_STATUSES_IGNORE), "MPI_Testall");
    done_ = flag != 0;
    return done_;
  }
  void wait() override {
    if (done_) return;
    check(MPI_Waitall(int(reqs_.size()), reqs_.data(), MPI_STATUSES_IGNORE), "MPI_Waitall");
    done_ = true;
  }

 private:
  std::vector<MPI_Request> reqs_;
  bool done_ = false;
};

class MpiComm : public Comm {
 public:
  MpiComm() {
    int inited = 0;
    MPI_Initialized(&inited);
    if (!inited) {
      // Autograd may run gradient hooks on its own threads: one MPI call at a time, from any.
      int provided = 0;
      check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided), "MPI_Init_thread");
      std::atexit([] {
        int fin = 0;
        MPI_Finalized(&fin);
        if (!fin) MPI_Finalize();
      });
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    MPI_Comm node;
    check(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node),
          "MPI_Comm_split_type");
    MPI_Comm_rank(node, &local_);
    MPI_Comm_free(&node);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  int local_rank() const override { return local_; }
  std::string backend() const override { return "mpi"; }

  void broadcast(void* buf, int64_t n, DType t, int root) override {
    for (int64_t a = 0; a < n; a += kMaxCount)
      check(MPI_Bcast(static_cast<char*>(buf) + a * type_size(t), int(std::min(kMaxCount, n - a)), mpi_type(t),
                      root, MPI_COMM_WORLD),
            "MPI_Bcast");
  }
  void sum(void* buf, int64_t n, DType t) override {
    if (size_ == 1) return;
    for (int64_t a = 0; a < n; a += kMaxCount)
      check(MPI_Allreduce(MPI_IN_PLACE, static_cast<char*>(buf) + a * type_size(t),
                          int(std::min(kMaxCount, n - a)), mpi_type(t), MPI_SUM, MPI_COMM_WORLD),
            "MPI_Allreduce");
  }
  std::unique_ptr<Pending> start_sum(void* buf, int64_t n, DType t) override {
    if (size_ == 1) return std::make_unique<Done>();
    std::vector<MPI_Request> reqs;
    for (int64_t a = 0; a < n; a += kMaxCount) {
      reqs.emplace_back();
      check(MPI_Iallreduce(MPI_IN_PLACE, static_cast<char*>(buf) + a * type_size(t),
                           int(std::min(kMaxCount, n - a)), mpi_type(t), MPI_SUM, MPI_COMM_WORLD, &reqs.back()),
            "MPI_Iallreduce");
    }
    return std::make_unique<MpiPending>(std::move(reqs));
  }
  void barrier() override { check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier"); }
  [[noreturn]] void abort(int code, const std::string& reason) override {
    std::cerr << (reason + "\n") << std::flush;
    MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code);  // MPI_Abort does not return; in case it does
  }

 private:
  int rank_ = 0, size_ = 1, local_ = 0;
};

#endif  // KGPERT_HAVE_MPI

std::shared_ptr<Comm> make_mpi() {
#ifdef KGPERT_HAVE_MPI
  return std::make_shared<MpiComm>();
#else
  fail("backend mpi: this kgpert was built without MPI (install libopenmpi-dev and rebuild)");
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

std::shared_ptr<Comm> make_comm(const std::string& backend) {
  if (backend == "local") return std::make_shared<LocalComm>();
  if (backend == "auto") {
    if (!launched_by_mpi()) {
      // srun without an MPI plugin starts N independent copies, each of which would train alone
      // and write the same output.
      const char* tasks = std::getenv("SLURM_STEP_NUM_TASKS");
      if (tasks && std::atol(tasks) > 1)
        fail("srun started {} tasks without MPI (no PMIx/PMI in the environment): launch with "
             "`srun --mpi=pmix` (see `srun --mpi=list`), or one task for one process", tasks);
      return std::make_shared<LocalComm>();
    }
    return make_mpi();
  }
  if (backend == "mpi") return make_mpi();
  if (backend == "nccl") {
    if (!have_nccl())
      fail("backend nccl: this kgpert was built without NCCL (build with the CUDA toolkit and NCCL, "
           "-DKGPERT_CUDA=ON)");
    return detail::make_nccl_comm(launched_by_mpi() ? make_mpi() : std::make_shared<LocalComm>());
  }
  fail("unknown communicator backend \"{}\" (auto, local, mpi or nccl)", backend);
}

std::shared_ptr<Comm> world_comm(const std::string& backend) {
  static std::mutex m;
  static std::shared_ptr<Comm> world;
  std::lock_guard<std::mutex> lock(m);
  if (!world) world = make_comm(backend);
  return world;
}

}  // namespace kg
