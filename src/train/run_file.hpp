// run.h5 (docs/FORMATS.md, "run.h5"): the one module that writes it and reads it back verified.
// `kgpert train` writes it; `kgpert report` and `kgpert explain` read it. No LibTorch here.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/h5.hpp"
#include "train/trainer.hpp"

namespace kg {

inline constexpr const char* kRunFormat = "kgpert-run-1";

/// What names a run beside its result: root attributes of run.h5.
struct RunInfo {
  std::string model, ablation, split, variant;  // split: its kind; variant: "key=value ..." ("" = none)
  int64_t seed = 0;
  int64_t rung = -1, rungs = 0;  // --rung R/N of a successive-halving sweep; -1: not a rung
  int64_t epoch_budget = 0;      // epochs allowed (gradient-trained models); 0: not recorded
  std::string ingest_generation, split_generation;  // lineage of the graph and split; "": not recorded
};

/// One input of the provenance attribute `inputs`: `path<TAB>size<TAB>xxh3:<hex>`.
struct RecordedInput {
  std::string path, size, xxh3;  // size and xxh3 empty when the line has fewer than two tabs
};

/// run.h5 as read back (read_run_file): everything but the test predictions and the model.
struct RunFile : RunInfo {
  std::string path;
  int64_t best_epoch = 0, epochs_run = 0, n_params = 0;
  std::string device = "cpu";  // where it trained (runs written before train.device: cpu)
  double peak_gpu_mb = 0;
  std::vector<std::string> metric_names;
  std::vector<double> test, val;  // [M], in metric_names' order
  std::map<std::string, std::vector<double>> curves;  // epoch, train_loss, val_loss, val_pearson, seconds
  // Per test signature (empty for runs written before run.h5 kept them).
  std::vector<int64_t> test_index;
  std::vector<double> test_pearson;
  std::vector<std::string> test_group;
  std::string group_unit;
  // Provenance: the resolved config (has_config false when absent) and the recorded inputs
  // (`kgpert train`: graph, samples, split[, partition]).
  bool has_config = false;
  std::string config;
  std::vector<RecordedInput> inputs;
};

/// Writes the run's result into an open run.h5:
///   /curves/{epoch (int64), train_loss, val_loss, val_pearson, lr, seconds (float64)}  [epochs]
///   /metrics/names (str [M]), /metrics/test, /metrics/val (float64 [M])
///   /test/sig_index (int64 [n_test]), /test/pred (float32 [n_test, G]), /test/pearson
///   (float64 [n_test]), and when set /test/group (str [n_test], attribute unit)
///   root attributes best_epoch, epochs_run, n_params (int64), selected when set
/// and for the GAT:
///   /model/<parameter name> (float32, the parameter's shape)
///   /attention/relation_names (str [R+1]), /attention/mean, /attention/edges ([L, R+1]),
///   /attention/mean_all ([R+1])
void write_run(h5::Writer& w, const RunResult& r);

/// Writes run.h5 at `path` atomically: format, `info`, `r.ranks`, `r.device`, `r.peak_gpu_mb`, the
/// result (write_run) and the provenance.
void write_run_file(const std::string& path, const RunInfo& info, const RunResult& r, const h5::Provenance& prov);

/// Reads run.h5 and verifies its format, the lengths of its metrics, curves and per-signature
/// columns, and its rung. kg::Error naming the file (`run "<path>": ...`) otherwise.
RunFile read_run_file(const std::string& path);

}  // namespace kg
