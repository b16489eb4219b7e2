// The Trainer's steps one at a time on the planted problem: keeping the best parameters, the
// stop-signal protocol, the epoch budget, and the documented loop of steps being train_model.
#include <gtest/gtest.h>

#include <csignal>
#include <limits>

#include "train/planted.hpp"
#include "train/trainer_steps.hpp"

namespace kg {
namespace {

using namespace kg::planted;

Config steps_config() {
  Config c = small_config("mlp");
  c.train.epochs = 3, c.train.patience = 2;
  return c;
}

TEST(TrainerSteps, KeepBestOnlyWhenThereIsNoneOrAHigherPearson) {
  Planted p;
  const Config c = steps_config();
  const RunOptions ckpt;
  const DataParallel dp;
  Trainer t(c, p.g, p.s, p.split, ckpt, dp);
  t.resume();
  EXPECT_TRUE(t.state().best.empty());
  EXPECT_TRUE(t.keep_best(0.2, 1));
  EXPECT_EQ(t.state().best.size(), t.model().parameters().size());
  EXPECT_FALSE(t.keep_best(std::numeric_limits<double>::quiet_NaN(), 2));
  EXPECT_FALSE(t.keep_best(0.2, 3));  // only higher
  EXPECT_FALSE(t.keep_best(0.1, 4));
  EXPECT_EQ(t.state().best_epoch, 1);
  EXPECT_TRUE(t.keep_best(0.3, 5));
  EXPECT_EQ(t.state().best_epoch, 5);
  EXPECT_EQ(t.state().best_pearson, 0.3);
}

TEST(TrainerSteps, StopRecordsTheStepAndThisRanksErrorsOnlyWhenASignalCame) {
  Planted p;
  const Config c = steps_config();
  int signal = 0;
  RunOptions ckpt;  // no path: nothing written
  ckpt.stop = [&] { return signal; };
  const DataParallel dp;
  Trainer t(c, p.g, p.s, p.split, ckpt, dp);
  t.resume();
  EXPECT_FALSE(t.stop(1, 0.5));
  EXPECT_EQ(t.result().stopped, 0);
  signal = SIGTERM;
  EXPECT_TRUE(t.stop(3, 1.5));
  EXPECT_EQ(t.result().stopped, SIGTERM);
  EXPECT_EQ(t.result().epochs_run, 0);
  EXPECT_EQ(t.state().epoch_steps, 3);
  EXPECT_EQ(t.state().epoch_sse, std::vector<double>{1.5});
}

TEST(TrainerSteps, StopSignalEndsTheEpochAfterThatStep) {
  Planted p;
  const Config c = steps_config();
  int steps = 0;
  RunOptions ckpt;
  ckpt.on_step = [&](const StepLog&) { ++steps; };
  ckpt.stop = [&] { return steps == 2 ? SIGUSR1 : 0; };
  const DataParallel dp;
  Trainer t(c, p.g, p.s, p.split, ckpt, dp);
  t.resume();
  EpochLog log;
  EXPECT_FALSE(t.run_epoch(log));
  EXPECT_EQ(steps, 2);
  EXPECT_EQ(t.result().stopped, SIGUSR1);
  EXPECT_EQ(t.state().epoch_steps, 2);
  EXPECT_EQ(t.state().epochs_run, 0);
  EXPECT_TRUE(t.state().curves.empty());
}

TEST(TrainerSteps, TheLoopOfStepsIsTrainModelAndEndsAtTheEpochBudget) {
  Planted p;
  Config c = steps_config();
  c.train.epochs = 10, c.train.patience = 10;
  RunOptions ckpt;
  ckpt.stop_epoch = 3;
  const DataParallel dp;
  const RunResult whole = train_model(c, p.g, p.s, p.split, {}, ckpt, dp);

  Trainer t(c, p.g, p.s, p.split, ckpt, dp);
  t.resume();
  int64_t epochs = 0;
  while (!t.done()) {
    EpochLog log;
    ASSERT_TRUE(t.run_epoch(log));
    EXPECT_EQ(log.epoch, ++epochs);
    t.end_epoch(log);
    EXPECT_EQ(t.state().epochs_run, epochs);
  }
  EXPECT_EQ(epochs, 3);
  const RunResult r = t.finish();
  EXPECT_EQ(r.epochs_run, 3);
  EXPECT_EQ(r.best_epoch, whole.best_epoch);
  ASSERT_EQ(r.curves.size(), whole.curves.size());
  for (size_t e = 0; e < r.curves.size(); ++e) {
    EXPECT_EQ(r.curves[e].train_loss, whole.curves[e].train_loss);
    EXPECT_EQ(r.curves[e].val_pearson, whole.curves[e].val_pearson);
  }
  EXPECT_EQ(r.test_pred.data, whole.test_pred.data);
  EXPECT_EQ(r.test_metrics, whole.test_metrics);
}

TEST(TrainerSteps, DoneOncePatienceEpochsPassWithoutABetterPearson) {
  Planted p;
  Config c = steps_config();
  c.train.epochs = 50, c.train.patience = 2;
  const RunOptions ckpt;
  const DataParallel dp;
  Trainer t(c, p.g, p.s, p.split, ckpt, dp);
  t.resume();
  EpochLog log;
  ASSERT_TRUE(t.run_epoch(log));
  t.end_epoch(log);  // epoch 1 is the best so far
  EXPECT_FALSE(t.done());
  // A best that no later epoch can beat: done after two more epochs.
  ASSERT_TRUE(t.keep_best(2.0, 1));
  for (int e = 2; e <= 3; ++e) {
    EXPECT_FALSE(t.done()) << e;
    ASSERT_TRUE(t.run_epoch(log));
    t.end_epoch(log);
  }
  EXPECT_TRUE(t.done());
  EXPECT_EQ(t.finish().best_epoch, 1);
}

}  // namespace
}  // namespace kg
