// The registry of ablations: one row per name a config's `ablation` / `sweep.ablations` may
// take. Applying an ablation (stages/ablation.cpp), `kgpert help models` and the workflow's list
// of ablations (through `kgpert help models --json`) all read this table.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "graph/graph.hpp"

namespace kg {

struct AblationInfo {
  std::string name;
  std::string summary;  // one line, for help
  // Changes the inputs of a run in place, seeded by `seed`; empty for "none".
  std::function<void(Graph& g, Samples& s, uint64_t seed)> apply;
};

/// Every ablation, "none" first, in documentation order.
const std::vector<AblationInfo>& ablation_table();

/// The row named `name`, or nullptr.
const AblationInfo* find_ablation(const std::string& name);

/// The names of ablation_table(), in order.
std::vector<std::string> ablation_names();

}  // namespace kg
