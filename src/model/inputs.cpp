// Torch-free model inputs (see inputs.hpp).
#include "model/inputs.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace kg {

h5::Matrix<float> node_feature_rows(const Graph& g, const std::vector<int64_t>& nodes, const char* what) {
  h5::Matrix<float> m;
  m.rows = int64_t(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    const auto& f = g.features[size_t(g.node_type[size_t(nodes[i])])];
    if (i == 0) m.cols = f.cols, m.data.resize(size_t(m.rows * m.cols));
    if (f.cols != m.cols)
      fail("{} nodes have features of different widths ({} and {})", what, m.cols, f.cols);
    const int64_t li = g.local_index[size_t(nodes[i])];
    KG_CHECK(li >= 0 && li < f.rows);
    std::copy(f.row(li), f.row(li) + f.cols, m.row(int64_t(i)));
  }
  return m;
}

h5::Matrix<float> dose_time_features(const Samples& s) {
  const int64_t n = s.num_signatures();
  const auto norm = s.dose_time_norm.empty() ? dose_time_stats(s) : s.dose_time_norm;
  KG_CHECK(norm.size() == 4);
  h5::Matrix<float> out{std::vector<float>(size_t(n * 2), 0.0f), n, 2};
  for (int64_t col = 0; col < 2; ++col) {
    const auto& v = col == 0 ? s.dose_um : s.time_h;
    const double mean = norm[size_t(2 * col)], sd = norm[size_t(2 * col + 1)];
    if (sd < 1e-12) continue;
    for (int64_t i = 0; i < n; ++i)
      out.row(i)[col] = float((std::log1p(std::max(0.0, double(v[size_t(i)]))) - mean) / sd);
  }
  return out;
}

}  // namespace kg
