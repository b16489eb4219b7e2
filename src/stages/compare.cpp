// `kgpert compare`: prints the aggregates of report.h5 as an aligned table, Markdown or CSV.
// CSV columns: model,ablation,split, then <metric>_mean,<metric>_std for every metric, then n.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <numeric>
#include <sstream>

#include "core/error.hpp"
#include "stages/stage.hpp"

namespace kg {
namespace {

struct Aggregates {
  std::vector<std::string> model, ablation, split, metrics;
  std::vector<int64_t> n;
  std::vector<std::vector<double>> mean, sd;  // [metric][group]
};

Aggregates read_aggregates(const std::string& path) {
  h5::Reader r(path);
  if (!r.has_attr("/", "format") || r.attr_string("/", "format") != "kgpert-report-1")
    fail_file("report", path, "not a kgpert report (attribute format != kgpert-report-1)");
  Aggregates a;
  a.model = r.read_strings("/aggregates/model");
  a.ablation = r.read_strings("/aggregates/ablation");
  a.split = r.read_strings("/aggregates/split");
  a.n = r.read<int64_t>("/aggregates/n");
  a.metrics = r.read_strings("/aggregates/metrics");
  for (const auto& m : a.metrics) {
    a.mean.push_back(r.read<double>("/aggregates/" + m + "_mean"));
    a.sd.push_back(r.read<double>("/aggregates/" + m + "_std"));
  }
  return a;
}

// Rank used to order rows: split, then the full model before its ablations.
std::vector<size_t> row_order(const Aggregates& a) {
  std::vector<size_t> idx(a.n.size());
  std::iota(idx.begin(), idx.end(), 0);
  auto abl = [&](size_t i) { return a.ablation[i] == "none" ? std::string() : a.ablation[i]; };
  std::stable_sort(idx.begin(), idx.end(), [&](size_t x, size_t y) {
    return std::make_tuple(a.split[x], a.model[x], abl(x)) < std::make_tuple(a.split[y], a.model[y], abl(y));
  });
  return idx;
}

std::string number(double v) { return std::isnan(v) ? "nan" : fmt::format("{:.6g}", v); }

void print_csv(const Aggregates& a, std::ostream& out) {
  out << "model,ablation,split";
  for (const auto& m : a.metrics) out << "," << m << "_mean," << m << "_std";
  out << ",n\n";
  for (size_t i : row_order(a)) {
    out << a.model[i] << "," << a.ablation[i] << "," << a.split[i];
    for (size_t m = 0; m < a.metrics.size(); ++m)
      out << "," << number(a.mean[m][i]) << "," << number(a.sd[m][i]);
    out << "," << a.n[i] << "\n";
  }
}

void print_table(const Aggregates& a, std::ostream& out, bool markdown) {
  const std::vector<std::string> shown{"pearson", "spearman", "rmse", "prec_up@50", "prec_down@50"};
  std::vector<size_t> cols;
  for (const auto& s : shown) {
    auto it = std::find(a.metrics.begin(), a.metrics.end(), s);
    if (it != a.metrics.end()) cols.push_back(size_t(it - a.metrics.begin()));
  }
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> head{"split", "model", "ablation", "n"};
  for (auto c : cols) head.push_back(a.metrics[c]);
  rows.push_back(head);
  for (size_t i : row_order(a)) {
    std::vector<std::string> row{a.split[i], a.model[i], a.ablation[i], std::to_string(a.n[i])};
    for (auto c : cols)
      row.push_back(std::isnan(a.sd[c][i]) ? fmt::format("{:.3f}", a.mean[c][i])
                                           : fmt::format("{:.3f} ± {:.3f}", a.mean[c][i], a.sd[c][i]));
    rows.push_back(row);
  }
  // Width in characters (± is one character but two bytes).
  auto width = [](const std::string& s) {
    return std::count_if(s.begin(), s.end(), [](char ch) { return (ch & 0xC0) != 0x80; });
  };
  std::vector<long> w(head.size(), 0);
  for (const auto& r : rows)
    for (size_t c = 0; c < r.size(); ++c) w[c] = std::max(w[c], long(width(r[c])));
  auto emit = [&](const std::vector<std::string>& r) {
    if (markdown) out << "| ";
    for (size_t c = 0; c < r.size(); ++c) {
      bool left = c < 3;
      std::string pad(size_t(w[c] - width(r[c])), ' ');
      out << (left ? r[c] + pad : pad + r[c]) << (c + 1 < r.size() ? (markdown ? " | " : "  ") : "");
    }
    out << (markdown ? " |\n" : "\n");
  };
  emit(rows[0]);
  if (markdown) {
    out << "|";
    for (size_t c = 0; c < w.size(); ++c) out << std::string(size_t(w[c]) + 1, '-') << (c < 3 ? "-|" : ":|");
    out << "\n";
  } else {
    long total = std::accumulate(w.begin(), w.end(), 0L) + 2 * long(w.size() - 1);
    out << std::string(size_t(total), '-') << "\n";
  }
  for (size_t r = 1; r < rows.size(); ++r) emit(rows[r]);
  if (!markdown) out << "test-set metrics, mean ± sd over seeds (n runs per row)\n";
}

}  // namespace

int stage_compare(StageContext& ctx) {
  if (ctx.positional.size() != 1) fail("expected one report.h5; usage: kgpert compare REPORT.h5 [--format table|csv|markdown]");
  const std::string format = ctx.option("format", "table");
  if (format != "table" && format != "csv" && format != "markdown")
    fail("--format \"{}\": expected table, csv or markdown", format);
  Aggregates a = read_aggregates(ctx.positional.front());
  std::ostringstream text;
  if (format == "csv") print_csv(a, text);
  else print_table(a, text, format == "markdown");
  const std::string out = ctx.option("out");
  if (out.empty()) {
    std::cout << text.str();
  } else {
    h5::AtomicFile f(out);
    std::ofstream o(f.tmp_path());
    o << text.str();
    o.close();
    if (!o) fail_file("output", out, "cannot write");
    f.commit();
  }
  return 0;
}

}  // namespace kg
