// `kgpert compare`: the runs of report.h5 grouped (--by) and filtered (--where), test metrics as
// mean ± sd over each group's runs, printed as an aligned table, Markdown or CSV; with two
// reports, the groups side by side with the difference and its 95% confidence interval.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <numeric>
#include <sstream>
#include <fmt/ranges.h>  // fmt::join

#include "core/error.hpp"
#include "core/stats.hpp"
#include "report/report_file.hpp"
#include "stages/stage.hpp"

namespace kg {
namespace {

// "stopped": "finished", or "halved at rung R" for the points a successive-halving sweep
// stopped early (shown only with --stopped).
const std::vector<std::string> kKeys{"model", "ablation", "split", "variant", "seed", "stopped"};

// The runs of a report: their keys (kKeys, as text) and test metrics.
struct Runs {
  std::string path;
  std::vector<std::string> metrics;
  std::vector<std::map<std::string, std::string>> key;  // [run]
  std::vector<std::vector<double>> value;               // [run][metric]
};

Runs read_runs(const std::string& path) {
  const Report rep = read_report(path);
  const ReportRuns& t = rep.runs;
  Runs out;
  out.path = path;
  out.metrics = rep.metrics;
  for (size_t i = 0; i < t.model.size(); ++i) {
    out.key.push_back({{"model", t.model[i]}, {"ablation", t.ablation[i]}, {"split", t.split[i]},
                       {"variant", t.variant[i]}, {"seed", std::to_string(t.seed[i])}, {"stopped", t.stopped[i]}});
    std::vector<double> v;
    for (const auto& c : t.test) v.push_back(c[i]);
    out.value.push_back(v);
  }
  return out;
}

// --where key=v1,v2 (repeatable): keep runs whose key is one of the values, every filter true.
std::vector<size_t> selected(const Runs& runs, const std::vector<std::string>& where) {
  std::vector<std::pair<std::string, std::vector<std::string>>> filters;
  for (const auto& w : where) {
    const auto eq = w.find('=');
    const std::string key = w.substr(0, eq);
    if (eq == std::string::npos || std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end())
      fail("--where \"{}\": expected key=value[,value...] with key one of {}", w, fmt::join(kKeys, ", "));
    std::vector<std::string> values;
    std::istringstream in(w.substr(eq + 1));
    for (std::string v; std::getline(in, v, ',');) values.push_back(v);
    filters.emplace_back(key, values);
  }
  std::vector<size_t> out;
  for (size_t i = 0; i < runs.key.size(); ++i)
    if (std::all_of(filters.begin(), filters.end(), [&](const auto& f) {
          return std::find(f.second.begin(), f.second.end(), runs.key[i].at(f.first)) != f.second.end();
        }))
      out.push_back(i);
  return out;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string v; std::getline(in, v, ',');)
    if (!v.empty()) out.push_back(v);
  return out;
}

// Runs grouped by the --by keys, in display order: split, model, variant, the full model
// before its ablations, seed (those of them that are grouping keys).
using Groups = std::vector<std::pair<std::vector<std::string>, std::vector<size_t>>>;

std::vector<std::string> group_key(const Runs& runs, size_t i, const std::vector<std::string>& by) {
  std::vector<std::string> k;
  for (const auto& b : by) k.push_back(runs.key[i].at(b));
  return k;
}

std::vector<std::string> sort_key(const std::vector<std::string>& by, const std::vector<std::string>& k) {
  std::vector<std::string> out;
  for (const char* name : {"split", "model", "variant", "ablation", "seed", "stopped"}) {
    auto it = std::find(by.begin(), by.end(), name);
    if (it == by.end()) continue;
    const std::string& v = k[size_t(it - by.begin())];
    if (std::string(name) == "ablation") out.push_back(v == "none" ? std::string() : v);
    else if (std::string(name) == "seed") out.push_back(fmt::format("{:>12}", v));
    else if (std::string(name) == "stopped") out.push_back(v == "finished" ? std::string() : v);
    else out.push_back(v);
  }
  return out;
}

Groups group(const Runs& runs, const std::vector<size_t>& rows, const std::vector<std::string>& by) {
  std::map<std::vector<std::string>, std::vector<size_t>> m;
  for (auto i : rows) m[group_key(runs, i, by)].push_back(i);
  Groups g(m.begin(), m.end());
  std::stable_sort(g.begin(), g.end(),
                   [&](const auto& x, const auto& y) { return sort_key(by, x.first) < sort_key(by, y.first); });
  return g;
}

// One metric over a group's runs: n, mean and sample sd (NaN for n < 2).
stats::Summary group_stat(const Runs& runs, const std::vector<size_t>& members, size_t metric) {
  std::vector<double> v;
  for (auto i : members) v.push_back(runs.value[i][metric]);
  return stats::summarize(v);
}

std::string number(double v) { return std::isnan(v) ? "nan" : fmt::format("{:.6g}", v); }

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\" ") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

