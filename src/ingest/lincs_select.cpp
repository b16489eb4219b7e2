// Ingestion, LINCS side: which landmark genes and which signatures to take, and where they
// are in the GCTX (from the metadata tables, or from the GCTX's own metadata).
#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>
#include <unordered_map>
#include <fmt/ranges.h>  // fmt::join

#include "core/error.hpp"
#include "ingest/builder.hpp"
#include "ingest/detail.hpp"
#include "io/gctx.hpp"
#include "io/lincs.hpp"

namespace kg::ingest_detail {

// Id -> position, failing on a repeated id (a GCTX axis must name each sample once).
std::unordered_map<std::string, int64_t> index_ids(const std::vector<std::string>& ids,
                                                   const std::string& path, const char* axis) {
  std::unordered_map<std::string, int64_t> at;
  at.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i)
    if (!at.emplace(ids[i], int64_t(i)).second)
      fail_file("GCTX", path, "duplicate {} id \"{}\" (at {} {} and {})", axis, ids[i], axis,
                at.at(ids[i]), i);
  return at;
}

namespace {

// A metadata value of a GCTX axis with LINCS missing markers mapped to "".
std::string meta(const GctxAxis& a, const char* field, size_t i) {
  auto it = a.fields.find(field);
  if (it == a.fields.end()) return "";
  const std::string& v = it->second[i];
  return v == "-666" || v == "NA" || v == "nan" || v == "-666.0" ? "" : v;
}

bool has_field(const GctxAxis& a, const char* field) { return a.fields.count(field) > 0; }

// The dose, time and cell-line selection of the config (an empty list keeps everything).
bool wanted(const Signature& s, const IngestConfig& c) {
  auto near = [](double v, double want, double rel) {
    return std::isfinite(v) && std::fabs(v - want) <= rel * std::max(want, 1e-12);
  };
  if (!c.doses.empty() &&
      std::none_of(c.doses.begin(), c.doses.end(), [&](double d) { return near(s.dose_um, d, 0.01); }))
    return false;
  if (!c.times.empty() &&
      std::none_of(c.times.begin(), c.times.end(), [&](double t) { return near(s.time_h, t, 1e-6); }))
    return false;
  return c.cell_lines.empty() ||
         std::find(c.cell_lines.begin(), c.cell_lines.end(), s.cell_id) != c.cell_lines.end();
}

}  // namespace

// Signature metadata from the GCTX column metadata (used when inputs.sig_info is empty);
// `line` holds the 1-based column number instead of a table line.
SigInfo signatures_from_gctx(const GctxAxis& cols, const std::string& path) {
  for (const char* f : {"pert_id", "pert_type", "cell_id"})
    if (!has_field(cols, f))
      fail_file("GCTX", path, "inputs.sig_info is empty and the column metadata has no field {}", f);
  const char* name = has_field(cols, "pert_iname") ? "pert_iname" : "cmap_name";
  SigInfo out;
  out.format = "gctx column metadata";
  out.rows.resize(cols.ids.size());
  for (size_t j = 0; j < cols.ids.size(); ++j) {
    Signature& s = out.rows[j];
    s.sig_id = cols.ids[j];
    s.line = int64_t(j) + 1;
    s.pert_id = meta(cols, "pert_id", j);
    s.pert_name = meta(cols, name, j);
    s.pert_type = meta(cols, "pert_type", j);
    s.cell_id = meta(cols, "cell_id", j);
    // As read_sig_info: pert_dose+unit, else pert_idose; a bad value names the field.
    auto take = [&](Quantity q, double& to) {
      if (!q.error.empty() && s.bad_value.empty())
        s.bad_value = fmt::format("sample \"{}\": column metadata {}", s.sig_id, q.error);
      if (std::isnan(to)) to = q.value;
    };
    take(parse_dose(meta(cols, "pert_dose", j), meta(cols, "pert_dose_unit", j)), s.dose_um);
    if (std::isnan(s.dose_um) && s.bad_value.empty()) take(parse_idose(meta(cols, "pert_idose", j)), s.dose_um);
    take(parse_time(meta(cols, "pert_time", j), meta(cols, "pert_time_unit", j)), s.time_h);
    if (std::isnan(s.time_h) && s.bad_value.empty()) take(parse_itime(meta(cols, "pert_itime", j)), s.time_h);
  }
  return out;
}

