// `kgpert report`: gathers run.h5 files into report.h5 — one table of runs (config columns and
// metrics), their per-epoch curves, and aggregates over seeds per (model, ablation, split,
// variant: the run's sweep.grid values).
#include <cmath>
#include <iostream>
#include <map>
#include <sstream>
#include <tuple>

#include "core/error.hpp"
#include "stages/stage.hpp"

namespace kg {
namespace {

struct Run {
  std::string path, id, model, ablation, split;
  std::string variant;                               // sweep.grid values, "key=value ..."
  std::vector<std::pair<std::string, std::string>> settings;  // the same, split
  int64_t seed = 0, best_epoch = 0, epochs_run = 0, n_params = 0;
  std::vector<std::string> metric_names;
  std::vector<double> test, val;
  std::map<std::string, std::vector<double>> curves;
};

Run read_run(const std::string& path) {
  h5::Reader r(path);
  if (!r.has_attr("/", "format") || r.attr_string("/", "format") != "kgpert-run-1")
    fail_file("run", path, "not a kgpert run file (attribute format != kgpert-run-1)");
  Run run;
  run.path = path;
  run.model = r.attr_string("/", "model");
  run.ablation = r.attr_string("/", "ablation");
  run.split = r.attr_string("/", "split");
  run.seed = r.attr_int("/", "seed");
  run.best_epoch = r.attr_int("/", "best_epoch");
  run.epochs_run = r.attr_int("/", "epochs_run");
  run.n_params = r.attr_int("/", "n_params");
  if (r.has_attr("/", "variant")) run.variant = r.attr_string("/", "variant");
  std::istringstream words(run.variant);
  std::vector<std::string> parts;
  for (std::string w; words >> w;) {
    const auto eq = w.find('=');
    if (eq == std::string::npos) fail_file("run", path, "attribute variant \"{}\": \"{}\" is not key=value", run.variant, w);
    run.settings.emplace_back(w.substr(0, eq), w.substr(eq + 1));
    parts.push_back(w);
  }
  run.id = fmt::format("{}_{}_{}{}_seed{}", run.model, run.ablation, run.split,
                       parts.empty() ? "" : "_" + fmt::format("{}", fmt::join(parts, ",")), run.seed);
  run.metric_names = r.read_strings("/metrics/names");
  run.test = r.read<double>("/metrics/test");
  run.val = r.read<double>("/metrics/val");
  if (run.test.size() != run.metric_names.size() || run.val.size() != run.metric_names.size())
    r.fail("/metrics/test", "length differs from /metrics/names");
  for (const char* c : {"epoch", "train_loss", "val_loss", "val_pearson", "seconds"})
    run.curves[c] = r.read<double>(std::string("/curves/") + c);
  return run;
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? NAN : s / double(v.size());
}

// Sample standard deviation (n - 1); NaN for a single value.
double stdev(const std::vector<double>& v) {
  if (v.size() < 2) return NAN;
  double m = mean(v), s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / double(v.size() - 1));
}

}  // namespace

int stage_report(StageContext& ctx) {
  const std::string& out = ctx.require("out");
  if (ctx.positional.empty()) fail("no run.h5 files given; usage: kgpert report --out report.h5 RUN.h5...");
  std::vector<Run> runs;
  std::map<std::string, std::string> seen;
  for (const auto& p : ctx.positional) {
    runs.push_back(read_run(p));
    const Run& r = runs.back();
    if (r.metric_names != runs.front().metric_names)
      fail_file("run", p, "its metrics differ from those of \"{}\"", runs.front().path);
    if (!seen.emplace(r.id, p).second)
      fail_file("run", p, "same model/ablation/split/variant/seed ({}) as \"{}\"", r.id, seen[r.id]);
  }
  const auto& names = runs.front().metric_names;

  h5::Writer w(out);
  w.attr("/", "format", "kgpert-report-1");
  std::vector<std::string> ids, models, ablations, splits, variants, paths;
  std::vector<int64_t> seeds, best, epochs, params;
  std::map<std::string, std::vector<std::string>> settings;  // grid key -> value per run ("" = not set)
  for (size_t i = 0; i < runs.size(); ++i)
    for (const auto& [k, v] : runs[i].settings) {
      auto& column = settings[k];
      column.resize(runs.size());
      column[i] = v;
    }
  for (const auto& r : runs) {
    ids.push_back(r.id); models.push_back(r.model); ablations.push_back(r.ablation);
    splits.push_back(r.split); variants.push_back(r.variant); paths.push_back(r.path); seeds.push_back(r.seed);
    best.push_back(r.best_epoch); epochs.push_back(r.epochs_run); params.push_back(r.n_params);
  }
  w.write_strings("/runs/run_id", ids);
  w.write_strings("/runs/model", models);
  w.write_strings("/runs/ablation", ablations);
  w.write_strings("/runs/split", splits);
  w.write_strings("/runs/variant", variants);
  for (auto& [k, column] : settings) {
    column.resize(runs.size());
    w.write_strings("/runs/config/" + k, column);
  }
  w.write_strings("/runs/path", paths);
  w.write("/runs/seed", seeds);
  w.write("/runs/best_epoch", best);
  w.write("/runs/epochs_run", epochs);
  w.write("/runs/n_params", params);
  for (size_t m = 0; m < names.size(); ++m) {
    std::vector<double> test, val;
    for (const auto& r : runs) { test.push_back(r.test[m]); val.push_back(r.val[m]); }
    w.write("/runs/test_" + names[m], test);
    w.write("/runs/val_" + names[m], val);
  }
  for (const auto& r : runs)
    for (const auto& [c, v] : r.curves) w.write("/curves/" + r.id + "/" + c, v);

  // Aggregates over seeds, groups in a stable order.
  std::map<std::tuple<std::string, std::string, std::string, std::string>, std::vector<size_t>> groups;
  for (size_t i = 0; i < runs.size(); ++i)
    groups[{runs[i].model, runs[i].ablation, runs[i].split, runs[i].variant}].push_back(i);
  std::vector<std::string> gm, ga, gs, gv;
  std::vector<int64_t> gn;
  std::vector<std::vector<double>> gmean(names.size()), gstd(names.size());
  for (const auto& [key, members] : groups) {
    gm.push_back(std::get<0>(key)); ga.push_back(std::get<1>(key)); gs.push_back(std::get<2>(key));
    gv.push_back(std::get<3>(key));
    gn.push_back(int64_t(members.size()));
    for (size_t m = 0; m < names.size(); ++m) {
      std::vector<double> v;
      for (auto i : members) v.push_back(runs[i].test[m]);
      gmean[m].push_back(mean(v));
      gstd[m].push_back(stdev(v));
    }
  }
  w.write_strings("/aggregates/model", gm);
  w.write_strings("/aggregates/ablation", ga);
  w.write_strings("/aggregates/split", gs);
  w.write_strings("/aggregates/variant", gv);
  w.write("/aggregates/n", gn);
  w.write_strings("/aggregates/metrics", names);
  for (size_t m = 0; m < names.size(); ++m) {
    w.write("/aggregates/" + names[m] + "_mean", gmean[m]);
    w.write("/aggregates/" + names[m] + "_std", gstd[m]);
  }
  w.provenance(ctx.provenance(ctx.positional));
  w.commit();
  std::cerr << fmt::format("report: {} runs in {} groups -> {}\n", runs.size(), groups.size(), out);
  return 0;
}

}  // namespace kg