// Aligned text or Markdown; the first `text_cols` columns left-aligned.
void print_aligned(const std::vector<std::vector<std::string>>& rows, size_t text_cols, bool markdown,
                   const std::string& footer, std::ostream& out) {
  auto width = [](const std::string& s) {  // characters, not bytes (±, −)
    return std::count_if(s.begin(), s.end(), [](char ch) { return (ch & 0xC0) != 0x80; });
  };
  std::vector<long> w(rows.front().size(), 0);
  for (const auto& r : rows)
    for (size_t c = 0; c < r.size(); ++c) w[c] = std::max(w[c], long(width(r[c])));
  auto emit = [&](const std::vector<std::string>& r) {
    if (markdown) out << "| ";
    for (size_t c = 0; c < r.size(); ++c) {
      std::string pad(size_t(w[c] - width(r[c])), ' ');
      out << (c < text_cols ? r[c] + pad : pad + r[c]) << (c + 1 < r.size() ? (markdown ? " | " : "  ") : "");
    }
    out << (markdown ? " |\n" : "\n");
  };
  emit(rows[0]);
  if (markdown) {
    out << "|";
    for (size_t c = 0; c < w.size(); ++c) out << std::string(size_t(w[c]) + 1, '-') << (c < text_cols ? "-|" : ":|");
    out << "\n";
  } else {
    const long total = std::accumulate(w.begin(), w.end(), 0L) + 2 * long(w.size() - 1);
    out << std::string(size_t(total), '-') << "\n";
  }
  for (size_t r = 1; r < rows.size(); ++r) emit(rows[r]);
  if (!markdown && !footer.empty()) out << footer << "\n";
}

std::string mean_sd(const stats::Summary& s) {
  if (s.n == 0) return "-";
  return std::isnan(s.sd) ? fmt::format("{:.3f}", s.mean) : fmt::format("{:.3f} ± {:.3f}", s.mean, s.sd);
}

void print_one(const Runs& runs, const Groups& groups, const std::vector<std::string>& by,
               const std::vector<size_t>& metrics, const std::string& format, std::ostream& out) {
  if (format == "csv") {
    out << fmt::format("{}", fmt::join(by, ","));
    for (auto m : metrics) out << "," << runs.metrics[m] << "_mean," << runs.metrics[m] << "_std";
    out << ",n\n";
    for (const auto& [key, members] : groups) {
      for (size_t k = 0; k < key.size(); ++k) out << (k ? "," : "") << csv_field(key[k]);
      for (auto m : metrics) {
        const stats::Summary s = group_stat(runs, members, m);
        out << "," << number(s.mean) << "," << number(s.sd);
      }
      out << "," << members.size() << "\n";
    }
    return;
  }
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> head = by;
  head.push_back("n");
  for (auto m : metrics) head.push_back(runs.metrics[m]);
  rows.push_back(head);
  for (const auto& [key, members] : groups) {
    std::vector<std::string> row;
    for (const auto& k : key) row.push_back(k.empty() ? "-" : k);
    row.push_back(std::to_string(members.size()));
    for (auto m : metrics) row.push_back(mean_sd(group_stat(runs, members, m)));
    rows.push_back(row);
  }
  print_aligned(rows, by.size(), format == "markdown",
                "test-set metrics, mean ± sd over the runs of each row (n)", out);
}