// Row of each gene id: by row id, else by the pr_gene_id row metadata (files keyed by probe
// id, like the level-3/4 plates).
std::unordered_map<std::string, int64_t> gene_rows(const GctxFile& f) {
  GctxAxis rows = f.rows();
  std::unordered_map<std::string, int64_t> row_of;
  for (size_t i = 0; i < rows.ids.size(); ++i) row_of.emplace(rows.ids[i], int64_t(i));
  if (has_field(rows, "pr_gene_id"))
    for (size_t i = 0; i < rows.ids.size(); ++i) row_of.emplace(meta(rows, "pr_gene_id", i), int64_t(i));
  row_of.erase("");
  return row_of;
}

Landmarks landmark_rows(const GeneInfo& info, const std::string& info_path, const GctxFile& gctx) {
  Landmarks lm;
  for (const auto& g : info.rows)
    if (g.is_landmark) lm.genes.push_back(g);
  if (lm.genes.empty()) fail_file("gene_info", info_path, "no landmark genes (no row flagged landmark)");
  const auto row_of = gene_rows(gctx);
  std::vector<std::string> missing;
  for (const auto& g : lm.genes) {
    auto it = row_of.find(g.gene_id);
    if (it == row_of.end()) missing.push_back(g.gene_id);
    else lm.gctx_row.push_back(it->second);
  }
  if (!missing.empty())
    fail_file("GCTX", gctx.path(),
              "{} of the {} landmark genes of gene_info \"{}\" are not among its {} row ids or pr_gene_id "
              "(first missing: {})",
              missing.size(), lm.genes.size(), info_path, gctx.num_rows(),
              fmt::join(missing.begin(), missing.begin() + std::min<size_t>(5, missing.size()), ", "));
  return lm;
}

// Landmark genes and their rows from the GCTX row metadata (used when inputs.gene_info is
// empty): gene id from pr_gene_id (else the row id), landmark flag from pr_is_lmark or
// pr_is_lm (1/Y/true; every row when neither field exists).
Landmarks landmarks_from_gctx(const GctxFile& gctx) {
  GctxAxis rows = gctx.rows();
  const char* flag = has_field(rows, "pr_is_lmark") ? "pr_is_lmark" : has_field(rows, "pr_is_lm") ? "pr_is_lm" : nullptr;
  Landmarks lm;
  for (size_t i = 0; i < rows.ids.size(); ++i) {
    std::string f = flag ? meta(rows, flag, i) : "1";
    if (!(f == "1" || f == "Y" || f == "y" || f == "true" || f == "True" || f == "TRUE")) continue;
    Gene g;
    g.gene_id = has_field(rows, "pr_gene_id") ? meta(rows, "pr_gene_id", i) : rows.ids[i];
    g.symbol = meta(rows, "pr_gene_symbol", i);
    g.title = meta(rows, "pr_gene_title", i);
    g.is_landmark = true;
    if (g.gene_id.empty()) fail_file("GCTX", gctx.path(), "row {} (\"{}\"): empty pr_gene_id", i, rows.ids[i]);
    lm.genes.push_back(std::move(g));
    lm.gctx_row.push_back(int64_t(i));
  }
  if (lm.genes.empty())
    fail_file("GCTX", gctx.path(), "inputs.gene_info is empty and no row is flagged landmark by {}", flag);
  return lm;
}

