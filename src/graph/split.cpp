// Random and grouped (scaffold) splits of signatures into train/val/test.
#include <algorithm>
#include <map>
#include <numeric>
#include <random>

#include "core/error.hpp"
#include "graph/ops.hpp"

namespace kg {

Split make_split(const std::string& kind, int64_t num_signatures, const std::vector<int64_t>& group,
                 double train_frac, double val_frac, uint64_t seed) {
  KG_CHECK(group.empty() || int64_t(group.size()) == num_signatures);
  Split s;
  s.kind = kind;
  std::mt19937_64 rng(seed);
  const double n = double(num_signatures);
  const auto n_train = int64_t(std::llround(train_frac * n));
  const auto n_val = int64_t(std::llround(val_frac * n));

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
    std::vector<std::vector<int64_t>> big, small;
    const double n_test = n - double(n_train + n_val);
    for (auto& [g, m] : members) (double(m.size()) > n_test / 2 ? big : small).push_back(std::move(m));
    std::shuffle(small.begin(), small.end(), rng);
    std::sort(big.begin(), big.end(), [](auto& a, auto& b) { return a.size() > b.size(); });
    big.insert(big.end(), small.begin(), small.end());
    for (auto& m : big) {
      auto& dst = int64_t(s.train.size() + m.size()) <= n_train ? s.train
                  : int64_t(s.val.size() + m.size()) <= n_val   ? s.val
                                                                 : s.test;
      dst.insert(dst.end(), m.begin(), m.end());
    }
  }
  for (auto* part : {&s.train, &s.val, &s.test}) std::sort(part->begin(), part->end());
  if (s.train.empty() || s.val.empty() || s.test.empty())
    fail("split \"{}\": a part is empty (train {}, val {}, test {} of {} signatures); use more data "
         "or other fractions",
         kind, s.train.size(), s.val.size(), s.test.size(), num_signatures);
  return s;
}

}  // namespace kg
