// NCCL data parallelism under `mpirun -np 2`, one GPU per rank (skipped, saying why, where this
// build has no NCCL or a rank sees fewer CUDA devices than there are ranks on its machine): the
// buckets of GradReducer summed over NCCL equal those summed over MPI; rank 0's parameters
// reach every rank; and, run alone by tests/faults/nccl_stall.sh, a rank that never arrives
// at an all-reduce ends the job after dist.timeout_s.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include <fmt/format.h>

#include "dist/comm.hpp"
#include "train/ddp.hpp"

namespace kg {
namespace {

// This job's NCCL communicator, or why not (the same answer on every rank: a rank alone
// making one would wait for ever for the others).
std::shared_ptr<Comm> nccl_comm(std::string& why) {
  auto mpi = world_comm("mpi");
  const int64_t gpus = int64_t(torch::cuda::device_count());
  bool can = have_nccl() && gpus > 0;
  if (!have_nccl()) why = "built without NCCL";
  else if (gpus == 0) why = "no CUDA device visible (or a CPU-only LibTorch)";
  // Ranks of one machine share its GPUs: NCCL refuses two ranks on one device.
  const int64_t able = mpi->sum(int64_t(can && mpi->local_rank() < gpus));
  if (able < mpi->size()) {
    if (why.empty()) why = fmt::format("needs one CUDA device per rank: {} of {} ranks have one", able, mpi->size());
    return nullptr;
  }
  return make_comm("nccl");
}

torch::Device gpu_of(const Comm& c) {
  return {torch::kCUDA, torch::DeviceIndex(c.local_rank() % int(torch::cuda::device_count()))};
}

// The gradients every rank computes on its GPU for its own input, summed by GradReducer over
// `comm`: [w1, w2, w3 (used by rank 0 only), w4 (used by none)], on the CPU.
std::vector<torch::Tensor> summed_gradients(const std::shared_ptr<Comm>& comm, torch::Device dev) {
  torch::manual_seed(3);  // the same parameters on every rank
  std::vector<torch::Tensor> ps;
  for (auto shape : {std::vector<int64_t>{17, 5}, {5}, {3, 3}, {2}})
    ps.push_back(torch::randn(shape).to(dev).set_requires_grad(true));
  GradReducer red(comm, ps, 64);  // buckets of 64 bytes: several, launched during backward
  EXPECT_GT(red.num_buckets(), 2);
  red.begin();
  auto x = torch::linspace(-1, 1, 4 * 17).reshape({4, 17}).to(dev) * (1.0 + comm->rank());
  auto loss = (x.matmul(ps[0]).tanh() * ps[1]).sum();
  if (comm->rank() == 0) loss = loss + (ps[2] * ps[2]).sum();
  loss.backward();
  red.finish();
  std::vector<torch::Tensor> g;
  for (auto& p : ps) g.push_back(p.grad().defined() ? p.grad().cpu() : torch::Tensor());
  return g;
}

TEST(NcclDataParallel, BucketedGradientSumsEqualMpisOnTheSameGradients) {
  std::string why;
  auto nccl = nccl_comm(why);
  if (!nccl) GTEST_SKIP() << why;
  const auto dev = gpu_of(*nccl);
  // The same CUDA gradients summed over NCCL (buckets on the GPU) and over MPI (buckets in
  // host memory): with 2 ranks a + b either way, bit for bit.
  const auto over_nccl = summed_gradients(nccl, dev);
  const auto over_mpi = summed_gradients(world_comm("mpi"), dev);
  ASSERT_EQ(over_nccl.size(), over_mpi.size());
  for (size_t k = 0; k < 3; ++k) {
    ASSERT_TRUE(over_nccl[k].defined() && over_mpi[k].defined()) << k;
    if (nccl->size() == 2) EXPECT_TRUE(torch::equal(over_nccl[k], over_mpi[k])) << k;
    else EXPECT_TRUE(torch::allclose(over_nccl[k], over_mpi[k], 1e-6, 1e-6)) << k;
  }
  EXPECT_FALSE(over_nccl[3].defined());  // no rank used it: as in one process
  EXPECT_FALSE(over_mpi[3].defined());
}

TEST(NcclDataParallel, BroadcastModuleGivesEveryRankRankZerosParameters) {
  std::string why;
  auto nccl = nccl_comm(why);
  if (!nccl) GTEST_SKIP() << why;
  torch::nn::Linear lin(3, 2);
  lin->to(gpu_of(*nccl));
  {
    torch::NoGradGuard ng;
    for (auto& p : lin->parameters()) p.fill_(float(nccl->rank() + 1));
  }
  auto cpu_buffer = torch::full({4}, double(nccl->rank()), torch::kFloat64);  // over the control plane
  broadcast_module(*nccl, *lin, {cpu_buffer});
  for (auto& p : lin->parameters()) EXPECT_TRUE(torch::all(p.cpu() == 1.0f).item<bool>());
  EXPECT_TRUE(torch::all(cpu_buffer == 0.0).item<bool>());
}

// Ends the job (MPI_Abort): only with KGPERT_NCCL_STALL=1, from tests/faults/nccl_stall.sh,
// which checks the message and the exit status.
TEST(NcclDataParallel, StalledRankEndsTheJobAfterTheTimeout) {
  if (!std::getenv("KGPERT_NCCL_STALL")) GTEST_SKIP() << "ends the job: run by tests/faults/nccl_stall.sh";
  std::string why;
  auto nccl = nccl_comm(why);
  if (!nccl) GTEST_SKIP() << why;
  nccl->set_timeout(3);
  auto buf = torch::ones({1000}, torch::TensorOptions(torch::kFloat32).device(gpu_of(*nccl)));
  if (nccl->rank() == 1) {  // stuck outside collectives: never arrives, never answers
    std::this_thread::sleep_for(std::chrono::seconds(60));
    FAIL() << "rank 1 outlived the job";
  }
  nccl->start_sum(buf.data_ptr(), buf.numel(), DType::f32)->wait();
  FAIL() << "the all-reduce completed without rank 1";
}

}  // namespace
}  // namespace kg