Selection select_signatures(const SigInfo& sigs, const std::string& what, const std::string& path,
                            const std::unordered_map<std::string, int64_t>& col_of,
                            const Config& cfg, IngestStats& st) {
  const char* unit = what == "GCTX" ? "column" : "line";
  Selection sel;
  std::unordered_map<std::string, int64_t> first;
  first.reserve(sigs.rows.size());
  for (const auto& s : sigs.rows) {
    if (auto [it, fresh] = first.emplace(s.sig_id, s.line); !fresh)
      fail_file(what, path, "{} {}: duplicate signature id \"{}\" (first on {} {})", unit, s.line, s.sig_id,
                unit, it->second);
    if (s.pert_type != cfg.ingest.pert_type) { ++st.skipped_type; continue; }
    if (!s.bad_value.empty()) fail_file(what, path, "{} {}: {}", unit, s.line, s.bad_value);
    if (!s.quality_ok) { ++st.skipped_quality; continue; }
    if (!wanted(s, cfg.ingest)) { ++st.skipped_filter; continue; }
    auto it = col_of.find(s.sig_id);
    if (it == col_of.end()) {
      if (!cfg.ingest.allow_missing_signatures)
        fail_file(what, path,
                  "{} {}: signature \"{}\" (pert_type {}) is not a column of GCTX \"{}\" "
                  "(set ingest.allow_missing_signatures=true to skip such signatures)",
                  unit, s.line, s.sig_id, s.pert_type, cfg.inputs.gctx);
      ++st.skipped_not_in_gctx;
      continue;
    }
    sel.kept.push_back(&s);
    sel.cols.push_back(it->second);
  }
  return sel;
}

// NaN or Inf in the selected expression values is bad input, not something to paper over.
void check_finite(const h5::Matrix<float>& y, const Samples& s, const std::string& path) {
  for (int64_t i = 0; i < y.rows; ++i) {
    const float* r = y.row(i);
    for (int64_t g = 0; g < y.cols; ++g)
      if (!std::isfinite(r[g]))
        fail_file("GCTX", path, "/0/DATA/0/matrix: value {} for signature \"{}\", gene {}: expression must be finite",
                  r[g], s.sig_id[size_t(i)], s.gene_id[size_t(g)]);
  }
}

int64_t merge_replicates(Samples& s) {
  const int64_t S = s.num_signatures(), G = s.num_genes();
  std::map<std::tuple<int32_t, int32_t, float, float>, int64_t> first;  // condition -> new row
  std::vector<int64_t> group(static_cast<size_t>(S)), count;
  std::vector<int64_t> keep;  // old row of each new row's first signature
  for (int64_t i = 0; i < S; ++i) {
    auto key = std::make_tuple(s.sig_drug[size_t(i)], s.sig_cell[size_t(i)], s.dose_um[size_t(i)], s.time_h[size_t(i)]);
    auto [it, fresh] = first.emplace(key, int64_t(keep.size()));
    if (fresh) keep.push_back(i), count.push_back(0);
    group[size_t(i)] = it->second;
    ++count[size_t(it->second)];
  }
  const int64_t n = int64_t(keep.size());
  if (n == S) return 0;
  h5::Matrix<float> y;
  y.rows = n, y.cols = G;
  y.data.assign(size_t(n * G), 0.f);
  for (int64_t i = 0; i < S; ++i)
    for (int64_t g = 0; g < G; ++g) y.row(group[size_t(i)])[g] += s.y.row(i)[g] / float(count[size_t(group[size_t(i)])]);
  auto pick = [&](auto& v) {
    std::remove_reference_t<decltype(v)> out;
    for (auto i : keep) out.push_back(v[size_t(i)]);
    v = std::move(out);
  };
  pick(s.sig_id), pick(s.sig_drug), pick(s.sig_cell), pick(s.dose_um), pick(s.time_h);
  s.y = std::move(y);
  return S - n;
}

}  // namespace kg::ingest_detail