// Two reports side by side: per group and metric, A and B, B - A and its 95% CI (Welch, over
// the runs of each group); "*" marks a difference whose interval excludes 0.
void print_two(const Runs& a, const Runs& b, const std::vector<std::string>& by, const std::vector<size_t>& ma,
               const std::vector<size_t>& mb, const std::vector<size_t>& rows_a, const std::vector<size_t>& rows_b,
               const std::string& format, std::ostream& out) {
  std::map<std::vector<std::string>, std::pair<std::vector<size_t>, std::vector<size_t>>> joined;
  for (auto i : rows_a) joined[group_key(a, i, by)].first.push_back(i);
  for (auto i : rows_b) joined[group_key(b, i, by)].second.push_back(i);
  std::vector<std::vector<std::string>> keys;
  for (const auto& [k, _] : joined) keys.push_back(k);
  std::stable_sort(keys.begin(), keys.end(), [&](const auto& x, const auto& y) { return sort_key(by, x) < sort_key(by, y); });

  std::vector<std::vector<std::string>> table;
  std::vector<std::string> head = by;
  for (auto m : ma) {
    const std::string& name = a.metrics[m];
    if (format == "csv") {
      for (const char* c : {"a_mean", "a_std", "a_n", "b_mean", "b_std", "b_n", "diff", "ci_low", "ci_high", "outside"})
        head.push_back(name + "_" + c);
    } else {
      for (const std::string& c : {"A " + name, "B " + name, std::string("B − A"), std::string("95% CI"), std::string("")})
        head.push_back(c);
    }
  }
  table.push_back(head);
  for (const auto& k : keys) {
    const auto& [ia, ib] = joined[k];
    std::vector<std::string> row;
    for (const auto& v : k) row.push_back(format == "csv" ? csv_field(v) : (v.empty() ? "-" : v));
    for (size_t j = 0; j < ma.size(); ++j) {
      const stats::Summary sa = group_stat(a, ia, ma[j]), sb = group_stat(b, ib, mb[j]);
      const stats::Welch w = stats::welch_t_test(sb, sa);  // B - A
      const double d = w.diff;
      const bool no_ci = std::isnan(w.ci_low), outside = w.ci_low > 0 || w.ci_high < 0;
      if (format == "csv") {
        for (const auto& v : {number(sa.mean), number(sa.sd), std::to_string(sa.n), number(sb.mean), number(sb.sd),
                              std::to_string(sb.n), number(d), number(w.ci_low), number(w.ci_high)})
          row.push_back(v);
        row.push_back(no_ci ? "" : outside ? "1" : "0");
      } else {
        row.push_back(fmt::format("{} (n={})", mean_sd(sa), sa.n));
        row.push_back(fmt::format("{} (n={})", mean_sd(sb), sb.n));
        row.push_back(std::isnan(d) ? "-" : fmt::format("{:+.3f}", d));
        row.push_back(no_ci ? "-" : fmt::format("[{:+.3f}, {:+.3f}]", w.ci_low, w.ci_high));
        row.push_back(outside ? "*" : "");
      }
    }
    table.push_back(row);
  }
  if (format == "csv") {
    for (const auto& r : table) out << fmt::format("{}\n", fmt::join(r, ","));
    return;
  }
  out << "A: " << a.path << "\nB: " << b.path << "\n";
  print_aligned(table, by.size(), format == "markdown",
                "test-set metrics, mean ± sd over the runs of each row; * : the 95% CI of B − A (Welch, t) "
                "excludes 0",
                out);
}

