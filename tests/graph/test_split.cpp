// Grouped splits: scaffold (chemprop's balanced rule), cold-cell and cold-drug (nearest to the
// fractions): no group in two parts, sizes near the fractions, seeded, clear errors.
#include <gtest/gtest.h>

#include <map>
#include <numeric>
#include <set>

#include "graph/ops.hpp"
#include "support/kgtest.hpp"

namespace {

// group[s] for groups of the given sizes, signatures of one group interleaved with the others
// (as cell lines are in samples.h5) so that a part is not a contiguous range by accident.
std::vector<int64_t> interleaved(const std::vector<int64_t>& sizes) {
  std::vector<int64_t> group, left = sizes;
  for (bool any = true; any;) {
    any = false;
    for (size_t g = 0; g < left.size(); ++g)
      if (left[g] > 0) group.push_back(int64_t(g)), --left[g], any = true;
  }
  return group;
}

// Groups of each part: train, val, test.
std::array<std::set<int64_t>, 3> groups_of(const kg::Split& s, const std::vector<int64_t>& group) {
  std::array<std::set<int64_t>, 3> out;
  int p = 0;
  for (const auto* part : {&s.train, &s.val, &s.test}) {
    for (auto i : *part) out[size_t(p)].insert(group[size_t(i)]);
    ++p;
  }
  return out;
}

// Every signature in exactly one part and no group in two parts.
void expect_grouped_cover(const kg::Split& s, const std::vector<int64_t>& group) {
  std::vector<int> seen(group.size(), 0);
  for (const auto* part : {&s.train, &s.val, &s.test})
    for (auto i : *part) ++seen[size_t(i)];
  EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), int64_t(group.size()));
  auto g = groups_of(s, group);
  std::map<int64_t, int> parts;
  for (const auto& part : g)
    for (auto x : part) ++parts[x];
  for (const auto& [x, n] : parts) EXPECT_EQ(n, 1) << "group " << x << " is in " << n << " parts";
}

// The ten demo cell lines (signatures per cell line of configs/default.yaml's demo).
const std::vector<int64_t> kDemoCells{407, 398, 428, 445, 444, 437, 419, 405, 426, 400};

TEST(ColdSplit, TenCellLinesGiveEightOneOneWholeCellLines) {
  const auto group = interleaved(kDemoCells);
  const int64_t n = int64_t(group.size());  // 4209: targets 3367 / 421 / 421
  ASSERT_EQ(n, 4209);
  std::set<std::set<int64_t>> test_sets;
  for (uint64_t seed = 0; seed < 10; ++seed) {
    auto s = kg::make_split("cold_cell", n, group, 0.8, 0.1, seed);
    expect_grouped_cover(s, group);
    auto g = groups_of(s, group);
    EXPECT_EQ(g[0].size(), 8u);
    EXPECT_EQ(g[1].size(), 1u);
    EXPECT_EQ(g[2].size(), 1u);
    // Each part exceeds its target by less than the largest group (445).
    EXPECT_LT(int64_t(s.train.size()), 3367 + 445);
    EXPECT_LT(int64_t(s.val.size()), 421 + 445);
    EXPECT_LT(int64_t(s.test.size()), 421 + 445);
    test_sets.insert(g[2]);
  }
  EXPECT_GE(test_sets.size(), 4u);  // the seed decides which cell line is held out
}

TEST(ColdSplit, ManySmallGroupsLandCloseToTheFractions) {
  // 600 compounds of 2..10 signatures, as in the demo.
  std::vector<int64_t> sizes;
  for (int d = 0; d < 600; ++d) sizes.push_back(2 + (d * 7) % 9);
  const auto group = interleaved(sizes);
  const int64_t n = int64_t(group.size());
  auto s = kg::make_split("cold_drug", n, group, 0.7, 0.15, 5);
  expect_grouped_cover(s, group);
  const double targets[] = {0.7 * double(n), 0.15 * double(n), 0.15 * double(n)};
  int p = 0;
  for (const auto* part : {&s.train, &s.val, &s.test})
    EXPECT_LE(std::abs(double(part->size()) - targets[p++]), 2 * 10.0) << "part " << p - 1;
}

TEST(ColdSplit, SameSeedSameSplitOtherSeedOtherSplit) {
  const auto group = interleaved(std::vector<int64_t>(50, 6));
  auto a = kg::make_split("cold_drug", 300, group, 0.8, 0.1, 11);
  auto b = kg::make_split("cold_drug", 300, group, 0.8, 0.1, 11);
  auto c = kg::make_split("cold_drug", 300, group, 0.8, 0.1, 12);
  EXPECT_EQ(a.train, b.train);
  EXPECT_EQ(a.val, b.val);
  EXPECT_EQ(a.test, b.test);
  EXPECT_NE(a.test, c.test);
  // Equal groups of 6 and targets 240 / 30 / 30: exact.
  EXPECT_EQ(a.train.size(), 240u);
  EXPECT_EQ(a.val.size(), 30u);
  EXPECT_EQ(a.test.size(), 30u);
}

TEST(ColdSplit, TooFewGroupsIsAnError) {
  const auto two = interleaved({50, 50});
  kgtest::expect_error([&] { kg::make_split("cold_cell", 100, two, 0.8, 0.1, 0); },
                       {"split \"cold_cell\"", "2 groups", "at least 3"});
  // Four cell lines of 100 at 0.8/0.1/0.1 (targets 320/40/40): three fill train, the fourth
  // goes to val, and no cell line is left for test.
  const auto four = interleaved({100, 100, 100, 100});
  kgtest::expect_error([&] { kg::make_split("cold_cell", 400, four, 0.8, 0.1, 0); },
                       {"split \"cold_cell\"", "a part is empty", "test 0", "4 whole groups",
                        "targets 320 / 40 / 40"});
  // The same four at 0.5/0.25/0.25 work: 2/1/1.
  auto s = kg::make_split("cold_cell", 400, four, 0.5, 0.25, 0);
  EXPECT_EQ(s.train.size(), 200u);
  EXPECT_EQ(s.val.size(), 100u);
  EXPECT_EQ(s.test.size(), 100u);
}

TEST(ScaffoldSplit, LargeScaffoldsGoToTrainFirst) {
  // Targets 60 / 20 / 20. Groups 0 (40) and 1 (15) are larger than half the test size: both to
  // train whatever the seed; of the nine groups of 5, one tops train up, four fill val, four test.
  std::vector<int64_t> sizes{40, 15};
  sizes.insert(sizes.end(), 9, 5);
  const auto group = interleaved(sizes);
  for (uint64_t seed = 0; seed < 5; ++seed) {
    auto s = kg::make_split("scaffold", 100, group, 0.6, 0.2, seed);
    expect_grouped_cover(s, group);
    auto g = groups_of(s, group);
    EXPECT_TRUE(g[0].count(0) && g[0].count(1));
    EXPECT_EQ(s.train.size(), 60u);
    EXPECT_EQ(g[1].size(), 4u);
    EXPECT_EQ(g[2].size(), 4u);
  }
}

}  // namespace
