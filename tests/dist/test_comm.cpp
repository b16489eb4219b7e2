// The communicator without a launcher: the local backend, the choice of backend, and the
// errors for backends that cannot be had (the NCCL one links here, with no GPU to run on).
#include <gtest/gtest.h>

#include <cstdlib>

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

}  // namespace
}  // namespace kg
