// run.h5: writer and verified reader (docs/FORMATS.md, "run.h5").
#include "train/run_file.hpp"

#include <sstream>

#include "core/error.hpp"
#include "train/checkpoint.hpp"  // write_curves: checkpoints share the curves' layout

namespace kg {
namespace {

void write_metrics(h5::Writer& w, const RunResult& r) {
  KG_CHECK(r.test_metrics.size() == r.val_metrics.size());
  std::vector<std::string> names;
  std::vector<double> test, val;
  for (size_t i = 0; i < r.test_metrics.size(); ++i) {
    KG_CHECK(r.test_metrics[i].first == r.val_metrics[i].first);
    names.push_back(r.test_metrics[i].first);
    test.push_back(r.test_metrics[i].second);
    val.push_back(r.val_metrics[i].second);
  }
  w.write_strings("/metrics/names", names);
  w.write("/metrics/test", test);
  w.write("/metrics/val", val);
}

// The GAT's parameters and attention (absent for other models).
void write_model(h5::Writer& w, const RunResult& r) {
  // Parameters uncompressed: their mantissas are noise (as in checkpoints).
  for (const auto& p : r.params) {
    KG_CHECK(!p.shape.empty(), "parameter {} is a scalar", p.name);
    w.write("/model/" + p.name, p.data.data(), std::vector<hsize_t>(p.shape.begin(), p.shape.end()), false);
  }
  const auto& a = r.attention;
  if (!a.relations.empty()) {
    w.write_strings("/attention/relation_names", a.relations);
    w.write("/attention/mean", a.mean);
    w.write("/attention/edges", a.edges);
    w.write("/attention/mean_all", a.mean_all);
  }
}

// The provenance attribute `inputs`, one RecordedInput per non-empty line.
std::vector<RecordedInput> recorded_inputs(const h5::Reader& r) {
  std::vector<RecordedInput> out;
  if (!r.has_attr("/", "inputs")) return out;
  std::istringstream lines(r.attr_string("/", "inputs"));
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    const auto a = line.find('\t'), b = line.rfind('\t');
    if (a == std::string::npos || b == a)
      out.push_back({line, "", ""});
    else
      out.push_back({line.substr(0, a), line.substr(a + 1, b - a - 1), line.substr(b + 1)});
  }
  return out;
}

void read_info(const h5::Reader& r, RunFile& run) {
  run.model = r.attr_string("/", "model");
  run.ablation = r.attr_string("/", "ablation");
  run.split = r.attr_string("/", "split");
  run.seed = r.attr_int("/", "seed");
  run.best_epoch = r.attr_int("/", "best_epoch");
  run.epochs_run = r.attr_int("/", "epochs_run");
  run.n_params = r.attr_int("/", "n_params");
  // Attributes added over time: runs written before them have none.
  if (r.has_attr("/", "variant")) run.variant = r.attr_string("/", "variant");
  if (r.has_attr("/", "epoch_budget")) run.epoch_budget = r.attr_int("/", "epoch_budget");
  if (r.has_attr("/", "device")) run.device = r.attr_string("/", "device");
  if (r.has_attr("/", "peak_gpu_mb")) run.peak_gpu_mb = r.attr_double("/", "peak_gpu_mb");
  if (r.has_attr("/", "rung")) {
    run.rung = r.attr_int("/", "rung");
    run.rungs = r.attr_int("/", "rungs");
    if (run.rung < 0 || run.rung >= run.rungs) fail_file("run", r.path(), "rung {} of {} is no rung", run.rung, run.rungs);
  }
  if (r.has_attr("/", "ingest_generation")) run.ingest_generation = r.attr_string("/", "ingest_generation");
  if (r.has_attr("/", "split_generation")) run.split_generation = r.attr_string("/", "split_generation");
  run.has_config = r.has_attr("/", "config");
  if (run.has_config) run.config = r.attr_string("/", "config");
  run.inputs = recorded_inputs(r);
}

void read_results(const h5::Reader& r, RunFile& run) {
  run.metric_names = r.read_strings("/metrics/names");
  run.test = r.read<double>("/metrics/test");
  run.val = r.read<double>("/metrics/val");
  if (run.test.size() != run.metric_names.size() || run.val.size() != run.metric_names.size())
    r.fail("/metrics/test", "length differs from /metrics/names");
  for (const char* c : {"epoch", "train_loss", "val_loss", "val_pearson", "seconds"})
    run.curves[c] = r.read<double>(std::string("/curves/") + c);
  if (r.has("/test/pearson") && r.has("/test/group")) {
    run.test_index = r.read<int64_t>("/test/sig_index");
    run.test_pearson = r.read<double>("/test/pearson");
    run.test_group = r.read_strings("/test/group");
    run.group_unit = r.attr_string("/test/group", "unit");
    if (run.test_pearson.size() != run.test_index.size() || run.test_group.size() != run.test_index.size())
      r.fail("/test/pearson", "length differs from /test/sig_index or /test/group");
  }
}

}  // namespace

void write_run(h5::Writer& w, const RunResult& r) {
  write_curves(w, r.curves);
  write_metrics(w, r);
  KG_CHECK(r.test_pred.rows == int64_t(r.test_index.size()));
  w.write("/test/sig_index", r.test_index);
  w.write("/test/pred", r.test_pred);
  KG_CHECK(r.test_pearson.size() == r.test_index.size());
  w.write("/test/pearson", r.test_pearson);
  if (!r.test_group_unit.empty()) {
    KG_CHECK(r.test_group.size() == r.test_index.size());
    w.write_strings("/test/group", r.test_group);
    w.attr("/test/group", "unit", r.test_group_unit);
  }
  w.attr("/", "best_epoch", r.best_epoch);
  w.attr("/", "epochs_run", r.epochs_run);
  w.attr("/", "n_params", r.n_params);
  if (!r.selected.empty()) w.attr("/", "selected", r.selected);
  write_model(w, r);
}

void write_run_file(const std::string& path, const RunInfo& info, const RunResult& r, const h5::Provenance& prov) {
  h5::Writer w(path);
  w.attr("/", "format", kRunFormat);
  w.attr("/", "model", info.model);
  w.attr("/", "ablation", info.ablation);
  w.attr("/", "split", info.split);
  w.attr("/", "seed", info.seed);
  w.attr("/", "ranks", r.ranks);
  w.attr("/", "device", r.device);
  w.attr("/", "peak_gpu_mb", r.peak_gpu_mb);
  w.attr("/", "variant", info.variant);
  if (info.rung >= 0) {
    w.attr("/", "rung", info.rung);
    w.attr("/", "rungs", info.rungs);
  }
  if (info.epoch_budget > 0) w.attr("/", "epoch_budget", info.epoch_budget);
  if (!info.ingest_generation.empty()) w.attr("/", "ingest_generation", info.ingest_generation);
  if (!info.split_generation.empty()) w.attr("/", "split_generation", info.split_generation);
  write_run(w, r);
  w.provenance(prov);
  w.commit();
}

RunFile read_run_file(const std::string& path) {
  const h5::Reader r(path);
  r.require_format("run", kRunFormat);
  RunFile run;
  run.path = path;
  read_info(r, run);
  read_results(r, run);
  return run;
}

}  // namespace kg
