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
struct Comparison {
  std::string split, variant, a_model, a_ablation, b_model, b_ablation, unit;
  int64_t seeds = 0, signatures = 0, groups = 0;
  double diff = NAN, ci_low = NAN, ci_high = NAN, t = NAN, p = NAN;
};

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

void write_comparisons(h5::Writer& w, const std::vector<Comparison>& cs) {
  std::vector<std::string> split, variant, am, aa, bm, ba, unit;
  std::vector<int64_t> seeds, sigs, groups;
  std::vector<double> diff, lo, hi, t, p;
  for (const auto& c : cs) {
    split.push_back(c.split), variant.push_back(c.variant), am.push_back(c.a_model), aa.push_back(c.a_ablation);
    bm.push_back(c.b_model), ba.push_back(c.b_ablation), unit.push_back(c.unit);
    seeds.push_back(c.seeds), sigs.push_back(c.signatures), groups.push_back(c.groups);
    diff.push_back(c.diff), lo.push_back(c.ci_low), hi.push_back(c.ci_high), t.push_back(c.t), p.push_back(c.p);
  }
  w.write_strings("/comparisons/split", split);
  w.write_strings("/comparisons/variant", variant);
  w.write_strings("/comparisons/a_model", am);
  w.write_strings("/comparisons/a_ablation", aa);
  w.write_strings("/comparisons/b_model", bm);
  w.write_strings("/comparisons/b_ablation", ba);
  w.write_strings("/comparisons/unit", unit);
  w.write("/comparisons/seeds", seeds);
  w.write("/comparisons/signatures", sigs);
  w.write("/comparisons/groups", groups);
  w.write("/comparisons/pearson_diff", diff);
  w.write("/comparisons/ci_low", lo);
  w.write("/comparisons/ci_high", hi);
  w.write("/comparisons/t", t);
  w.write("/comparisons/p", p);
  w.attr("/comparisons", "bootstrap", int64_t(kBootstrap));
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

  h5::Writer w(out);
  w.attr("/", "format", "kgpert-report-1");
  std::vector<std::string> ids, models, ablations, splits, variants, paths;
  std::vector<int64_t> seeds, best, epochs, params, rungs, budgets;
  std::vector<std::string> stopped;
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
    rungs.push_back(r.rung); budgets.push_back(r.epoch_budget); stopped.push_back(r.stopped);
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
  w.write("/runs/rung", rungs);
  w.write("/runs/epoch_budget", budgets);
  w.write_strings("/runs/stopped", stopped);
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
  std::vector<std::string> gm, ga, gs, gv, gstop;
  std::vector<int64_t> gn;
  std::vector<std::vector<double>> gmean(names.size()), gstd(names.size());
  for (const auto& [key, members] : groups) {
    gm.push_back(std::get<0>(key)); ga.push_back(std::get<1>(key)); gs.push_back(std::get<2>(key));
    gv.push_back(std::get<3>(key));
    gstop.push_back(runs[members.front()].stopped);  // the seeds of a point stop together
    gn.push_back(int64_t(members.size()));
    for (size_t m = 0; m < names.size(); ++m) {
      std::vector<double> v;
      for (auto i : members) v.push_back(runs[i].test[m]);
      gmean[m].push_back(stats::mean(v));
      gstd[m].push_back(stats::sd(v));
    }
  }
  w.write_strings("/aggregates/model", gm);
  w.write_strings("/aggregates/ablation", ga);
  w.write_strings("/aggregates/split", gs);
  w.write_strings("/aggregates/variant", gv);
  w.write_strings("/aggregates/stopped", gstop);
  w.write("/aggregates/n", gn);
  w.write_strings("/aggregates/metrics", names);
  for (size_t m = 0; m < names.size(); ++m) {
    w.write("/aggregates/" + names[m] + "_mean", gmean[m]);
    w.write("/aggregates/" + names[m] + "_std", gstd[m]);
  }
  const auto comparisons = paired_comparisons(runs);
  write_comparisons(w, comparisons);
  w.provenance(ctx.provenance(ctx.positional));
  if (ctx.flag("python-env")) w.attr("/", "python_env", python_env);
  w.commit();
  log::info("report: {} runs in {} groups, {} paired comparisons -> {}", runs.size(), groups.size(),
            comparisons.size(), out);
  return 0;
}

}  // namespace kg
