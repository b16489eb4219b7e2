// What every stage receives: its parsed command line and the resolved config, and the
// table of stages that main() dispatches from and `kgpert help` prints.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/h5.hpp"
#include "graph/graph.hpp"

namespace kg {

/// A stage's command line: `--config FILE`, any number of `--set key=value`, named options
/// (`--out PATH`, repeatable) and positional arguments.
struct StageContext {
  std::string stage;
  std::string command_line;  // argv joined, shell-quoted (for provenance)
  std::string config_path;
  std::vector<std::string> sets;
  Config cfg;
  std::map<std::string, std::vector<std::string>> options;
  std::vector<std::string> positional;

  /// The single value of a required option; kg::Error naming the option when absent.
  const std::string& require(const std::string& name) const;
  /// The value of an option, or `fallback` when absent.
  std::string option(const std::string& name, const std::string& fallback = "") const;
  /// The option as an integer in [lo, hi], or `fallback` when absent; kg::Error naming the
  /// option and the range otherwise.
  int64_t integer(const std::string& name, int64_t fallback, int64_t lo, int64_t hi) const;
  bool flag(const std::string& name) const { return options.count(name) > 0; }
  /// Provenance for an output made from `inputs` (sizes and XXH3 checksums are computed).
  h5::Provenance provenance(const std::vector<std::string>& inputs) const;
};

struct StageInfo {
  std::string name;
  std::string summary;
  std::string usage;                  // options beyond --config/--set
  std::vector<std::string> options;   // option names that take a value (without --)
  std::vector<std::string> flags;     // option names without value
  bool takes_config = true;
  std::function<int(StageContext&)> run;
  // The files the stage reads and writes, checked by run_cli before the stage runs (see
  // core/files.hpp): option names (without --); in `inputs`, "ARGS" stands for the positional
  // arguments and "inputs.*" for every non-empty file key of the config's inputs section.
  std::vector<std::string> inputs;    // read
  std::vector<std::string> outputs;   // written as files (HDF5 outputs: <stem>.config.yaml beside)
  std::vector<std::string> out_dirs;  // directories written into
};

/// The dispatch table (src/stages/table.cpp).
const std::vector<StageInfo>& stage_table();

int stage_synth(StageContext& ctx);
int stage_ingest(StageContext& ctx);
int stage_split(StageContext& ctx);
int stage_partition(StageContext& ctx);
int stage_train(StageContext& ctx);
int stage_report(StageContext& ctx);
int stage_compare(StageContext& ctx);
int stage_explain(StageContext& ctx);
int stage_bench(StageContext& ctx);

/// A fresh id that ingest writes into both of its outputs (attribute `ingest_generation`).
std::string new_ingest_generation();
/// Refuses a samples.h5 and a graph.h5 written by different ingests (both carry
/// `ingest_generation`; files without it are not checked): kg::Error naming both files.
void check_ingest_pair(const std::string& graph_path, const std::string& samples_path);
/// The `ingest_generation` of a samples.h5 ("" when absent): split.h5 records it.
std::string samples_generation(const std::string& samples_path);
/// Refuses a split.h5 made from other samples than `samples_path` (both generations known).
void check_split_of(const std::string& split_path, const std::string& samples_path);

/// Applies cfg.ablation to the inputs of a run, as `kgpert train` did before training (seeded
/// from train.seed): `explain` repeats it to rebuild the model the run trained.
void apply_ablation(const Config& cfg, Graph& g, Samples& s);

}  // namespace kg
