// Random and grouped (scaffold, cold-cell, cold-drug) splits of signatures into train/val/test.
#include <algorithm>
#include <array>
#include <map>
#include <numeric>
#include <random>

#include "core/error.hpp"
#include "graph/ops.hpp"

namespace kg {

namespace {

using Groups = std::vector<std::vector<int64_t>>;

// chemprop's balanced scaffold rule: groups larger than half the test size to train first
// (largest first), the rest in a seeded random order; each to train until it is full, then val,
// then test.
void assign_balanced(Groups groups, const std::array<int64_t, 3>& target, std::mt19937_64& rng,
                     std::array<std::vector<int64_t>*, 3> part) {
  Groups big, small;
  for (auto& m : groups) (2 * int64_t(m.size()) > target[2] ? big : small).push_back(std::move(m));
  std::shuffle(small.begin(), small.end(), rng);
  std::sort(big.begin(), big.end(), [](auto& a, auto& b) { return a.size() > b.size(); });
  big.insert(big.end(), small.begin(), small.end());
  for (auto& m : big) {
    auto& dst = int64_t(part[0]->size() + m.size()) <= target[0]   ? *part[0]
                : int64_t(part[1]->size() + m.size()) <= target[1] ? *part[1]
                                                                   : *part[2];
    dst.insert(dst.end(), m.begin(), m.end());
  }
}

// Cold rule: groups in a seeded random order, each to the part furthest below its target (the
// greedy step that most reduces the total distance to the targets). Unlike the balanced rule,
// the seed decides which groups are held out even when every group is large (cell lines).
void assign_nearest(Groups groups, const std::array<int64_t, 3>& target, std::mt19937_64& rng,
                    std::array<std::vector<int64_t>*, 3> part) {
  std::shuffle(groups.begin(), groups.end(), rng);
  for (auto& m : groups) {
    size_t best = 0;
    for (size_t p = 1; p < 3; ++p)  // ties go to the earlier part
      if (target[p] - int64_t(part[p]->size()) > target[best] - int64_t(part[best]->size())) best = p;
    part[best]->insert(part[best]->end(), m.begin(), m.end());
  }
}

}  // namespace

Split make_split(const std::string& kind, int64_t num_signatures, const std::vector<int64_t>& group,
                 double train_frac, double val_frac, uint64_t seed) {
  KG_CHECK(group.empty() || int64_t(group.size()) == num_signatures);
  Split s;
  s.kind = kind;
  std::mt19937_64 rng(seed);
  const double n = double(num_signatures);
  const auto n_train = int64_t(std::llround(train_frac * n));
  const auto n_val = int64_t(std::llround(val_frac * n));
  const std::array<int64_t, 3> target{n_train, n_val, num_signatures - n_train - n_val};

  size_t num_groups = 0;
  if (group.empty()) {
    std::vector<int64_t> order(static_cast<size_t>(num_signatures));
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    s.train.assign(order.begin(), order.begin() + n_train);
    s.val.assign(order.begin() + n_train, order.begin() + std::min(num_signatures, n_train + n_val));
    s.test.assign(order.begin() + std::min(num_signatures, n_train + n_val), order.end());
  } else {
    std::map<int64_t, std::vector<int64_t>> members;  // ordered: deterministic
    for (int64_t i = 0; i < num_signatures; ++i) members[group[size_t(i)]].push_back(i);
    num_groups = members.size();
    if (num_groups < 3)
      fail("split \"{}\": {} group{} of signatures cannot fill train, val and test (each group goes "
           "whole to one part; at least 3 are needed)",
           kind, num_groups, num_groups == 1 ? "" : "s");
    Groups groups;
    for (auto& [g, m] : members) groups.push_back(std::move(m));
    if (kind == "scaffold") assign_balanced(std::move(groups), target, rng, {&s.train, &s.val, &s.test});
    else assign_nearest(std::move(groups), target, rng, {&s.train, &s.val, &s.test});
  }
  for (auto* part : {&s.train, &s.val, &s.test}) std::sort(part->begin(), part->end());
  if (s.train.empty() || s.val.empty() || s.test.empty())
    fail("split \"{}\": a part is empty (train {}, val {}, test {} of {} signatures{}); use more "
         "data or other fractions",
         kind, s.train.size(), s.val.size(), s.test.size(), num_signatures,
         num_groups ? fmt::format(" in {} whole groups; targets {} / {} / {}", num_groups, target[0],
                                  target[1], target[2])
                    : "");
  return s;
}

}  // namespace kg