// --paired: report.h5's /comparisons, the GAT against each other model and each ablation.
void print_paired(const std::string& path, const std::string& format, std::ostream& out) {
  const Report rep = read_report(path);
  if (!rep.has_comparisons)
    fail_file("report", path, "has no paired comparisons (written by an older kgpert report: run it again)");
  std::map<std::string, std::vector<std::string>> s;
  std::map<std::string, std::vector<double>> v;
  std::map<std::string, std::vector<int64_t>> n;
  for (const auto& c : rep.comparisons) {
    for (const auto& [k, x] : {std::pair{"split", &c.split}, {"variant", &c.variant}, {"a_model", &c.a_model},
                               {"a_ablation", &c.a_ablation}, {"b_model", &c.b_model}, {"b_ablation", &c.b_ablation},
                               {"unit", &c.unit}})
      s[k].push_back(*x);
    for (const auto& [k, x] : {std::pair{"pearson_diff", c.diff}, {"ci_low", c.ci_low}, {"ci_high", c.ci_high},
                               {"t", c.t}, {"p", c.p}})
      v[k].push_back(x);
    for (const auto& [k, x] : {std::pair{"seeds", c.seeds}, {"signatures", c.signatures}, {"groups", c.groups}})
      n[k].push_back(x);
  }
  auto name = [](const std::string& m, const std::string& a) { return a == "none" ? m : m + "+" + a; };
  std::vector<std::vector<std::string>> rows;
  if (format == "csv") {
    out << "split,variant,a,b,unit,seeds,signatures,groups,pearson_diff,ci_low,ci_high,t,p\n";
    for (size_t i = 0; i < s["split"].size(); ++i)
      out << fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{}\n", s["split"][i], csv_field(s["variant"][i]),
                         name(s["a_model"][i], s["a_ablation"][i]), name(s["b_model"][i], s["b_ablation"][i]),
                         s["unit"][i], n["seeds"][i], n["signatures"][i], n["groups"][i], number(v["pearson_diff"][i]),
                         number(v["ci_low"][i]), number(v["ci_high"][i]), number(v["t"][i]), number(v["p"][i]));
    return;
  }
  rows.push_back({"split", "A", "B", "seeds", "A − B (test Pearson)", "95% CI", "over", "t", "p", ""});
  for (size_t i = 0; i < s["split"].size(); ++i) {
    const double lo = v["ci_low"][i], hi = v["ci_high"][i];
    const std::string a = name(s["a_model"][i], s["a_ablation"][i]) + (s["variant"][i].empty() ? "" : " " + s["variant"][i]);
    rows.push_back({s["split"][i], a, name(s["b_model"][i], s["b_ablation"][i]), std::to_string(n["seeds"][i]),
                    fmt::format("{:+.3f}", v["pearson_diff"][i]),
                    std::isnan(lo) ? "-" : fmt::format("[{:+.3f}, {:+.3f}]", lo, hi),
                    fmt::format("{} {}s", n["groups"][i], s["unit"][i]),
                    std::isnan(v["t"][i]) ? "-" : fmt::format("{:.2f}", v["t"][i]),
                    std::isnan(v["p"][i]) ? "-" : fmt::format("{:.3g}", v["p"][i]), lo > 0 || hi < 0 ? "*" : ""});
  }
  print_aligned(rows, 3, format == "markdown",
                "per test signature, Pearson of A minus that of B, averaged over the seeds they share; 95% CI: "
                "bootstrap over the groups (scaffolds or cell lines); t, p: paired t-test over the seeds' means; "
                "* : the CI excludes 0",
                out);
}

std::vector<size_t> metric_indices(const Runs& runs, const std::vector<std::string>& wanted) {
  std::vector<size_t> out;
  for (const auto& w : wanted) {
    auto it = std::find(runs.metrics.begin(), runs.metrics.end(), w);
    if (it == runs.metrics.end())
      fail_file("report", runs.path, "has no metric \"{}\" (it has {})", w, fmt::join(runs.metrics, ", "));
    out.push_back(size_t(it - runs.metrics.begin()));
  }
  return out;
}

