// The registry of models: one row per name a config's `model` / `sweep.models` may take, with
// how it is fitted, the config keys it reads and its factory. make_model (models.hpp), the
// closed-form dispatch (baselines.hpp), config validation, `kgpert help models` and the
// workflow's lists (through `kgpert help models --json`) all read this table.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "graph/graph.hpp"

namespace kg {

class PerturbationModel;  // models.hpp
class Baseline;           // baselines.hpp

struct ModelInfo {
  std::string name;
  std::string summary;  // one line, for help
  bool closed_form;     // fitted once without gradients (baselines.hpp), the same for every seed
  // The config keys the model reads: "gat." is the whole section, "baseline.knn_k" one key.
  // The gradient-trained models also read "train."; the closed-form ones none of train.*.
  std::vector<std::string> reads;
  // Gradient-trained models: builds it for this graph and these samples.
  std::function<std::shared_ptr<PerturbationModel>(const Config&, const Graph&, const Samples&)> make;
  // Closed-form models: the labels of the candidate hyper-parameter values (validation picks
  // one; "baseline.ridge_alpha=10", or one "" without any), and the baseline of candidate c.
  std::function<std::vector<std::string>(const Config&)> candidates;
  std::function<std::unique_ptr<Baseline>(const Config&, const Graph&, const Samples&, size_t c)> make_baseline;
};

/// Every model, in documentation order.
const std::vector<ModelInfo>& model_table();

/// The row named `name`, or nullptr.
const ModelInfo* find_model(const std::string& name);

/// The names of model_table(), in order.
std::vector<std::string> model_names();

/// The allowed values of a config key that names models or ablations ("model", "ablation",
/// "sweep.models", "sweep.ablations", "sweep.ablation_models"); empty for every other key.
std::vector<std::string> registered_choices(const std::string& key);

/// Refuses a config whose model or ablation names (the keys of registered_choices) are not
/// registered: kg::Error `<where>: key "<key>": "<value>" is not one of <names>` (`where` names
/// the config, e.g. `config "x.yaml"`). run_cli calls it right after loading the config
/// (core/config.cpp, below the registries, cannot).
void check_registered(const Config& cfg, const std::string& where);

}  // namespace kg
