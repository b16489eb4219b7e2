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

namespace kg {
namespace {

struct Run {
  std::string path, id, model, ablation, split;
  std::string variant;                               // sweep.grid values, "key=value ..."
  std::vector<std::pair<std::string, std::string>> settings;  // the same, split
  int64_t seed = 0, best_epoch = 0, epochs_run = 0, n_params = 0;
  // Successive halving (README, "Successive halving"): the rung of the run (-1: not a rung),
  // its epoch budget (0: none recorded) and why it stopped there: "finished" (trained to the
  // end: the last rung, or a plain run) or "halved at rung R" (its point was not among the
  // rung's survivors).
  int64_t rung = -1, epoch_budget = 0;
  std::string stopped = "finished";
  std::vector<std::string> metric_names;
  std::vector<double> test, val;
  std::map<std::string, std::vector<double>> curves;
  // Per test signature (empty for runs written before kgpert stored them).
  std::vector<int64_t> test_index;
  std::vector<double> test_pearson;
  std::vector<std::string> test_group;
  std::string group_unit;
};

Run read_run(const std::string& path) {
  h5::Reader r(path);
  r.require_format("run", "kgpert-run-1");
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
  if (r.has_attr("/", "epoch_budget")) run.epoch_budget = r.attr_int("/", "epoch_budget");
  if (r.has_attr("/", "rung")) {
    run.rung = r.attr_int("/", "rung");
    const int64_t rungs = r.attr_int("/", "rungs");
    if (run.rung < 0 || run.rung >= rungs) fail_file("run", path, "rung {} of {} is no rung", run.rung, rungs);
    if (run.rung + 1 < rungs) run.stopped = fmt::format("halved at rung {}", run.rung);
  }
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
  if (r.has("/test/pearson") && r.has("/test/group")) {
    run.test_index = r.read<int64_t>("/test/sig_index");
    run.test_pearson = r.read<double>("/test/pearson");
    run.test_group = r.read_strings("/test/group");
    run.group_unit = r.attr_string("/test/group", "unit");
    if (run.test_pearson.size() != run.test_index.size() || run.test_group.size() != run.test_index.size())
      r.fail("/test/pearson", "length differs from /test/sig_index or /test/group");
  }
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
// lines of `kgpert train`'s, "path<TAB>size<TAB>xxh3:<hex>"); empty when not recorded.
std::vector<std::pair<std::string, std::string>> dataset_of(const std::string& run_path) {
  const h5::Reader r(run_path);
  std::vector<std::pair<std::string, std::string>> out;  // (path, checksum)
  if (!r.has_attr("/", "inputs")) return out;
  std::istringstream lines(r.attr_string("/", "inputs"));
  for (std::string line; out.size() < 2 && std::getline(lines, line);) {
    const auto a = line.find('\t'), b = line.rfind('\t');
    if (a == std::string::npos || b == a) return {};
    out.emplace_back(line.substr(0, a), line.substr(b + 1));
  }
  return out.size() == 2 ? out : decltype(out){};
}

// Runs of two datasets averaged as if they were seeds would be a wrong result: refused unless
// --allow-mixed. The dataset of a run is its graph and samples checksums.
void check_one_dataset(const std::vector<std::string>& run_paths, bool allow_mixed) {
  if (allow_mixed) return;
  std::vector<std::pair<std::string, std::string>> first;
  std::string first_path;
  for (const auto& p : run_paths) {
    const auto d = dataset_of(p);
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
  check_one_dataset(ctx.positional, ctx.flag("allow-mixed"));
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
