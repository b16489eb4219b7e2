// `kgpert report`: gathers run.h5 files into report.h5 — one table of runs (config columns and
// metrics), their per-epoch curves, aggregates over seeds per (model, ablation, split, variant:
// the run's sweep.grid values), and paired comparisons of the GAT with the other models and its
// ablations (bootstrap intervals over scaffolds or cell lines, t-tests over seeds).
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>
#include <fmt/ranges.h>  // fmt::join

#include "core/error.hpp"
#include "core/h5.hpp"
#include "core/stats.hpp"
#include "report/report_file.hpp"
#include "stages/stage.hpp"
#include "train/run_file.hpp"

namespace kg {
namespace {

// A run as the report sees it: run.h5's content, its id and grid settings, and why it stopped:
// "finished" (trained to the end: the last rung, or a plain run) or "halved at rung R" (its
// point was not among the rung's survivors; README, "Successive halving").
struct Run : RunFile {
  std::string id;
  std::vector<std::pair<std::string, std::string>> settings;  // the variant, split
  std::string stopped = "finished";
};

Run read_run(const std::string& path) {
  Run run;
  static_cast<RunFile&>(run) = read_run_file(path);
  if (run.rung >= 0 && run.rung + 1 < run.rungs) run.stopped = fmt::format("halved at rung {}", run.rung);
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
  return run;
}

// The paired comparisons of report.h5 (/comparisons): on each split, the full GAT against every
// other model without ablation and against each of its ablations, over the test signatures
// both scored. Per signature the difference of Pearsons (A - B), averaged over the seeds they
// share (a closed-form baseline, fitted once, pairs with every seed); its mean with a 95%
// bootstrap interval resampling the groups of signatures (scaffolds, or cell lines under
// cold_cell; 2000 resamples, fixed seed), and a paired t-test of the per-seed means.
using Comparison = ReportComparison;

constexpr int kBootstrap = 2000;
constexpr uint64_t kBootstrapSeed = 20251222;

bool compare_pair(const std::vector<const Run*>& a, const std::vector<const Run*>& b, Comparison& c) {
  std::map<int64_t, const Run*> by_seed_b;
  for (const Run* r : b) by_seed_b[r->seed] = r;
  std::vector<std::pair<const Run*, const Run*>> pairs;
  for (const Run* r : a) {
    const Run* o = b.size() == 1 ? b.front() : by_seed_b.count(r->seed) ? by_seed_b[r->seed] : nullptr;
    if (o && !r->test_pearson.empty() && r->test_index == o->test_index && !o->test_pearson.empty())
      pairs.emplace_back(r, o);
  }
  if (pairs.empty()) return false;
  const Run& first = *pairs.front().first;
  const size_t n = first.test_index.size();
  std::vector<double> d(n, 0.0), per_seed;
  for (const auto& [ra, rb] : pairs) {
    double m = 0;
    for (size_t i = 0; i < n; ++i) {
      const double di = ra->test_pearson[i] - rb->test_pearson[i];
      d[i] += di / double(pairs.size());
      m += di / double(n);
    }
    per_seed.push_back(m);
  }
  const stats::GroupBootstrap boot = stats::group_bootstrap_ci(d, first.test_group, kBootstrap, kBootstrapSeed);
  c.unit = first.group_unit;
  c.seeds = int64_t(pairs.size());
  c.signatures = int64_t(n);
  c.groups = int64_t(boot.groups);
  c.diff = stats::mean(d);
  c.ci_low = boot.low;
  c.ci_high = boot.high;
  const stats::TTest t = stats::one_sample_t_test(per_seed);  // paired over the seeds
  c.t = t.t;
  c.p = t.p;
  return true;
}

std::vector<Comparison> paired_comparisons(const std::vector<Run>& runs) {
  std::map<std::tuple<std::string, std::string, std::string, std::string>, std::vector<const Run*>> groups;
  for (const auto& r : runs)  // points halved early are not compared: they trained less
    if (r.stopped == "finished") groups[{r.split, r.model, r.ablation, r.variant}].push_back(&r);
  std::vector<Comparison> out;
  for (const auto& [ka, a] : groups) {
    const auto& [split, model, ablation, variant] = ka;
    if (model != "gat" || ablation != "none") continue;
    for (const auto& [kb, b] : groups) {
      const auto& [split_b, model_b, ablation_b, variant_b] = kb;
      if (split_b != split || kb == ka) continue;
      const bool ablated_gat = model_b == "gat" && ablation_b != "none" && variant_b == variant;
      const bool other_model = model_b != "gat" && ablation_b == "none" && (variant_b.empty() || variant_b == variant);
      if (!ablated_gat && !other_model) continue;
      Comparison c{split, variant, model, ablation, model_b, ablation_b};
      if (compare_pair(a, b, c)) out.push_back(c);
    }
  }
  return out;
}

// The graph and samples a run was trained on, from its provenance (`inputs`: the first two
// lines of `kgpert train`'s): (path, checksum) each; empty when not recorded.
std::vector<std::pair<std::string, std::string>> dataset_of(const Run& run) {
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t i = 0; i < 2 && i < run.inputs.size(); ++i) {
    if (run.inputs[i].xxh3.empty()) return {};
    out.emplace_back(run.inputs[i].path, run.inputs[i].xxh3);
  }
  return out.size() == 2 ? out : decltype(out){};
}

// Runs of two datasets averaged as if they were seeds would be a wrong result: refused unless
// --allow-mixed. The dataset of a run is its graph and samples checksums.
void check_one_dataset(const std::vector<Run>& runs, bool allow_mixed) {
  if (allow_mixed) return;
  std::vector<std::pair<std::string, std::string>> first;
  std::string first_path;
  for (const auto& run : runs) {
    const std::string& p = run.path;
    const auto d = dataset_of(run);
    if (d.empty()) continue;  // no provenance (a hand-made run)
    if (first.empty()) {
      first = d, first_path = p;
      continue;
    }
    for (size_t i = 0; i < 2; ++i)
      if (d[i].second != first[i].second)
        fail_file("run", p,
                  "was trained on other data than run \"{}\": its {} \"{}\" ({}) is not \"{}\" ({}); "
                  "report runs of one dataset, or pass --allow-mixed",
                  first_path, i == 0 ? "graph" : "samples", d[i].first, d[i].second, first[i].first,
                  first[i].second);
  }
}

// The text of --python-env: the Python and packages of the workflow that asked for the report
// (the Snakemake rule gives `python -VV` and `pip freeze --all` of its venv), kept verbatim. The
// cap keeps a wrong file (a GCTX given by mistake) out of an attribute.
std::string read_python_env(const std::string& path) {
  constexpr size_t kMaxBytes = 1 << 20;
  std::ifstream in(path, std::ios::binary);
  if (!in) fail_file("--python-env", path, "cannot open: {}", std::strerror(errno));
  std::string text(kMaxBytes + 1, '\0');
  in.read(text.data(), std::streamsize(text.size()));
  if (in.bad()) fail_file("--python-env", path, "cannot read: {}", std::strerror(errno));
  text.resize(size_t(in.gcount()));
  if (text.size() > kMaxBytes) fail_file("--python-env", path, "over {} bytes: not a list of packages", kMaxBytes);
  return text;
}

// /runs: one row per run, in the order given.
ReportRuns runs_table(const std::vector<Run>& runs) {
  ReportRuns t;
  for (size_t i = 0; i < runs.size(); ++i)
    for (const auto& [k, v] : runs[i].settings) {
      auto& column = t.config[k];  // "" for runs without the key
      column.resize(runs.size());
      column[i] = v;
    }
  for (auto& [k, column] : t.config) column.resize(runs.size());
  t.test.resize(runs.front().metric_names.size()), t.val.resize(t.test.size());
  for (const auto& r : runs) {
    t.run_id.push_back(r.id), t.model.push_back(r.model), t.ablation.push_back(r.ablation);
    t.split.push_back(r.split), t.variant.push_back(r.variant), t.path.push_back(r.path), t.seed.push_back(r.seed);
    t.best_epoch.push_back(r.best_epoch), t.epochs_run.push_back(r.epochs_run), t.n_params.push_back(r.n_params);
    t.rung.push_back(r.rung), t.epoch_budget.push_back(r.epoch_budget), t.stopped.push_back(r.stopped);
    for (size_t m = 0; m < t.test.size(); ++m) t.test[m].push_back(r.test[m]), t.val[m].push_back(r.val[m]);
    t.curves.push_back(r.curves);
  }
  return t;
}

// /aggregates: test metrics over the seeds of each (model, ablation, split, variant), groups in
// a stable order. Returns the number of groups.
size_t aggregate(const std::vector<Run>& runs, Report& rep) {
  std::map<std::tuple<std::string, std::string, std::string, std::string>, std::vector<size_t>> groups;
  for (size_t i = 0; i < runs.size(); ++i)
    groups[{runs[i].model, runs[i].ablation, runs[i].split, runs[i].variant}].push_back(i);
  ReportGroups& g = rep.groups;
  g.mean.resize(rep.metrics.size()), g.sd.resize(rep.metrics.size());
  for (const auto& [key, members] : groups) {
    g.model.push_back(std::get<0>(key)), g.ablation.push_back(std::get<1>(key)), g.split.push_back(std::get<2>(key));
    g.variant.push_back(std::get<3>(key));
    g.stopped.push_back(runs[members.front()].stopped);  // the seeds of a point stop together
    g.n.push_back(int64_t(members.size()));
    for (size_t m = 0; m < rep.metrics.size(); ++m) {
      std::vector<double> v;
      for (auto i : members) v.push_back(runs[i].test[m]);
      g.mean[m].push_back(stats::mean(v));
      g.sd[m].push_back(stats::sd(v));
    }
  }
  return groups.size();
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
  check_one_dataset(runs, ctx.flag("allow-mixed"));
  const std::string python_env = ctx.flag("python-env") ? read_python_env(ctx.require("python-env")) : "";
  const auto& names = runs.front().metric_names;

  Report rep;
  rep.metrics = names;
  rep.runs = runs_table(runs);
  const size_t n_groups = aggregate(runs, rep);
  rep.comparisons = paired_comparisons(runs);
  rep.has_comparisons = true;
  rep.bootstrap = kBootstrap;
  h5::Writer w(out);
  write_report(w, rep);
  w.provenance(ctx.provenance(ctx.positional));
  if (ctx.flag("python-env")) w.attr("/", "python_env", python_env);
  w.commit();
  log::info("report: {} runs in {} groups, {} paired comparisons -> {}", runs.size(), n_groups,
            rep.comparisons.size(), out);
  return 0;
}

}  // namespace kg
