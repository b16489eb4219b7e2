// The communicator without a launcher: the local backend, the choice of backend, and the
// errors for backends that cannot be had (the NCCL one links here, with no GPU to run on); the
// checks of MPI, CUDA and NCCL calls (core/error.hpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

#ifdef KGPERT_HAVE_MPI
#include <mpi.h>
#endif
#ifdef KGPERT_HAVE_NCCL
#include <cuda_runtime.h>
#include <nccl.h>
#endif

#include "core/error.hpp"
#include "dist/comm.hpp"
#include "support/kgtest.hpp"

namespace kg {
namespace {

TEST(Comm, LocalIsOneRankAndCollectivesAreIdentities) {
  auto c = make_comm("local");
  EXPECT_EQ(c->rank(), 0);
  EXPECT_EQ(c->size(), 1);
  EXPECT_EQ(c->backend(), "local");
  std::vector<float> v{1.5f, -2.0f};
  c->sum(v.data(), 2, DType::f32);
  c->broadcast(v.data(), 2, DType::f32, 0);
  auto p = c->start_sum(v.data(), 2, DType::f32);
  EXPECT_TRUE(p->test());
  p->wait();
  EXPECT_EQ(v, (std::vector<float>{1.5f, -2.0f}));
  EXPECT_EQ(c->sum(int64_t(7)), 7);
  EXPECT_DOUBLE_EQ(c->sum(0.25), 0.25);
  EXPECT_EQ(c->gather({3.0, 4.0}), (std::vector<double>{3.0, 4.0}));
}

TEST(Comm, AutoIsLocalOutsideAnMpiLauncher) {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE", "MV2_COMM_WORLD_SIZE"})
    unsetenv(v);
  EXPECT_FALSE(launched_by_mpi());
  EXPECT_EQ(make_comm("auto")->backend(), "local");
  setenv("PMIX_RANK", "0", 1);  // as srun --mpi=pmix sets it
  EXPECT_TRUE(launched_by_mpi());
  unsetenv("PMIX_RANK");
}

TEST(Comm, SrunWithoutMpiIsRefusedRatherThanTrainingNCopies) {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE", "MV2_COMM_WORLD_SIZE"})
    unsetenv(v);
  setenv("SLURM_STEP_NUM_TASKS", "4", 1);  // `srun -n 4` with no MPI plugin
  kgtest::expect_error([] { make_comm("auto"); }, {"srun started 4 tasks without MPI", "srun --mpi=pmix"});
  setenv("SLURM_STEP_NUM_TASKS", "1", 1);  // one task: one process
  EXPECT_EQ(make_comm("auto")->backend(), "local");
  unsetenv("SLURM_STEP_NUM_TASKS");
}

TEST(Comm, UnknownBackendIsNamed) {
  kgtest::expect_error([] { make_comm("gloo"); }, {"\"gloo\"", "auto, local, mpi or nccl"});
}

TEST(Comm, NcclWithoutGpuOrWithoutNcclIsAClearError) {
  // CI machines have the CUDA toolkit and NCCL but no GPU: the backend is built and says so.
  const std::string msg = kgtest::error_of([] { make_comm("nccl"); });
  if (have_nccl()) {
    if (msg.empty()) GTEST_SKIP() << "a CUDA device is present: the NCCL backend started";
    EXPECT_NE(msg.find("backend nccl: rank 0 sees no CUDA device"), std::string::npos) << msg;
  } else {
    EXPECT_NE(msg.find("built without NCCL"), std::string::npos) << msg;
  }
}

// KG_MPI_CHECK, KG_CUDA_CHECK, KG_NCCL_CHECK: the call evaluated once; on a failure a kg::Error
// naming this file and line, the call as written and the library's reason.
std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

TEST(CallChecks, MpiFailureNamesFileLineCallAndReason) {
#ifndef KGPERT_HAVE_MPI
  GTEST_SKIP() << "built without MPI";
#else
  int calls = 0;
  auto status = [&](int rc) { return ++calls, rc; };
  KG_MPI_CHECK(status(MPI_SUCCESS));
  EXPECT_EQ(calls, 1);
  // Before MPI_Init MPI has no error strings (asking aborts): the code.
  int line = 0;
  std::string msg = kgtest::error_of([&] { line = __LINE__; KG_MPI_CHECK(status(MPI_ERR_COUNT)); });
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(msg, fmt::format("{}:{}: status(MPI_ERR_COUNT) failed: MPI error code {}", __FILE__, line, MPI_ERR_COUNT));
  // A real call, MPI started (a singleton, no launcher), errors returned rather than fatal.
  auto comm = make_comm("mpi");
  ASSERT_EQ(comm->size(), 1);
  KG_MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
  int v = 0;
  msg = kgtest::error_of([&] { line = __LINE__; KG_MPI_CHECK(MPI_Bcast(&v, -1, MPI_INT, 0, MPI_COMM_WORLD)); });
  EXPECT_NE(msg.find(fmt::format("{}:{}: MPI_Bcast(&v, -1, MPI_INT, 0, MPI_COMM_WORLD) failed: ", __FILE__, line)),
            std::string::npos)
      << msg;
  EXPECT_NE(lower(msg).find("invalid count"), std::string::npos) << msg;  // MPI_Error_string's text
  KG_MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL));
#endif
}

TEST(CallChecks, CudaAndNcclFailuresNameFileLineCallAndReason) {
#ifndef KGPERT_HAVE_NCCL
  GTEST_SKIP() << "built without CUDA and NCCL";
#else
  KG_CUDA_CHECK(cudaSuccess);
  KG_NCCL_CHECK(ncclSuccess);
  int line = 0;
  std::string msg = kgtest::error_of([&] { line = __LINE__; KG_CUDA_CHECK(cudaErrorInvalidValue); });
  EXPECT_NE(msg.find("test_comm.cpp:" + std::to_string(line) + ": cudaErrorInvalidValue failed: invalid argument"),
            std::string::npos)
      << msg;
  // A real call, no GPU needed: the number of ranks of no communicator.
  int count = 0;
  msg = kgtest::error_of([&] { line = __LINE__; KG_NCCL_CHECK(ncclCommCount(nullptr, &count)); });
  EXPECT_NE(msg.find("test_comm.cpp:" + std::to_string(line) + ": ncclCommCount(nullptr, &count) failed: "
                     "invalid argument"),
            std::string::npos)
      << msg;
#endif
}

}  // namespace
}  // namespace kg
