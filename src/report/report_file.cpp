// report.h5: writer and verified reader (docs/FORMATS.md, "report.h5").
#include "report/report_file.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace kg {
namespace {

// The columns that name a run or a group (ReportRuns, ReportGroups): model, ablation, split,
// variant, under `group`.
template <typename Rows>
void write_names(h5::Writer& w, const std::string& group, const Rows& t) {
  w.write_strings(group + "/model", t.model);
  w.write_strings(group + "/ablation", t.ablation);
  w.write_strings(group + "/split", t.split);
  w.write_strings(group + "/variant", t.variant);
}

void write_runs(h5::Writer& w, const std::vector<std::string>& metrics, const ReportRuns& r) {
  w.write_strings("/runs/run_id", r.run_id);
  write_names(w, "/runs", r);
  for (const auto& [k, column] : r.config) w.write_strings("/runs/config/" + k, column);
  w.write_strings("/runs/path", r.path);
  w.write("/runs/seed", r.seed);
  w.write("/runs/best_epoch", r.best_epoch);
  w.write("/runs/epochs_run", r.epochs_run);
  w.write("/runs/n_params", r.n_params);
  w.write("/runs/rung", r.rung);
  w.write("/runs/epoch_budget", r.epoch_budget);
  w.write_strings("/runs/stopped", r.stopped);
  for (size_t m = 0; m < metrics.size(); ++m) {
    w.write("/runs/test_" + metrics[m], r.test[m]);
    w.write("/runs/val_" + metrics[m], r.val[m]);
  }
  for (size_t i = 0; i < r.run_id.size(); ++i)
    for (const auto& [c, v] : r.curves[i]) w.write("/curves/" + r.run_id[i] + "/" + c, v);
}

void write_groups(h5::Writer& w, const std::vector<std::string>& metrics, const ReportGroups& g) {
  write_names(w, "/aggregates", g);
  w.write_strings("/aggregates/stopped", g.stopped);
  w.write("/aggregates/n", g.n);
  w.write_strings("/aggregates/metrics", metrics);
  for (size_t m = 0; m < metrics.size(); ++m) {
    w.write("/aggregates/" + metrics[m] + "_mean", g.mean[m]);
    w.write("/aggregates/" + metrics[m] + "_std", g.sd[m]);
  }
}

// The comparisons' string, integer and real columns, by dataset name.
const std::vector<const char*> kComparisonText{"split", "variant", "a_model", "a_ablation", "b_model", "b_ablation", "unit"};
const std::vector<const char*> kComparisonCount{"seeds", "signatures", "groups"};
const std::vector<const char*> kComparisonReal{"pearson_diff", "ci_low", "ci_high", "t", "p"};

std::vector<std::string*> text_fields(ReportComparison& c) {
  return {&c.split, &c.variant, &c.a_model, &c.a_ablation, &c.b_model, &c.b_ablation, &c.unit};
}
std::vector<int64_t*> count_fields(ReportComparison& c) { return {&c.seeds, &c.signatures, &c.groups}; }
std::vector<double*> real_fields(ReportComparison& c) { return {&c.diff, &c.ci_low, &c.ci_high, &c.t, &c.p}; }

void write_comparisons(h5::Writer& w, std::vector<ReportComparison> cs, int64_t bootstrap) {
  for (size_t k = 0; k < kComparisonText.size(); ++k) {
    std::vector<std::string> col;
    for (auto& c : cs) col.push_back(*text_fields(c)[k]);
    w.write_strings(std::string("/comparisons/") + kComparisonText[k], col);
  }
  for (size_t k = 0; k < kComparisonCount.size(); ++k) {
    std::vector<int64_t> col;
    for (auto& c : cs) col.push_back(*count_fields(c)[k]);
    w.write(std::string("/comparisons/") + kComparisonCount[k], col);
  }
  for (size_t k = 0; k < kComparisonReal.size(); ++k) {
    std::vector<double> col;
    for (auto& c : cs) col.push_back(*real_fields(c)[k]);
    w.write(std::string("/comparisons/") + kComparisonReal[k], col);
  }
  w.attr("/comparisons", "bootstrap", bootstrap);
}

// Column `ds` of `r` must have `n` rows (those of /runs/model or /comparisons/split).
template <typename T>
const std::vector<T>& rows(const h5::Reader& r, const std::string& ds, const std::vector<T>& v, size_t n,
                           const char* of) {
  if (v.size() != n) r.fail(ds, fmt::format("{} rows, {} has {}", v.size(), of, n));
  return v;
}

void read_runs(const h5::Reader& r, Report& out) {
  auto& runs = out.runs;
  runs.model = r.read_strings("/runs/model");
  const size_t n = runs.model.size();
  const char* of = "/runs/model";
  runs.ablation = rows(r, "/runs/ablation", r.read_strings("/runs/ablation"), n, of);
  runs.split = rows(r, "/runs/split", r.read_strings("/runs/split"), n, of);
  // Reports from before sweep grids have no variants; from before successive halving, no stops.
  runs.variant = r.has("/runs/variant") ? rows(r, "/runs/variant", r.read_strings("/runs/variant"), n, of)
                                        : std::vector<std::string>(n);
  runs.seed = rows(r, "/runs/seed", r.read<int64_t>("/runs/seed"), n, of);
  runs.stopped = r.has("/runs/stopped") ? rows(r, "/runs/stopped", r.read_strings("/runs/stopped"), n, of)
                                        : std::vector<std::string>(n, "finished");
  for (const auto& m : out.metrics)
    runs.test.push_back(rows(r, "/runs/test_" + m, r.read<double>("/runs/test_" + m), n, of));
}

void read_comparisons(const h5::Reader& r, Report& out) {
  out.has_comparisons = r.has("/comparisons/split");
  if (!out.has_comparisons) return;
  const size_t n = r.read_strings("/comparisons/split").size();
  out.comparisons.resize(n);
  auto column = [&](const char* name, auto read, auto fields) {
    const std::string ds = std::string("/comparisons/") + name;
    const auto col = rows(r, ds, read(ds), n, "/comparisons/split");
    for (size_t i = 0; i < n; ++i) *fields(out.comparisons[i]) = col[i];
  };
  for (size_t k = 0; k < kComparisonText.size(); ++k)
    column(kComparisonText[k], [&](const std::string& ds) { return r.read_strings(ds); },
           [k](ReportComparison& c) { return text_fields(c)[k]; });
  for (size_t k = 0; k < kComparisonCount.size(); ++k)
    column(kComparisonCount[k], [&](const std::string& ds) { return r.read<int64_t>(ds); },
           [k](ReportComparison& c) { return count_fields(c)[k]; });
  for (size_t k = 0; k < kComparisonReal.size(); ++k)
    column(kComparisonReal[k], [&](const std::string& ds) { return r.read<double>(ds); },
           [k](ReportComparison& c) { return real_fields(c)[k]; });
}

}  // namespace

void write_report(h5::Writer& w, const Report& r) {
  w.attr("/", "format", kReportFormat);
  write_runs(w, r.metrics, r.runs);
  write_groups(w, r.metrics, r.groups);
  write_comparisons(w, r.comparisons, r.bootstrap);
}

Report read_report(const std::string& path) {
  const h5::Reader r(path);
  r.require_format("report", kReportFormat);
  Report out;
  out.metrics = r.read_strings("/aggregates/metrics");
  read_runs(r, out);
  read_comparisons(r, out);
  return out;
}

}  // namespace kg
