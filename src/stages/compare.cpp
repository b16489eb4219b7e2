// `kgpert compare`: prints the aggregates of report.h5 as an aligned table, Markdown or CSV.
// CSV columns: model,ablation,split[,variant], then <metric>_mean,<metric>_std for every metric,
// then n (variant: the sweep.grid values of the group, when any group has some).
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
  std::vector<std::string> model, ablation, split, variant, metrics;
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
  // Reports from before sweep grids have no variants.
  a.variant = r.has("/aggregates/variant") ? r.read_strings("/aggregates/variant")
                                           : std::vector<std::string>(a.split.size());
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
    return std::make_tuple(a.split[x], a.model[x], a.variant[x], abl(x)) <
           std::make_tuple(a.split[y], a.model[y], a.variant[y], abl(y));
  });
  return idx;
}

std::string number(double v) { return std::isnan(v) ? "nan" : fmt::format("{:.6g}", v); }

bool has_variants(const Aggregates& a) {
  return std::any_of(a.variant.begin(), a.variant.end(), [](const std::string& v) { return !v.empty(); });
}

// A CSV field, quoted when it holds a comma, a quote or a space.
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\" ") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

void print_csv(const Aggregates& a, std::ostream& out) {
  const bool variants = has_variants(a);
  out << "model,ablation,split" << (variants ? ",variant" : "");
  for (const auto& m : a.metrics) out << "," << m << "_mean," << m << "_std";
  out << ",n\n";
  for (size_t i : row_order(a)) {
    out << a.model[i] << "," << a.ablation[i] << "," << a.split[i];
    if (variants) out << "," << csv_field(a.variant[i]);
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
  const bool variants = has_variants(a);
  const size_t text_cols = variants ? 4 : 3;  // left-aligned columns
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> head{"split", "model", "ablation"};
  if (variants) head.push_back("variant");
  head.push_back("n");
  for (auto c : cols) head.push_back(a.metrics[c]);
  rows.push_back(head);
  for (size_t i : row_order(a)) {
    std::vector<std::string> row{a.split[i], a.model[i], a.ablation[i]};
    if (variants) row.push_back(a.variant[i].empty() ? "-" : a.variant[i]);
    row.push_back(std::to_string(a.n[i]));
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
      bool left = c < text_cols;
      std::string pad(size_t(w[c] - width(r[c])), ' ');
      out << (left ? r[c] + pad : pad + r[c]) << (c + 1 < r.size() ? (markdown ? " | " : "  ") : "");
    }
    out << (markdown ? " |\n" : "\n");
  };
  emit(rows[0]);
  if (markdown) {
    out << "|";
    for (size_t c = 0; c < w.size(); ++c) out << std::string(size_t(w[c]) + 1, '-') << (c < text_cols ? "-|" : ":|");
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