// The text to stdout, or to --out (atomically).
int emit(const StageContext& ctx, const std::string& text) {
  const std::string out = ctx.option("out");
  if (out.empty()) {
    std::cout << text;
    return 0;
  }
  h5::AtomicFile f(out);
  std::ofstream o(f.tmp_path());
  o << text;
  o.close();
  if (!o) fail_file("output", out, "cannot write");
  f.commit();
  return 0;
}

}  // namespace

int stage_compare(StageContext& ctx) {
  if (ctx.positional.empty() || ctx.positional.size() > 2)
    fail("expected one report.h5, or two to compare; usage: kgpert compare REPORT.h5 [OTHER.h5] "
         "[--by keys] [--where key=values]... [--metric names] [--format table|csv|markdown] [--out FILE]");
  const std::string format = ctx.option("format", "table");
  if (format != "table" && format != "csv" && format != "markdown")
    fail("--format \"{}\": expected table, csv or markdown", format);
  std::ostringstream text;
  if (ctx.flag("paired")) {
    if (ctx.positional.size() != 1) fail("--paired takes one report");
    for (const char* o : {"by", "where", "metric"})
      if (ctx.options.count(o)) fail("--paired prints every comparison of the report; it takes no --{}", o);
    print_paired(ctx.positional.front(), format, text);
    return emit(ctx, text.str());
  }
  std::vector<Runs> reports;
  for (const auto& p : ctx.positional) reports.push_back(read_runs(p));
  const auto where = ctx.options.count("where") ? ctx.options.at("where") : std::vector<std::string>{};
  // The points a successive-halving sweep stopped early only with --stopped.
  const bool stopped = ctx.flag("stopped");
  std::vector<std::vector<size_t>> rows;
  for (const auto& r : reports) {
    rows.push_back({});
    for (auto i : selected(r, where))
      if (stopped || r.key[i].at("stopped") == "finished") rows.back().push_back(i);
  }

  // Default grouping: every key but the seed (variant only when some run has one); the table
  // reads split first, the CSV model first (its columns since the first version).
  const bool variants = std::any_of(reports.begin(), reports.end(), [](const Runs& r) {
    return std::any_of(r.key.begin(), r.key.end(), [](const auto& k) { return !k.at("variant").empty(); });
  });
  std::vector<std::string> by = split_list(ctx.option("by"));
  if (by.empty()) {
    by = format == "csv" ? std::vector<std::string>{"model", "ablation", "split"}
                         : std::vector<std::string>{"split", "model", "ablation"};
    if (variants) by.push_back("variant");
    if (stopped) by.push_back("stopped");
  }
  for (const auto& b : by)
    if (std::find(kKeys.begin(), kKeys.end(), b) == kKeys.end())
      fail("--by \"{}\": {} is not one of {}", ctx.option("by"), b, fmt::join(kKeys, ", "));

  std::vector<std::string> wanted = split_list(ctx.option("metric"));
  if (wanted.empty()) {
    if (reports.size() == 2) wanted = {"pearson"};
    else if (format == "csv") wanted = reports[0].metrics;
    else wanted = {"pearson", "spearman", "rmse", "prec_up@50", "prec_down@50"};
  }

  if (reports.size() == 1) {
    if (rows[0].empty()) fail_file("report", reports[0].path, "no run matches --where {}", fmt::join(where, " --where "));
    print_one(reports[0], group(reports[0], rows[0], by), by, metric_indices(reports[0], wanted), format, text);
  } else {
    print_two(reports[0], reports[1], by, metric_indices(reports[0], wanted), metric_indices(reports[1], wanted),
              rows[0], rows[1], format, text);
  }
  return emit(ctx, text.str());
}

}  // namespace kg
