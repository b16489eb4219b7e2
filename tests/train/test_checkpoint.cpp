// Checkpoints and exact resume (a run killed after epoch k and resumed ends bitwise as an
// uninterrupted one), refusal of another run's checkpoint, the optimizers and lr schedules,
// and that the test set chooses nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>

#include "core/error.hpp"
#include "support/kgtest.hpp"
#include "train/checkpoint.hpp"
#include "train/optim.hpp"
#include "train/planted.hpp"

namespace kg {
namespace {

using namespace kg::planted;

void expect_same_run(const RunResult& a, const RunResult& b) {
  ASSERT_EQ(a.curves.size(), b.curves.size());
  for (size_t e = 0; e < a.curves.size(); ++e) {  // bitwise: EXPECT_EQ on doubles
    EXPECT_EQ(a.curves[e].epoch, b.curves[e].epoch);
    EXPECT_EQ(a.curves[e].train_loss, b.curves[e].train_loss) << "epoch " << e + 1;
    EXPECT_EQ(a.curves[e].val_loss, b.curves[e].val_loss) << "epoch " << e + 1;
    EXPECT_EQ(a.curves[e].val_pearson, b.curves[e].val_pearson) << "epoch " << e + 1;
    EXPECT_EQ(a.curves[e].lr, b.curves[e].lr) << "epoch " << e + 1;
  }
  EXPECT_EQ(a.best_epoch, b.best_epoch);
  EXPECT_EQ(a.epochs_run, b.epochs_run);
  EXPECT_EQ(a.val_metrics, b.val_metrics);
  EXPECT_EQ(a.test_metrics, b.test_metrics);
  EXPECT_EQ(a.test_pred.data, b.test_pred.data);  // the final (best) parameters' predictions
}

// A fresh checkpoint path named after the running test (ctest -j runs tests side by side).
std::string ckpt_path(const std::string& name) {
  const auto* t = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string path = ::testing::TempDir() + "/kg_" + t->name() + "_" + name + ".ckpt";
  std::remove(path.c_str());
  return path;
}

// Uninterrupted, then killed after `kill_after` and resumed: the same run, bit for bit.
void expect_exact_resume(const Config& c, int64_t kill_after, int64_t resumed_from) {
  Planted p;
  const RunResult whole = train_model(c, p.g, p.s, p.split);
  RunOptions ckpt;
  ckpt.path = ckpt_path(c.model + std::to_string(kill_after));
  ckpt.inputs = "input planted: 1\n";
  run_until_killed(c, p, ckpt, kill_after);
  std::string logged;
  ckpt.log = [&](const std::string& line) { logged += line + "\n"; };
  const RunResult resumed = train_model(c, p.g, p.s, p.split, {}, ckpt);
  EXPECT_EQ(resumed.resumed_epoch, resumed_from);
  EXPECT_NE(logged.find("resuming from checkpoint \"" + ckpt.path + "\" after epoch " +
                        std::to_string(resumed_from)),
            std::string::npos)
      << logged;
  expect_same_run(whole, resumed);
  std::remove(ckpt.path.c_str());
}

Config gat_with_dropout() {
  Config c = small_config("gat");
  c.train.epochs = 6;
  c.gat.dropout = 0.2, c.gat.attn_dropout = 0.2;  // the RNG state matters
  c.train.lr_schedule = "cosine";
  return c;
}

TEST(Checkpoint, GatResumedAfterKillEqualsUninterruptedRun) {
  expect_exact_resume(gat_with_dropout(), 3, 3);
}

TEST(Checkpoint, GatSampledNeighboursResumeExactly) {
  // With fanouts the model draws neighbour samples as it trains, from a step counter kept in
  // a buffer. One neighbour per layer: drugs have two targets, so the draws matter.
  Config c = gat_with_dropout();
  c.gat.fanouts = {1, 1};
  expect_exact_resume(c, 2, 2);
}

TEST(Checkpoint, FittedStartResumesAsTheBestSoFar) {
  // The best parameters are the fitted start's (best_epoch 0) when the run is killed: the
  // checkpoint must hold them, and the resumed run must neither refit nor lose them.
  expect_exact_resume(fitted_start_config(), 2, 2);
}

TEST(Checkpoint, MlpWithAdamWAndPlateauResumesExactlyThroughEarlyStopping) {
  // lr 0.03 plateaus within a few epochs: the lr halvings and the early stop happen after the
  // resume, so they depend on the restored best epoch, counters and lr scale.
  Config c = small_config("mlp");
  c.mlp.dropout = 0.3;
  c.train.optimizer = "adamw", c.train.weight_decay = 0.01;
  c.train.lr = 0.03, c.train.patience = 4, c.train.epochs = 60;
  c.train.lr_schedule = "plateau", c.train.lr_patience = 2;
  Planted p;
  const RunResult whole = train_model(c, p.g, p.s, p.split);
  ASSERT_LT(whole.epochs_run, c.train.epochs);  // it did stop early
  ASSERT_LT(whole.curves.back().lr, c.train.lr);  // the plateau schedule halved it
  // Kills with the plateau count at 0 and 1, just before the stop, and after it.
  for (int64_t k : {int64_t(1), whole.best_epoch, whole.best_epoch + 1, whole.epochs_run - 1, whole.epochs_run})
    expect_exact_resume(c, k, k);
}

TEST(Checkpoint, EveryThirdEpochResumesFromTheLastOneWritten) {
  Config c = gat_with_dropout();
  c.train.checkpoint_every = 3;
  expect_exact_resume(c, 5, 3);  // killed after epoch 5: epochs 4 and 5 run again
}

TEST(Checkpoint, ConfigChangeIsRefusedNamingFileAndKey) {
  Planted p;
  Config c = small_config("mlp");
  c.train.epochs = 4;
  RunOptions ckpt;
  ckpt.path = ckpt_path("refuse");
  ckpt.inputs = "input graph.h5: 10 bytes, xxh3 00000000000000aa\n";
  run_until_killed(c, p, ckpt, 2);

  Config other = c;
  other.train.lr = 0.002;
  kgtest::expect_error([&] { train_model(other, p.g, p.s, p.split, {}, ckpt); },
                       {ckpt.path, "another run", "\"train.lr\" is 0.003 there, 0.002 here", "delete it"});
  RunOptions other_inputs = ckpt;
  other_inputs.inputs = "input graph.h5: 10 bytes, xxh3 00000000000000bb\n";
  kgtest::expect_error([&] { train_model(c, p.g, p.s, p.split, {}, other_inputs); },
                       {ckpt.path, "\"input graph.h5\" is 10 bytes, xxh3 00000000000000aa there"});
  EXPECT_TRUE(std::filesystem::exists(ckpt.path));  // refused, not removed

  // Threads and checkpoint frequency do not make another run (a warning for threads).
  Config more_threads = c;
  more_threads.threads = 2, more_threads.train.checkpoint_every = 2;
  std::string logged;
  ckpt.log = [&](const std::string& line) { logged += line + "\n"; };
  EXPECT_EQ(train_model(more_threads, p.g, p.s, p.split, {}, ckpt).resumed_epoch, 2);
  EXPECT_NE(logged.find("written with 1 threads, this run has 2"), std::string::npos) << logged;
  std::remove(ckpt.path.c_str());
}

TEST(Checkpoint, NotACheckpointIsAnError) {
  Planted p;
  RunOptions ckpt;
  ckpt.path = ckpt_path("garbage");
  { std::FILE* f = std::fopen(ckpt.path.c_str(), "w"); std::fputs("not hdf5", f); std::fclose(f); }
  kgtest::expect_error([&] { train_model(small_config("mlp"), p.g, p.s, p.split, {}, ckpt); },
                       {ckpt.path, "not an HDF5 file"});
  std::remove(ckpt.path.c_str());
}

TEST(Checkpoint, LayoutHoldsOptimizerRngAndState) {
  Planted p;
  Config c = small_config("gat");
  c.train.epochs = 2;
  RunOptions ckpt;
  ckpt.path = ckpt_path("layout");
  run_until_killed(c, p, ckpt, 2);
  h5::Reader r(ckpt.path);
  EXPECT_EQ(r.attr_string("/", "format"), "kgpert-checkpoint-2");
  EXPECT_EQ(r.attr_int("/", "epochs_run"), 2);
  EXPECT_EQ(r.attr_int("/", "epoch_steps"), 0);      // at an epoch's end
  EXPECT_TRUE(r.read<double>("/epoch_sse").empty());
  const int64_t steps_per_epoch = (int64_t(p.split.train.size()) + c.train.batch_size - 1) / c.train.batch_size;
  auto steps = r.read<int64_t>("/optimizer/step");
  EXPECT_EQ(*std::max_element(steps.begin(), steps.end()), 2 * steps_per_epoch);
  EXPECT_EQ(r.read<int64_t>("/curves/epoch"), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(r.shape("/rng/torch_cpu").size(), 1u);
  EXPECT_TRUE(r.has("/params/head.0.weight"));
  EXPECT_TRUE(r.has("/best/head.0.weight"));
  EXPECT_TRUE(r.has("/optimizer/exp_avg_sq/head.0.weight"));
  // The constant buffers (features, edges) are stored as checksums only.
  EXPECT_FALSE(r.has("/buffers/node_perm"));
  EXPECT_TRUE(r.read_strings("/buffers/changed").empty());  // no sampling, nothing changed
  std::remove(ckpt.path.c_str());
}

TEST(Checkpoint, StopSignalMidEpochCheckpointsThatStepAndTheRerunGoesOnFromIt) {
  // The GAT with neighbour sampling and dropout: the sampler's counter and the generator must
  // be those of the step the run stopped after.
  Config c = small_config("gat");
  c.gat.fanouts = {3, 3};
  c.train.epochs = 4;
  c.train.checkpoint_every = 1;
  Planted p;
  const RunResult whole = train_model(c, p.g, p.s, p.split);
  const int64_t steps_per_epoch = (int64_t(p.split.train.size()) + c.train.batch_size - 1) / c.train.batch_size;
  ASSERT_GT(steps_per_epoch, 3);
  RunOptions ckpt;
  ckpt.path = ckpt_path("stop");
  ckpt.inputs = "input planted: 1\n";
  int64_t polls = 0;
  const int64_t stop_at = steps_per_epoch + 3;  // after the 3rd step of epoch 2
  ckpt.stop = [&] { return ++polls == stop_at ? 15 : 0; };
  const RunResult stopped = train_model(c, p.g, p.s, p.split, {}, ckpt);
  EXPECT_EQ(stopped.stopped, 15);
  EXPECT_EQ(stopped.epochs_run, 1);
  EXPECT_TRUE(stopped.test_metrics.empty());
  {
    h5::Reader r(ckpt.path);
    EXPECT_EQ(r.attr_int("/", "epochs_run"), 1);
    EXPECT_EQ(r.attr_int("/", "epoch_steps"), 3);
    const auto sse = r.read<double>("/epoch_sse");
    ASSERT_EQ(sse.size(), 1u);
    EXPECT_GT(sse[0], 0);
    auto steps = r.read<int64_t>("/optimizer/step");
    EXPECT_EQ(*std::max_element(steps.begin(), steps.end()), stop_at);
  }
  std::string logged;
  ckpt.log = [&](const std::string& line) { logged += line + "\n"; };
  ckpt.stop = [] { return 0; };
  const RunResult resumed = train_model(c, p.g, p.s, p.split, {}, ckpt);
  EXPECT_NE(logged.find("after epoch 1 and 3 steps of epoch 2"), std::string::npos) << logged;
  EXPECT_EQ(resumed.stopped, 0);
  expect_same_run(whole, resumed);
  std::remove(ckpt.path.c_str());
}

TEST(Optim, AdamWDecaysDecoupledAdamAddsL2ToGradient) {
  // Zero loss gradient, one step, lr 0.01, weight decay 0.1. AdamW: p·(1 − lr·wd), and the
  // Adam step on a zero gradient is 0. Adam: the gradient is wd·p, which the first step
  // normalises to sign(p): p − lr·sign(p).
  for (const std::string kind : {"adam", "adamw"}) {
    auto p = torch::tensor({2.0f, -3.0f}).requires_grad_();
    TrainConfig tc;
    tc.optimizer = kind, tc.lr = 0.01, tc.weight_decay = 0.1;
    auto opt = make_optimizer(tc, {p});
    (p * 0).sum().backward();
    opt->step();
    const auto got = p.detach();
    if (kind == "adamw") {
      EXPECT_FLOAT_EQ(got[0].item<float>(), 2.0f * 0.999f);
      EXPECT_FLOAT_EQ(got[1].item<float>(), -3.0f * 0.999f);
    } else {
      EXPECT_NEAR(got[0].item<float>(), 1.99f, 1e-6);
      EXPECT_NEAR(got[1].item<float>(), -2.99f, 1e-6);
    }
  }
}

TEST(Optim, CosineSchedule) {
  TrainConfig tc;
  tc.lr = 1, tc.epochs = 4, tc.lr_schedule = "cosine";
  LrSchedule s(tc);
  EXPECT_DOUBLE_EQ(s.lr(1), 1.0);
  EXPECT_NEAR(s.lr(2), 0.5 * (1 + std::sqrt(0.5)), 1e-15);
  EXPECT_NEAR(s.lr(3), 0.5, 1e-15);
  EXPECT_NEAR(s.lr(4), 0.5 * (1 - std::sqrt(0.5)), 1e-15);
  s.end_epoch(false), s.end_epoch(false);  // no effect on cosine
  EXPECT_NEAR(s.lr(3), 0.5, 1e-15);
}

TEST(Optim, PlateauHalvesAfterPatienceEpochsWithoutGain) {
  TrainConfig tc;
  tc.lr = 0.8, tc.lr_schedule = "plateau", tc.lr_patience = 2;
  LrSchedule s(tc);
  const bool improved[] = {true, false, false, false, true, false, false};
  const double lr_next[] = {0.8, 0.8, 0.4, 0.4, 0.4, 0.4, 0.2};  // lr of the epoch after each
  for (size_t e = 0; e < 7; ++e) {
    s.end_epoch(improved[e]);
    EXPECT_EQ(s.lr(int64_t(e) + 2), lr_next[e]) << "after epoch " << e + 1;
  }
  tc.lr_schedule = "none";
  EXPECT_EQ(LrSchedule(tc).lr(7), 0.8);
}

TEST(Optim, TrainerFollowsTheSchedule) {
  Planted p;
  Config c = small_config("mlp");
  c.train.epochs = 5, c.train.lr = 0.01, c.train.lr_schedule = "cosine";
  RunResult r = train_model(c, p.g, p.s, p.split);
  ASSERT_EQ(r.curves.size(), 5u);
  for (const auto& e : r.curves)
    EXPECT_DOUBLE_EQ(e.lr, 0.01 * 0.5 * (1 + std::cos(M_PI * double(e.epoch - 1) / 5)));
}

TEST(Trainer, TestSetChoosesNothing) {
  // Garbage test targets change the test metrics and nothing else: the curves, the best epoch
  // and the validation metrics come from the training and validation sets alone.
  Planted p;
  Config c = small_config("mlp");
  c.train.epochs = 12, c.train.patience = 3, c.train.lr = 0.03;
  c.train.lr_schedule = "plateau", c.train.lr_patience = 1;
  const RunResult clean = train_model(c, p.g, p.s, p.split);
  for (int64_t i : p.split.test)
    for (int k = 0; k < kGenes; ++k) p.s.y.row(i)[k] = float(std::sin(3.3 * double(i * kGenes + k))) * 50;
  const RunResult garbage = train_model(c, p.g, p.s, p.split);
  EXPECT_EQ(clean.best_epoch, garbage.best_epoch);
  EXPECT_EQ(clean.val_metrics, garbage.val_metrics);
  EXPECT_EQ(clean.test_pred.data, garbage.test_pred.data);
  ASSERT_EQ(clean.curves.size(), garbage.curves.size());
  for (size_t e = 0; e < clean.curves.size(); ++e) {
    EXPECT_EQ(clean.curves[e].val_pearson, garbage.curves[e].val_pearson);
    EXPECT_EQ(clean.curves[e].lr, garbage.curves[e].lr);
  }
  EXPECT_GT(std::abs(metric(clean.test_metrics, "mse") - metric(garbage.test_metrics, "mse")), 1.0);
}

}  // namespace
}  // namespace kg
