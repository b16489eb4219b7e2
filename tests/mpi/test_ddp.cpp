// Data-parallel training under `mpirun -np 2` (registered in tests/CMakeLists.txt): R ranks
// with local batch b follow one process with batch R*b step by step, on the planted problem of
// the trainer tests, for the GAT (full neighbourhoods) and the MLP, with signatures
// owned by position or by their drug's part. (With neighbour sampling each rank samples the
// computation graph of its own share; a node that one process reaches at two depths of the
// union may be sampled at another depth: the same distribution, not the same draws.)
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "dist/comm.hpp"
#include "train/planted.hpp"
#include "train/trainer.hpp"

namespace kg {
namespace {

using namespace kg::planted;

struct Followed {
  RunResult result;
  std::vector<std::vector<float>> params;  // after every step
};

Followed follow(const Config& cfg, const Planted& p, std::shared_ptr<Comm> comm, std::vector<int32_t> sig_rank = {}) {
  Followed f;
  DataParallel dp;
  dp.comm = std::move(comm);
  dp.sig_rank = std::move(sig_rank);
  dp.after_step = [&](int64_t step, const std::vector<float>& params) {
    EXPECT_EQ(step, int64_t(f.params.size()) + 1);
    f.params.push_back(params);
  };
  f.result = train_model(cfg, p.g, p.s, p.split, {}, {}, dp);
  return f;
}

// Runs the config on every rank with this job's communicator (batch b) and in one process
// (batch R*b), and compares parameters after every step, the curves and the metrics.
void expect_equivalent(Config c, const std::vector<int32_t>& sig_rank = {}) {
  auto world = world_comm("mpi");
  const int R = world->size();
  ASSERT_GE(R, 2) << "run this test under mpirun -np 2 (or more)";
  Planted p;
  Config one = c;
  one.train.batch_size = c.train.batch_size * R;
  Followed ref = follow(one, p, make_comm("local"));
  Followed dist = follow(c, p, world, sig_rank);

  ASSERT_EQ(dist.params.size(), ref.params.size());
  ASSERT_GT(ref.params.size(), 10u);
  double worst = 0;
  for (size_t k = 0; k < ref.params.size(); ++k) {
    ASSERT_EQ(dist.params[k].size(), ref.params[k].size());
    double d = 0;
    for (size_t i = 0; i < ref.params[k].size(); ++i)
      d = std::max(d, double(std::abs(dist.params[k][i] - ref.params[k][i])));
    EXPECT_LE(d, 1e-5) << "step " << k + 1 << " of " << ref.params.size();
    worst = std::max(worst, d);
  }
  // Every rank holds the same parameters: their sum is R times rank 0's.
  std::vector<float> mine = dist.params.back(), sum = mine, first = mine;
  world->sum(sum.data(), int64_t(sum.size()), DType::f32);
  world->broadcast(first.data(), int64_t(first.size()), DType::f32, 0);
  for (size_t i = 0; i < mine.size(); ++i) ASSERT_EQ(mine[i], first[i]) << "rank " << world->rank();
  for (size_t i = 0; i < mine.size(); ++i) ASSERT_NEAR(sum[i], R * mine[i], 1e-4 * (1 + std::abs(mine[i])));

  ASSERT_EQ(dist.result.curves.size(), ref.result.curves.size());
  for (size_t e = 0; e < ref.result.curves.size(); ++e) {
    EXPECT_NEAR(dist.result.curves[e].train_loss, ref.result.curves[e].train_loss, 1e-5);
    EXPECT_NEAR(dist.result.curves[e].val_pearson, ref.result.curves[e].val_pearson, 1e-5);
  }
  EXPECT_EQ(dist.result.best_epoch, ref.result.best_epoch);
  ASSERT_EQ(dist.result.test_metrics.size(), ref.result.test_metrics.size());
  for (size_t m = 0; m < ref.result.test_metrics.size(); ++m) {
    EXPECT_NEAR(dist.result.test_metrics[m].second, ref.result.test_metrics[m].second, 1e-4)
        << dist.result.test_metrics[m].first;
    EXPECT_NEAR(dist.result.val_metrics[m].second, ref.result.val_metrics[m].second, 1e-4)
        << dist.result.val_metrics[m].first;
  }
  EXPECT_EQ(dist.result.ranks, R);
  if (world->rank() == 0)
    std::printf("%s, %d ranks: %zu steps, largest parameter difference %.2e, test pearson %.4f vs %.4f\n",
                c.model.c_str(), R, ref.params.size(), worst, metric(dist.result.test_metrics, "pearson"),
                metric(ref.result.test_metrics, "pearson"));
}

Config equivalence_config(const std::string& model) {
  Config c = small_config(model);
  c.train.epochs = 4;
  c.train.batch_size = 8;
  c.dist.bucket_mb = 0.01;  // several buckets, launched during backward
  return c;
}

TEST(DataParallel, GatFullNeighbourhoodsMatchOneProcessEveryStep) { expect_equivalent(equivalence_config("gat")); }

TEST(DataParallel, MlpMatchesOneProcessEveryStep) { expect_equivalent(equivalence_config("mlp")); }

TEST(DataParallel, SignaturesOwnedByTheirDrugsPartMatchOneProcess) {
  // Uneven shares per step (drugs 0-19 on rank 0, the rest spread), one rank sometimes idle.
  Planted p;
  const int R = world_comm("mpi")->size();
  std::vector<int32_t> sig_rank;
  for (auto d : p.s.sig_drug) sig_rank.push_back(d < 20 ? 0 : int32_t(1 + d % std::max(R - 1, 1)) % R);
  expect_equivalent(equivalence_config("gat"), sig_rank);
}

TEST(DataParallel, AdamWithWeightDecayAndClipping) {
  Config c = equivalence_config("mlp");
  c.train.optimizer = "adamw", c.train.weight_decay = 0.01, c.train.grad_clip = 0.05;
  expect_equivalent(c);
}

}  // namespace
}  // namespace kg
