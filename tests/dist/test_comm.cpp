// The communicator without a launcher: the local backend, the choice of backend, and the
// errors for backends that cannot be had (the NCCL one links here, with no GPU to run on); the
// deadline of collectives (dist/watchdog); the checks of MPI, CUDA and NCCL calls
// (core/error.hpp); NCCL on one GPU where there is one (Nccl*, skipped otherwise).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
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
#include "dist/watchdog.hpp"
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

void unset_launcher() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE", "MV2_COMM_WORLD_SIZE"})
    unsetenv(v);
}

TEST(Comm, ChooseBackendPicksNcclForCudaTensorsUnderALauncher) {
  unset_launcher();
  // One process: nothing to sum across, whatever the tensors.
  EXPECT_EQ(choose_backend("auto", false), "local");
  EXPECT_EQ(choose_backend("auto", true), "local");
  setenv("PMIX_RANK", "0", 1);
  EXPECT_EQ(choose_backend("auto", false), "mpi");
  EXPECT_EQ(choose_backend("auto", true), have_nccl() ? "nccl" : "mpi");
  unsetenv("PMIX_RANK");
  // What is named is kept; nccl only for CUDA tensors.
  for (bool cuda : {false, true}) {
    EXPECT_EQ(choose_backend("local", cuda), "local");
    EXPECT_EQ(choose_backend("mpi", cuda), "mpi");
  }
  EXPECT_EQ(choose_backend("nccl", true), "nccl");
  kgtest::expect_error([] { choose_backend("nccl", false); },
                       {"backend nccl: the training tensors are on the CPU", "dist.backend"});
  kgtest::expect_error([] { choose_backend("gloo", true); }, {"\"gloo\"", "auto, local, mpi or nccl"});
  setenv("SLURM_STEP_NUM_TASKS", "2", 1);
  kgtest::expect_error([] { choose_backend("auto", true); }, {"srun started 2 tasks without MPI"});
  unsetenv("SLURM_STEP_NUM_TASKS");
}

// The deadline every backend waits under (a stand-in for a collective that never completes).
TEST(Watch, CollectiveNotCompleteAfterTheTimeoutAbortsWithTheMessage) {
  detail::Watch w(0, 1);
  w.set_timeout(0.05);
  const int64_t seq = w.next();
  EXPECT_EQ(seq, 1);
  std::string why;
  int polls = 0;
  const auto t0 = std::chrono::steady_clock::now();
  w.wait([&] { return ++polls, false; }, seq, "ncclAllReduce", [&](const std::string& m) { why = m; });
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(why, "kgpert: rank 0 of 1: ncclAllReduce (collective #1) not complete after 0.05 s (dist.timeout_s): "
                 "one rank: the collective itself is stuck; aborting the job");
  EXPECT_GE(took, 0.05);
  EXPECT_LT(took, 1.0);
  EXPECT_GT(polls, 10);  // polled, not one blocking wait
}

TEST(Watch, CollectiveThatCompletesEndsTheWaitWithoutAbort) {
  for (double timeout : {0.0, 30.0}) {  // 0: no deadline
    detail::Watch w(1, 4);
    w.set_timeout(timeout);
    int polls = 0;
    bool aborted = false;
    w.wait([&] { return ++polls == 50; }, w.next(), "ncclAllReduce", [&](const std::string&) { aborted = true; });
    EXPECT_EQ(polls, 50);
    EXPECT_FALSE(aborted);
  }
  EXPECT_EQ(detail::timeout_message(1, 4, "MPI_Ibarrier", 7, 2.5, "rank 3 (no answer) did not arrive"),
            "kgpert: rank 1 of 4: MPI_Ibarrier (collective #7) not complete after 2.5 s (dist.timeout_s): "
            "rank 3 (no answer) did not arrive; aborting the job");
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

// NCCL on one GPU, one process (no launcher: bootstrapped over the local communicator). Skipped
// where this build has no NCCL or no CUDA device is visible.
std::shared_ptr<Comm> nccl_or_skip(std::string& why) {
  unset_launcher();
  std::shared_ptr<Comm> c;
  if (!have_nccl()) {
    why = "built without NCCL";
    return c;
  }
  why = kgtest::error_of([&] { c = make_comm("nccl"); });
  if (!c && why.find("sees no CUDA device") != std::string::npos) why = "no CUDA device visible: " + why;
  else if (!c) ADD_FAILURE() << why;
  return c;
}

TEST(Nccl, OneRankDataPlaneOnDeviceBuffersAfterTheWritingStream) {
#ifndef KGPERT_HAVE_NCCL
  GTEST_SKIP() << "built without NCCL";
#else
  std::string why;
  auto c = nccl_or_skip(why);
  if (!c) GTEST_SKIP() << why;
  EXPECT_EQ(c->backend(), "nccl");
  EXPECT_TRUE(c->device_buffers());
  c->set_timeout(30);
  const std::vector<float> host{1.5f, -2.0f, 3.25f, 0.0f};
  float* d = nullptr;
  KG_CUDA_CHECK(cudaMalloc(&d, host.size() * sizeof(float)));
  cudaStream_t s;
  KG_CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  // Written on a stream of its own: the collective must come after the copy, with no host wait.
  KG_CUDA_CHECK(cudaMemcpyAsync(d, host.data(), host.size() * sizeof(float), cudaMemcpyHostToDevice, s));
  auto p = c->start_sum(d, int64_t(host.size()), DType::f32, s);
  p->wait();
  EXPECT_TRUE(p->test());
  std::vector<float> back(host.size());
  KG_CUDA_CHECK(cudaMemcpy(back.data(), d, host.size() * sizeof(float), cudaMemcpyDeviceToHost));
  EXPECT_EQ(back, host);  // one rank: the sum is itself
  c->broadcast_data(d, int64_t(host.size()), DType::f32, 0);
  KG_CUDA_CHECK(cudaMemcpy(back.data(), d, host.size() * sizeof(float), cudaMemcpyDeviceToHost));
  EXPECT_EQ(back, host);
  // The planes take their own memory: a device buffer for the control plane, or a host one for
  // the data plane, is a bug caught before it reaches MPI or NCCL.
  std::vector<float> h = host;
  c->sum(h.data(), int64_t(h.size()), DType::f32);
  EXPECT_EQ(h, host);
  EXPECT_EQ(c->gather({2.0}), std::vector<double>{2.0});
  EXPECT_THROW(c->sum(d, 4, DType::f32), InternalError);
  EXPECT_THROW(c->start_sum(h.data(), 4, DType::f32), InternalError);
  KG_CUDA_CHECK(cudaStreamDestroy(s));
  KG_CUDA_CHECK(cudaFree(d));
#endif
}

}  // namespace
}  // namespace kg
