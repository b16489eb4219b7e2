// What a rank of `kgpert train --partition` holds, in one process: the partition's parts checked
// against the graph and the job, and the signatures' owners (tests/mpi/test_ddp.cpp runs
// rank_data on two ranks, where each keeps its own share).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "support/kgtest.hpp"
#include "train/planted.hpp"
#include "train/rank_data.hpp"

namespace kg {
namespace {

using namespace kg::planted;

std::string write_parts(const std::string& name, const std::vector<int32_t>& part, int64_t parts) {
  const std::string path = (std::filesystem::temp_directory_path() / name).string();
  h5::Writer w(path);
  w.write("/part", part);
  w.attr("/", "parts", parts);
  w.commit();
  return path;
}

TEST(RankData, PartitionMustFitTheGraphAndTheJob) {
  Planted p;
  const auto n = size_t(p.g.num_nodes());
  const std::string short_parts = write_parts("short.h5", std::vector<int32_t>(n - 1, 0), 1);
  kgtest::expect_error([&] { read_parts(short_parts, p.g, 1); }, {short_parts, "/part", "the graph has"});
  const std::string two = write_parts("two.h5", std::vector<int32_t>(n, 0), 2);
  kgtest::expect_error([&] { read_parts(two, p.g, 1); },
                       {two, "has 2 parts but the job has 1 ranks", "partition.parts=1"});
  std::vector<int32_t> bad(n, 0);
  bad[3] = 1;
  const std::string out_of_range = write_parts("range.h5", bad, 1);
  kgtest::expect_error([&] { read_parts(out_of_range, p.g, 1); }, {out_of_range, "part 1 out of [0, 1)"});
}

TEST(RankData, OwnersAreTheirCompoundsPartsAndOneRankHoldsEverything) {
  Planted p;
  std::vector<int32_t> part(size_t(p.g.num_nodes()), 0);
  const std::string path = write_parts("one.h5", part, 1);
  Graph g = p.g;
  Samples s = p.s;
  const auto comm = make_comm("local");
  EXPECT_FALSE(per_rank_data(path, 1));
  EXPECT_FALSE(per_rank_data("", 2));
  EXPECT_TRUE(per_rank_data(path, 2));
  const DataParallel dp = rank_data(small_config("gat"), comm, path, "unused.h5", g, s);
  EXPECT_EQ(dp.comm, comm);
  EXPECT_EQ(dp.sig_rank, std::vector<int32_t>(p.s.sig_id.size(), 0));
  EXPECT_TRUE(dp.sig_local.empty());
  EXPECT_TRUE(dp.owned_nodes.empty());
  EXPECT_EQ(g.num_edges(), p.g.num_edges());
  EXPECT_EQ(s.y.rows, p.s.y.rows);

  // With more parts (as in a job of that many ranks): each signature goes to its drug's part.
  for (size_t v = 0; v < part.size(); ++v) part[v] = int32_t(v % 3);
  const auto owners = signature_ranks(part, p.s);
  ASSERT_EQ(owners.size(), p.s.sig_id.size());
  for (size_t i = 0; i < owners.size(); ++i)
    EXPECT_EQ(owners[i], int32_t(p.s.drug_node[size_t(p.s.sig_drug[i])] % 3)) << i;

  const DataParallel none = rank_data(small_config("gat"), comm, "", "unused.h5", g, s);
  EXPECT_TRUE(none.sig_rank.empty());
  EXPECT_EQ(none.comm, comm);
}

}  // namespace
}  // namespace kg
