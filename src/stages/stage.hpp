// What every stage receives: its parsed command line and the resolved config, and the
// table of stages that main() dispatches from and `kgpert help` prints.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/h5.hpp"
#include "core/log.hpp"
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
  /// Provenance for an output made from `inputs` (sizes and XXH3 checksums are computed) by
  /// `world_size` processes (the ranks of a distributed `train`; 1 for every other stage).
  h5::Provenance provenance(const std::vector<std::string>& inputs, int64_t world_size = 1) const;
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

/// Lineage (src/stages/lineage.cpp): random ids that tie files together; a check refuses
/// files whose recorded ids differ (kg::Error naming both files and both ids) and skips files
/// without them (written before the ids).
/// A fresh id: ingest writes one into both of its outputs (`ingest_generation`), split its own
/// (`split_generation`).
std::string new_generation();
/// The root attribute `attr` of an HDF5 file ("" when absent).
std::string generation(const std::string& path, const std::string& attr);
/// Refuses a samples.h5 and a graph.h5 written by different ingests.
void check_ingest_pair(const std::string& graph_path, const std::string& samples_path);
/// Refuses a split.h5 made from other samples than `samples_path` (its `samples_generation`).
void check_split_of(const std::string& split_path, const std::string& samples_path);
/// Writes into an output made from a graph (and a split, "" when none) their ids:
/// `ingest_generation` and `split_generation` (partition.h5, run.h5).
void record_lineage(h5::Writer& w, const std::string& graph_path, const std::string& split_path);
/// Refuses a file written with record_lineage (`kind` "partition", "run") whose ids are not
/// those of `graph_path` and `split_path` (not checked when ""); `remedy` ends the message.
void check_made_from(const std::string& kind, const std::string& path, const std::string& graph_path,
                     const std::string& split_path, const std::string& remedy);

/// Applies cfg.ablation to the inputs of a run, as `kgpert train` did before training (seeded
/// from train.seed): `explain` repeats it to rebuild the model the run trained.
void apply_ablation(const Config& cfg, Graph& g, Samples& s);

}  // namespace kg
