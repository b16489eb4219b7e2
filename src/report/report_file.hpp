// report.h5 (docs/FORMATS.md, "report.h5"): the one module that writes it and reads it back
// verified. `kgpert report` writes it, `kgpert compare` reads it. Its arrays are columns, as in
// the file: one value per run, per group of seeds or per paired comparison.
#pragma once

#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/h5.hpp"

namespace kg {

inline constexpr const char* kReportFormat = "kgpert-report-1";

/// /comparisons: the GAT (A) against another model or one of its ablations (B) on a split.
struct ReportComparison {
  std::string split, variant, a_model, a_ablation, b_model, b_ablation, unit;
  int64_t seeds = 0, signatures = 0, groups = 0;
  double diff = NAN, ci_low = NAN, ci_high = NAN, t = NAN, p = NAN;
};

/// The columns of /runs, one value per run (read_report fills the keys and test metrics only).
struct ReportRuns {
  std::vector<std::string> run_id, model, ablation, split, variant, path, stopped;
  std::map<std::string, std::vector<std::string>> config;  // sweep.grid key -> value per run
  std::vector<int64_t> seed, best_epoch, epochs_run, n_params, rung, epoch_budget;
  std::vector<std::vector<double>> test, val;  // [metric][run]
  std::vector<std::map<std::string, std::vector<double>>> curves;  // [run]: /curves/<run_id>/<column>
};

/// /aggregates: the runs of a group differ in their seed only.
struct ReportGroups {
  std::vector<std::string> model, ablation, split, variant, stopped;
  std::vector<int64_t> n;
  std::vector<std::vector<double>> mean, sd;  // [metric][group], test metrics over the seeds
};

struct Report {
  std::vector<std::string> metrics;  // /aggregates/metrics
  ReportRuns runs;
  ReportGroups groups;
  bool has_comparisons = false;  // reports of older kgpert versions have none
  std::vector<ReportComparison> comparisons;
  int64_t bootstrap = 0;  // resamples of the comparisons' intervals
};

/// Writes `r` into an open report.h5 (format attribute and every dataset; not the provenance).
void write_report(h5::Writer& w, const Report& r);

/// Reads what `kgpert compare` uses and verifies it: the format, the metrics, the runs' keys
/// (model, ablation, split, variant, seed, stopped; variant and stopped default to "" and
/// "finished" in reports from before them) and test metrics, and the comparisons, every column
/// of its table's length. kg::Error naming the file otherwise.
Report read_report(const std::string& path);

}  // namespace kg
