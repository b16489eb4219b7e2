// Model inputs assembled from Graph and Samples without LibTorch, shared by the neural models
// (models.hpp) and the closed-form baselines (baselines.hpp).
#pragma once

#include <cstdint>
#include <vector>

#include "core/h5.hpp"
#include "graph/graph.hpp"

namespace kg {

/// Rows of graph.features for `nodes` [n]: row i is the feature row of nodes[i] in its node
/// type's matrix. All nodes must have features of one width, else kg::Error naming `what`
/// ("drug", "cell line"). Returns [n, width].
h5::Matrix<float> node_feature_rows(const Graph& g, const std::vector<int64_t>& nodes, const char* what);

/// Dose/time encoding [S, 2]: log1p(dose_um) and log1p(time_h) (negative values count as 0),
/// each standardised over all signatures (dose_time_stats, or s.dose_time_norm when s holds only
/// some of the file's signatures; a column without spread becomes 0).
/// Inputs only, so no label leaks.
h5::Matrix<float> dose_time_features(const Samples& s);

}  // namespace kg
