// What a rank of `kgpert train --partition` holds, in one process: the signatures' owners
// (tests/mpi/test_ddp.cpp runs rank_data on two ranks, where each keeps its own share).
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

// Reading and verifying partition.h5 itself is graph/partition_file's (tests/graph/test_partition_file.cpp).
TEST(RankData, OwnersAreTheirCompoundsPartsAndOneRankHoldsEverything) {
  Planted p;
  std::vector<int32_t> part(size_t(p.g.num_nodes()), 0);
  const std::string path = (std::filesystem::temp_directory_path() / "kgpert_rank_data_one.h5").string();
  write_partition_h5(path, p.g, part, 1);
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
