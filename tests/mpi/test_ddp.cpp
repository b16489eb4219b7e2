// Data-parallel training under `mpirun -np 2` (registered in tests/CMakeLists.txt): R ranks
// with local batch b follow one process with batch R*b step by step, on the planted problem of
// the trainer tests, for the GAT (full neighbourhoods) and the MLP, with signatures
// owned by position or by their drug's part, and with per-rank data (each rank its own
// signatures' profiles and its part of the graph). (With neighbour sampling each rank samples the
// computation graph of its own share; a node that one process reaches at two depths of the
// union may be sampled at another depth: the same distribution, not the same draws.)
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>

#include "dist/comm.hpp"
#include "graph/ops.hpp"
#include "train/planted.hpp"
#include "train/rank_data.hpp"
#include "train/trainer.hpp"

namespace kg {
namespace {

using namespace kg::planted;

struct Followed {
  RunResult result;
  std::vector<std::vector<float>> params;  // after every step
};

Followed follow(const Config& cfg, const Graph& g, const Samples& s, const Split& split, DataParallel dp) {
  Followed f;
  dp.after_step = [&](int64_t step, const std::vector<float>& params) {
    EXPECT_EQ(step, int64_t(f.params.size()) + 1);
    f.params.push_back(params);
  };
  f.result = train_model(cfg, g, s, split, {}, {}, dp);
  return f;
}

// What one rank trains on: the whole planted problem (the default), or its own share of it.
struct Share {
  Graph g;
  Samples s;
  DataParallel dp;
};
using Sharer = std::function<Share(const Config&, const Planted&, const std::shared_ptr<Comm>&)>;

// Runs the config on every rank with this job's communicator (batch b) and in one process
// (batch R*b), and compares parameters after every step, the curves, the metrics and the GAT's
// attention per relation.
void expect_equivalent(Config c, const Sharer& share = {}) {
  auto world = world_comm("mpi");
  const int R = world->size();
  ASSERT_GE(R, 2) << "run this test under mpirun -np 2 (or more)";
  Planted p;
  Config one = c;
  one.train.batch_size = c.train.batch_size * R;
  Share sh = share ? share(c, p, world) : Share{p.g, p.s, {}};
  sh.dp.comm = world;
  // One process given the owners composes its batches as the ranks do (batch_size / R per part).
  DataParallel single;
  single.comm = make_comm("local");
  single.sig_rank = sh.dp.sig_rank;
  Followed ref = follow(one, p.g, p.s, p.split, single);
  Followed dist = follow(c, sh.g, sh.s, p.split, sh.dp);

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
    EXPECT_NEAR(dist.result.curves[e].val_loss, ref.result.curves[e].val_loss, 1e-5);
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
  EXPECT_EQ(dist.result.test_index, ref.result.test_index);
  EXPECT_EQ(dist.result.ranks, R);
  if (c.model == "gat" && world->rank() == 0) {
    const auto &a = dist.result.attention, &b = ref.result.attention;
    ASSERT_EQ(a.edges.data, b.edges.data);  // every edge counted once, by the rank owning its target
    for (size_t i = 0; i < b.mean.data.size(); ++i)
      if (!std::isnan(b.mean.data[i])) EXPECT_NEAR(a.mean.data[i], b.mean.data[i], 1e-5) << i;
  }
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

TEST(DataParallel, GatherConcatenatesEveryRanksValuesInRankOrder) {
  auto world = world_comm("mpi");
  const int r = world->rank(), R = world->size();
  std::vector<double> want;
  for (int q = 0; q < R; ++q) want.insert(want.end(), {double(q), 10.0 + q});
  EXPECT_EQ(world->gather({double(r), 10.0 + r}), want);
}

TEST(DataParallel, GatFullNeighbourhoodsMatchOneProcessEveryStep) { expect_equivalent(equivalence_config("gat")); }

TEST(DataParallel, MlpMatchesOneProcessEveryStep) { expect_equivalent(equivalence_config("mlp")); }

TEST(DataParallel, SignaturesOwnedByTheirDrugsPartMatchOneProcess) {
  // Uneven shares per step (drugs 0-19 on rank 0, the rest spread), one rank sometimes idle.
  expect_equivalent(equivalence_config("gat"), [](const Config&, const Planted& p, const std::shared_ptr<Comm>& comm) {
    Share sh{p.g, p.s, {}};
    const int R = comm->size();
    for (auto d : p.s.sig_drug) sh.dp.sig_rank.push_back(d < 20 ? 0 : int32_t(1 + d % std::max(R - 1, 1)) % R);
    return sh;
  });
}

// Per-rank data as `kgpert train --partition` loads it (rank_data, the stage's own code): METIS
// parts of the graph written as partition.h5, each rank with the profiles of its own signatures
// (read by rows from a samples file) and, for the GAT, its part of the graph and halo alone.
DataParallel load_share(const Config& c, const Planted& p, const std::shared_ptr<Comm>& comm, Share& sh) {
  const int R = comm->size();
  std::vector<int64_t> work(size_t(p.g.num_nodes()), 0);
  for (auto i : p.split.train) ++work[size_t(p.s.drug_node[size_t(p.s.sig_drug[size_t(i)])])];
  const Partition parts = partition_graph(p.g, work, R, 7);
  const char* parent = std::getenv("TMPDIR");
  std::string dir = std::string(parent && *parent ? parent : "/tmp") + "/kgpert-test-mpi.XXXXXX";
  EXPECT_NE(mkdtemp(dir.data()), nullptr);
  const std::string samples = dir + "/samples.h5", partition = dir + "/partition.h5";
  {
    h5::Writer w(samples);
    write_samples(w, p.s);
    w.commit();
  }
  write_partition_h5(partition, p.g, parts.part, R, work, c.gat.layers);
  EXPECT_TRUE(per_rank_data(partition, R));
  sh.g = p.g;
  sh.s = read_samples(samples, /*with_y=*/false);
  EXPECT_EQ(sh.s.y.rows, 0);
  DataParallel dp = rank_data(c, comm, partition, samples, sh.g, sh.s);
  std::remove(samples.c_str());
  std::remove(partition.c_str());
  std::remove(dir.c_str());
  return dp;
}

// The checks of rank_data's share: this rank's signatures with their own profiles, and for the
// GAT a graph smaller than the whole.
void expect_own_share(const Config& c, const Planted& p, const Share& sh, int rank) {
  std::vector<int64_t> rows;
  ASSERT_EQ(sh.dp.sig_local.size(), p.s.sig_id.size());
  for (size_t i = 0; i < sh.dp.sig_local.size(); ++i) {
    EXPECT_EQ(sh.dp.sig_local[i] >= 0, sh.dp.sig_rank[i] == rank) << i;
    if (sh.dp.sig_local[i] < 0) continue;
    EXPECT_EQ(sh.dp.sig_local[i], int64_t(rows.size()));
    rows.push_back(int64_t(i));
  }
  EXPECT_EQ(sh.s.y.rows, int64_t(rows.size()));
  EXPECT_LT(rows.size(), p.s.sig_id.size());
  for (size_t k = 0; k < rows.size(); ++k) {
    EXPECT_EQ(sh.s.sig_id[k], p.s.sig_id[size_t(rows[k])]);
    EXPECT_TRUE(std::equal(sh.s.y.row(int64_t(k)), sh.s.y.row(int64_t(k)) + kGenes, p.s.y.row(rows[k])));
  }
  if (c.model == "gat") EXPECT_LT(sh.g.num_edges(), p.g.num_edges());
  else EXPECT_EQ(sh.g.num_edges(), p.g.num_edges());
  EXPECT_EQ(sh.dp.owned_nodes.empty(), c.model != "gat");
}

Share own_share(const Config& c, const Planted& p, const std::shared_ptr<Comm>& comm) {
  Share sh;
  sh.dp = load_share(c, p, comm, sh);
  expect_own_share(c, p, sh, comm->rank());
  return sh;
}

TEST(DataParallel, GatOnPerRankDataMatchesOneProcess) { expect_equivalent(equivalence_config("gat"), own_share); }

TEST(DataParallel, MlpOnPerRankSignaturesMatchesOneProcess) { expect_equivalent(equivalence_config("mlp"), own_share); }

TEST(DataParallel, AdamWithWeightDecayAndClipping) {
  Config c = equivalence_config("mlp");
  c.train.optimizer = "adamw", c.train.weight_decay = 0.01, c.train.grad_clip = 0.05;
  expect_equivalent(c);
}

}  // namespace
}  // namespace kg
