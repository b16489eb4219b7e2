// train.device: its resolution, the device-independent pieces checked on the CPU (the run's
// identity, checkpoints, the on-device row Pearsons, run.h5's attributes), and the GPU runs
// (tests named *Cuda*, `ctest -L gpu`), which skip, saying why, where no GPU can be used.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>

#include "core/error.hpp"
#include "train/checkpoint.hpp"
#include "train/device.hpp"
#include "train/metrics.hpp"
#include "train/planted.hpp"
#include "train/run_file.hpp"
#include "train/trainer_steps.hpp"

namespace kg {
namespace {

using namespace kg::planted;

// Skips a test that needs a GPU, with the reason (a CPU-only LibTorch, or no device visible).
#define KG_SKIP_WITHOUT_CUDA()                                      \
  do {                                                              \
    const std::string why = cuda_unavailable_reason();              \
    if (!why.empty()) GTEST_SKIP() << "needs a GPU: " << why;       \
  } while (0)

std::string temp_path(const std::string& name) {
  const auto* t = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string path = ::testing::TempDir() + "/kg_" + t->name() + "_" + name;
  std::remove(path.c_str());
  return path;
}

Config with_device(Config c, const std::string& device) {
  c.train.device = device;
  return c;
}

TEST(Device, CpuIsTheCpu) {
  for (int local_rank : {0, 3}) {
    const TrainDevice d = resolve_device("cpu", local_rank);
    EXPECT_FALSE(d.cuda);
    EXPECT_EQ(d.name(), "cpu");
    EXPECT_EQ(describe_device(d), "cpu");
    EXPECT_EQ(peak_gpu_mb(d), 0.0);
  }
}

TEST(Device, AutoIsTheLocalRanksGpuWhenThereIsOneElseTheCpu) {
  const TrainDevice d = resolve_device("auto", 1);
  if (cuda_unavailable_reason().empty()) {
    EXPECT_TRUE(d.cuda);
    EXPECT_GE(d.index, 0);
    EXPECT_EQ(d.name(), "cuda:" + std::to_string(d.index));
  } else {
    EXPECT_FALSE(d.cuda);
    EXPECT_EQ(d.name(), "cpu");
  }
}

TEST(Device, CudaWithoutAGpuIsAnErrorNamingTheKeyAndWhy) {
  const std::string why = cuda_unavailable_reason();
  if (why.empty()) GTEST_SKIP() << "a GPU is usable here: train.device=cuda resolves (see *Cuda* tests)";
  try {
    resolve_device("cuda", 0);
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("train.device"), std::string::npos) << msg;
    EXPECT_NE(msg.find(why), std::string::npos) << msg;
  }
}

TEST(Device, ConfigRefusesAnotherDevice) {
  EXPECT_EQ(Config::load("").train.device, "auto");
  EXPECT_EQ(Config::load("", {"train.device=cpu"}).train.device, "cpu");
  EXPECT_THROW(Config::load("", {"train.device=gpu"}), Error);
}

TEST(Device, IsNotPartOfTheRunsIdentity) {
  Config a = small_config("gat"), b = a;
  a.train.device = "cpu", b.train.device = "cuda";
  EXPECT_EQ(run_identity(a, "input x: 1\n"), run_identity(b, "input x: 1\n"));
  for (const auto& line : run_identity(a, "")) EXPECT_EQ(line.rfind("train.device", 0), std::string::npos) << line;
}

// A checkpoint written by a run with train.device=cpu resumes under auto (the CPU here) and
// ends as the uninterrupted run, bit for bit; its tensors are the host tensors written.
TEST(Device, CpuCheckpointResumesUnderAutoOnTheCpu) {
  if (cuda_unavailable_reason().empty()) GTEST_SKIP() << "auto is a GPU here: DeviceCuda.CheckpointResumesAcrossDevices";
  Planted p;
  Config c = small_config("gat");
  c.train.epochs = 4;
  c.gat.dropout = 0.2, c.gat.attn_dropout = 0.2, c.gat.fanouts = {1, 1};  // the RNG and sampler state matter
  const RunResult whole = train_model(with_device(c, "cpu"), p.g, p.s, p.split);
  RunOptions ckpt;
  ckpt.path = temp_path("cpu.ckpt");
  ckpt.inputs = "input planted: 1\n";
  run_until_killed(with_device(c, "cpu"), p, ckpt, 2);
  {
    h5::Reader r(ckpt.path);  // what was trained, stored as written
    EXPECT_TRUE(r.has("/params/head.0.weight"));
    EXPECT_TRUE(r.has("/optimizer/exp_avg/head.0.weight"));
    EXPECT_EQ(r.read_strings("/buffers/changed"), std::vector<std::string>{"sample_state"});
  }
  const RunResult resumed = train_model(with_device(c, "auto"), p.g, p.s, p.split, {}, ckpt);
  EXPECT_EQ(resumed.resumed_epoch, 2);
  EXPECT_EQ(resumed.device, "cpu");
  ASSERT_EQ(whole.curves.size(), resumed.curves.size());
  for (size_t e = 0; e < whole.curves.size(); ++e) {
    EXPECT_EQ(whole.curves[e].train_loss, resumed.curves[e].train_loss) << "epoch " << e + 1;
    EXPECT_EQ(whole.curves[e].val_pearson, resumed.curves[e].val_pearson) << "epoch " << e + 1;
  }
  EXPECT_EQ(whole.test_pred.data, resumed.test_pred.data);
  std::remove(ckpt.path.c_str());
}

TEST(Device, TrainerOnTheCpuKeepsEverythingThere) {
  Planted p;
  const Config c = with_device(small_config("gat"), "cpu");
  const RunOptions ckpt;
  const DataParallel dp;
  Trainer t(c, p.g, p.s, p.split, ckpt, dp);
  EXPECT_FALSE(t.device().cuda);
  for (const auto& q : t.model().parameters()) EXPECT_TRUE(q.device().is_cpu());
  for (const auto& b : t.model().buffers()) EXPECT_TRUE(b.device().is_cpu());
}

TEST(RowPearsons, MatchesPearsonRowByRow) {
  torch::manual_seed(3);
  auto a = torch::randn({5, 17}), b = torch::randn({5, 17}) + 0.5 * a;
  b[2].fill_(1.5f);  // a constant row: 0, as pearson() gives
  a[3].fill_(-2.0f);
  const auto r = row_pearsons(a, b);
  ASSERT_EQ(r.scalar_type(), torch::kFloat64);
  ASSERT_EQ(r.size(0), 5);
  for (int64_t i = 0; i < 5; ++i)
    EXPECT_NEAR(r[i].item<double>(), pearson(a[i].data_ptr<float>(), b[i].data_ptr<float>(), 17), 1e-12) << "row " << i;
  EXPECT_EQ(r[2].item<double>(), 0.0);
  EXPECT_EQ(row_pearsons(torch::ones({2, 1}), torch::ones({2, 1})).sum().item<double>(), 0.0);  // G < 2
}

TEST(RunFile, RecordsTheDeviceAndPeakGpuMemory) {
  Planted p;
  Config c = with_device(small_config("mlp"), "cpu");
  c.train.epochs = 1;
  RunResult r = train_model(c, p.g, p.s, p.split);
  EXPECT_EQ(r.device, "cpu");
  EXPECT_EQ(r.peak_gpu_mb, 0.0);
  const std::string path = temp_path("run.h5");
  h5::Provenance prov;
  prov.stage = "train";
  prov.config_yaml = c.to_yaml();
  write_run_file(path, {"mlp", "none", "cold_drug", "", 1}, r, prov);
  RunFile back = read_run_file(path);
  EXPECT_EQ(back.device, "cpu");
  EXPECT_EQ(back.peak_gpu_mb, 0.0);
  r.device = "cuda:1", r.peak_gpu_mb = 123.5;
  write_run_file(path, {"mlp", "none", "cold_drug", "", 1}, r, prov);
  back = read_run_file(path);
  EXPECT_EQ(back.device, "cuda:1");
  EXPECT_EQ(back.peak_gpu_mb, 123.5);
  std::remove(path.c_str());
}

// ---- on a GPU ---------------------------------------------------------------------------------

// Tolerance of a GPU run against the CPU run of the same seed: no dropout (the devices' random
// streams differ), so only float32 arithmetic in another order (atomic adds, other GEMMs)
// separates them, over a few epochs of Adam.
constexpr double kCurveTol = 2e-3;  // relative, losses and Pearsons per epoch
constexpr double kPredTol = 2e-2;   // absolute, test predictions (responses of order 1)

void expect_close_runs(const RunResult& cpu, const RunResult& gpu) {
  ASSERT_EQ(cpu.curves.size(), gpu.curves.size());
  for (size_t e = 0; e < cpu.curves.size(); ++e) {
    const auto &a = cpu.curves[e], &b = gpu.curves[e];
    EXPECT_NEAR(a.train_loss, b.train_loss, kCurveTol * std::abs(a.train_loss)) << "epoch " << e + 1;
    EXPECT_NEAR(a.val_loss, b.val_loss, kCurveTol * std::abs(a.val_loss)) << "epoch " << e + 1;
    EXPECT_NEAR(a.val_pearson, b.val_pearson, kCurveTol) << "epoch " << e + 1;
  }
  ASSERT_EQ(cpu.test_pred.data.size(), gpu.test_pred.data.size());
  float worst = 0;
  for (size_t i = 0; i < cpu.test_pred.data.size(); ++i)
    worst = std::max(worst, std::abs(cpu.test_pred.data[i] - gpu.test_pred.data[i]));
  EXPECT_LT(worst, kPredTol);
}

void expect_gpu_matches_cpu(Config c) {
  Planted p;
  c.train.epochs = 4;
  const RunResult cpu = train_model(with_device(c, "cpu"), p.g, p.s, p.split);
  const RunResult gpu = train_model(with_device(c, "cuda"), p.g, p.s, p.split);
  EXPECT_EQ(cpu.device, "cpu");
  EXPECT_EQ(gpu.device.rfind("cuda:", 0), 0u) << gpu.device;
  EXPECT_GT(gpu.peak_gpu_mb, 0.0);
  expect_close_runs(cpu, gpu);
}

TEST(DeviceCuda, GatTrainingMatchesCpu) {
  KG_SKIP_WITHOUT_CUDA();
  expect_gpu_matches_cpu(small_config("gat"));
}

TEST(DeviceCuda, GatSampledTrainingMatchesCpu) {
  KG_SKIP_WITHOUT_CUDA();
  Config c = small_config("gat");
  c.gat.fanouts = {1, 1};  // the sampler runs on the host from the same seed
  expect_gpu_matches_cpu(c);
}

TEST(DeviceCuda, GatProgramsDecoderWithRidgeStartMatchesCpu) {
  KG_SKIP_WITHOUT_CUDA();
  Config c = small_config("gat");
  c.gat.decoder = "programs", c.gat.program_types = {"gene/protein"}, c.gat.program_init = "ridge";
  expect_gpu_matches_cpu(c);
}

TEST(DeviceCuda, MlpTrainingMatchesCpu) {
  KG_SKIP_WITHOUT_CUDA();
  expect_gpu_matches_cpu(small_config("mlp"));
}

// CPU for epochs 1-2, the GPU for epoch 3, the CPU again to the end: the run of one device
// within the tolerance, and each resume says where it came from.
TEST(DeviceCuda, CheckpointResumesAcrossDevices) {
  KG_SKIP_WITHOUT_CUDA();
  Planted p;
  Config c = small_config("gat");
  c.train.epochs = 5;
  c.gat.fanouts = {1, 1};
  const RunResult whole = train_model(with_device(c, "cpu"), p.g, p.s, p.split);
  RunOptions ckpt;
  ckpt.path = temp_path("across.ckpt");
  ckpt.inputs = "input planted: 1\n";
  run_until_killed(with_device(c, "cpu"), p, ckpt, 2);
  run_until_killed(with_device(c, "cuda"), p, ckpt, 3);  // resumes after 2, written after 3
  {
    h5::Reader r(ckpt.path);
    EXPECT_EQ(r.attr_int("/", "epochs_run"), 3);
  }
  const RunResult resumed = train_model(with_device(c, "cpu"), p.g, p.s, p.split, {}, ckpt);
  EXPECT_EQ(resumed.resumed_epoch, 3);
  expect_close_runs(whole, resumed);
  std::remove(ckpt.path.c_str());
}

TEST(DeviceCuda, TrainerPutsModelTargetsAndOptimizerStateOnTheGpu) {
  KG_SKIP_WITHOUT_CUDA();
  Planted p;
  Config c = with_device(small_config("gat"), "cuda");
  c.gat.fanouts = {1, 1};
  c.train.epochs = 1;
  const RunOptions ckpt;
  const DataParallel dp;
  Trainer t(c, p.g, p.s, p.split, ckpt, dp);
  ASSERT_TRUE(t.device().cuda);
  for (const auto& q : t.model().named_parameters()) EXPECT_TRUE(q.value().is_cuda()) << q.key();
  for (const auto& b : t.model().named_buffers())
    EXPECT_EQ(b.value().is_cuda(), b.key() != "sample_state") << b.key();  // the sampler's stays on the host
  t.resume();
  EpochLog log;
  ASSERT_TRUE(t.run_epoch(log));
  t.end_epoch(log);
  EXPECT_TRUE(std::isfinite(log.val_pearson));
  for (const auto& b : t.state().best) EXPECT_TRUE(b.is_cuda());
}

}  // namespace
}  // namespace kg
