// LINCS metadata readers and writers: column aliases across the GSE92742/GSE70138, CMap 2020
// beta, cmapM and dhimmel/lincs generations; dose, time and flag normalisation.
#include "io/lincs.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <unordered_map>

#include "core/error.hpp"
#include "io/text.hpp"

namespace kg {

using Col = text::Column;
using text::is_missing;
using text::Table;

// ---- value parsing -------------------------------------------------------------------------

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Parses a leading number; `rest` gets what follows it. False when there is none.
bool parse_number(std::string_view s, double& out, std::string_view* rest = nullptr) {
  std::string buf(trim(s));  // strtod needs a terminated string; these are short
  if (buf.empty()) return false;
  char* end = nullptr;
  out = std::strtod(buf.c_str(), &end);
  if (end == buf.c_str()) return false;
  size_t used = size_t(end - buf.c_str());
  if (rest) {
    std::string_view t = trim(s);
    *rest = trim(t.substr(used));
    return true;
  }
  return used == buf.size();
}

// Lower-cases ASCII and spells both micro signs (U+00B5, U+03BC) as "u".
std::string unit_key(std::string_view u) {
  std::string out;
  for (size_t i = 0; i < u.size(); ++i) {
    unsigned char c = u[i];
    if (i + 1 < u.size() && ((c == 0xC2 && uint8_t(u[i + 1]) == 0xB5) ||
                             (c == 0xCE && uint8_t(u[i + 1]) == 0xBC))) {
      out.push_back('u');
      ++i;
    } else if (c != ' ') {
      out.push_back(char(c >= 'A' && c <= 'Z' ? c + 32 : c));
    }
  }
  return out;
}

double molar_factor(std::string_view unit) {
  std::string u = unit_key(unit);
  if (u == "um") return 1;
  if (u == "nm") return 1e-3;
  if (u == "mm") return 1e3;
  if (u == "pm") return 1e-6;
  if (u == "m") return 1e6;  // lower-cased "M", molar
  return NAN;
}

double hour_factor(std::string_view unit) {
  std::string u = unit_key(unit);
  if (u == "h" || u == "hr" || u == "hrs" || u == "hour" || u == "hours") return 1;
  if (u == "m" || u == "min" || u == "mins" || u == "minute" || u == "minutes") return 1.0 / 60;
  if (u == "d" || u == "day" || u == "days") return 24;
  return NAN;
}

struct Kind {
  double (*factor)(std::string_view);
  const char* units;  // for messages
};
constexpr Kind kDose{molar_factor, "a molar concentration (pM, nM, uM/µM, mM, M)"};
constexpr Kind kTime{hour_factor, "a duration (h, min, d)"};

// A number, checked: finite and not negative. `field` names the column in the error.
bool checked_number(std::string_view text, const char* field, double& v, std::string& error) {
  if (!parse_number(text, v)) {
    error = fmt::format("{} \"{}\" is not a number", field, text);
    return false;
  }
  if (!std::isfinite(v)) {
    error = fmt::format("{} \"{}\" is not a finite number", field, text);
    return false;
  }
  if (v < 0) {
    error = fmt::format("{} \"{}\" is negative", field, text);
    return false;
  }
  return true;
}

Quantity scaled(std::string_view value, std::string_view unit, const char* value_field,
                const char* unit_field, const Kind& k) {
  Quantity q;
  value = trim(value), unit = trim(unit);
  if (is_missing(value)) return q;  // missing: NaN, whatever the unit says
  double v;
  if (!checked_number(value, value_field, v, q.error)) return q;
  if (is_missing(unit)) {
    q.error = fmt::format("{} \"{}\" has no unit ({} is missing)", value_field, value, unit_field);
    return q;
  }
  const double f = k.factor(unit);
  if (std::isnan(f)) {
    q.error = fmt::format("{} \"{}\" is not {}", unit_field, unit, k.units);
    return q;
  }
  q.value = v * f;
  return q;
}

Quantity scaled_joined(std::string_view s, const char* field, const Kind& k) {
  Quantity q;
  s = trim(s);
  if (is_missing(s)) return q;
  // The number ends where the unit starts: "10 uM", "500nM", "24h" (strtod would take the
  // "e" of an exponent only when digits follow).
  size_t n = 0;
  while (n < s.size() && (std::isdigit(uint8_t(s[n])) || s[n] == '.' || s[n] == '-' || s[n] == '+' ||
                          ((s[n] == 'e' || s[n] == 'E') && n + 1 < s.size() &&
                           (std::isdigit(uint8_t(s[n + 1])) || s[n + 1] == '-' || s[n + 1] == '+'))))
    ++n;
  const std::string_view num = trim(s.substr(0, n)), unit = trim(s.substr(n));
  double v;
  if (num.empty()) {
    q.error = fmt::format("{} \"{}\" is not a number and a unit", field, s);
    return q;
  }
  if (!checked_number(num, field, v, q.error)) {
    q.error = fmt::format("{} \"{}\": {}", field, s, q.error.substr(q.error.find(' ') + 1));
    return q;
  }
  if (unit.empty()) {
    q.error = fmt::format("{} \"{}\" has no unit", field, s);
    return q;
  }
  const double f = k.factor(unit);
  if (std::isnan(f)) {
    q.error = fmt::format("{} \"{}\": unit \"{}\" is not {}", field, s, unit, k.units);
    return q;
  }
  q.value = v * f;
  return q;
}

}  // namespace

Quantity parse_dose(std::string_view value, std::string_view unit) {
  return scaled(value, unit, "pert_dose", "pert_dose_unit", kDose);
}
Quantity parse_idose(std::string_view idose) { return scaled_joined(idose, "pert_idose", kDose); }
Quantity parse_time(std::string_view value, std::string_view unit) {
  return scaled(value, unit, "pert_time", "pert_time_unit", kTime);
}
Quantity parse_itime(std::string_view itime) { return scaled_joined(itime, "pert_itime", kTime); }

double dose_to_um(std::string_view value, std::string_view unit) { return parse_dose(value, unit).value; }
double idose_to_um(std::string_view idose) { return parse_idose(idose).value; }
double time_to_h(std::string_view value, std::string_view unit) { return parse_time(value, unit).value; }
double itime_to_h(std::string_view itime) { return parse_itime(itime).value; }

std::string normalize_inchikey(std::string_view v) {
  v = trim(v);
  if (v.substr(0, 9) == "InChIKey=") v.remove_prefix(9);
  return is_missing(v) ? std::string() : std::string(v);
}

bool is_inchikey(std::string_view v) {
  if (v.size() != 27 || v[14] != '-' || v[25] != '-') return false;
  for (size_t i = 0; i < v.size(); ++i)
    if (i != 14 && i != 25 && !(v[i] >= 'A' && v[i] <= 'Z')) return false;
  return true;
}

// ---- table helpers -------------------------------------------------------------------------

namespace {

// The value at row i of an optional column, with LINCS missing values mapped to "".
std::string get(const Col* c, size_t i) {
  if (!c || is_missing((*c)[i])) return {};
  return std::string((*c)[i]);
}

std::string columns_of(const Table& t) {
  std::string out;
  for (const auto& h : t.header()) out += (out.empty() ? "" : ", ") + h;
  return out;
}

[[noreturn]] void fail_layout(const Table& t, const std::string& expected) {
  t.fail("no known layout fits the header; expected " + expected + "; columns present: " +
         columns_of(t));
}

enum class Flag { kTrue, kFalse, kUnknown };

// Boolean columns come as 1/0, 1.0/0.0, True/False, true/false, Y/N; missing is unknown.
Flag parse_flag(const Table& t, const Col* c, const char* name, size_t i) {
  if (!c || is_missing((*c)[i])) return Flag::kUnknown;
  std::string_view v = (*c)[i];
  if (v == "1" || v == "1.0" || v == "True" || v == "true" || v == "TRUE" || v == "Y")
    return Flag::kTrue;
  if (v == "0" || v == "0.0" || v == "False" || v == "false" || v == "FALSE" || v == "N")
    return Flag::kFalse;
  t.fail_row(i, fmt::format("{} \"{}\" is not a boolean (1/0, True/False)", name, v));
}

// (Both arms are views: `cond ? "-666" : s` would build a temporary std::string.)
std::string_view or_missing(const std::string& s) {
  return s.empty() ? std::string_view("-666") : std::string_view(s);
}

std::string number(double v) { return std::isnan(v) ? "-666" : fmt::format("{}", v); }

}  // namespace

// ---- signatures ----------------------------------------------------------------------------

SigInfo read_sig_info(const std::string& path) {
  Table t = text::read_table(path, 0, "sig_info",
                             {"sig_id", "id", "pert_id", "cmap_name", "pert_iname", "cell_iname",
                              "cell_id", "pert_type", "pert_dose", "pert_dose_unit", "pert_idose",
                              "pert_time", "pert_time_unit", "pert_itime", "is_hiq", "qc_pass"});
  const Col* sig = t.find_any({"sig_id", "id"});
  const Col* pert = t.find("pert_id");
  const Col* name = t.find_any({"cmap_name", "pert_iname"});
  const Col* cell = t.find_any({"cell_iname", "cell_id"});
  if (!sig || !pert || !name || !cell)
    fail_layout(t,
                "GSE92742/GSE70138 sig_info (sig_id, pert_id, pert_iname, pert_type, cell_id, "
                "pert_dose+pert_dose_unit or pert_idose, pert_time+pert_time_unit or pert_itime) "
                "or CMap 2020 siginfo_beta (sig_id, pert_id, cmap_name, pert_type, cell_iname, "
                "pert_dose, pert_dose_unit, pert_time, pert_time_unit, is_hiq, qc_pass)");
  const Col* type = t.find("pert_type");
  const Col *dose = t.find("pert_dose"), *dose_unit = t.find("pert_dose_unit");
  const Col* idose = t.find("pert_idose");
  const Col *time = t.find("pert_time"), *time_unit = t.find("pert_time_unit");
  const Col* itime = t.find("pert_itime");
  const Col *hiq = t.find("is_hiq"), *qc = t.find("qc_pass");

  SigInfo out;
  out.format = t.has("cmap_name") ? "siginfo_beta" : "sig_info";
  out.rows.resize(t.num_rows());
  for (size_t i = 0; i < t.num_rows(); ++i) {
    Signature& s = out.rows[i];
    s.sig_id = get(sig, i);
    s.line = t.line(i);
    s.pert_id = get(pert, i);
    s.pert_name = get(name, i);
    s.pert_type = get(type, i);
    s.cell_id = get(cell, i);
    // pert_dose+pert_dose_unit, else pert_idose; a bad value is kept as a reason (an error
    // for the signatures ingest selects), naming the column.
    auto take = [&](Quantity q, double& to, const char* field) {
      if (!q.error.empty() && s.bad_value.empty())
        s.bad_value = fmt::format("column {} ({}): {}", t.column_number(field), field, q.error);
      if (std::isnan(to)) to = q.value;
    };
    if (dose && dose_unit) take(parse_dose((*dose)[i], (*dose_unit)[i]), s.dose_um, "pert_dose");
    if (std::isnan(s.dose_um) && s.bad_value.empty() && idose) take(parse_idose((*idose)[i]), s.dose_um, "pert_idose");
    if (time && time_unit) take(parse_time((*time)[i], (*time_unit)[i]), s.time_h, "pert_time");
    if (std::isnan(s.time_h) && s.bad_value.empty() && itime) take(parse_itime((*itime)[i]), s.time_h, "pert_itime");
    s.quality_ok = parse_flag(t, hiq, "is_hiq", i) != Flag::kFalse &&
                   parse_flag(t, qc, "qc_pass", i) != Flag::kFalse;
  }
  return out;
}

void write_sig_info(const std::string& path, const SigInfo& s) {
  bool any_bad = false;
  for (const auto& r : s.rows) any_bad |= !r.quality_ok;
  text::DelimitedWriter w(path, '\t', "sig_info");
  std::vector<std::string_view> head = {"sig_id",    "pert_id",        "pert_iname", "pert_type",
                                        "cell_id",   "pert_dose",      "pert_dose_unit",
                                        "pert_idose", "pert_time",     "pert_time_unit",
                                        "pert_itime"};
  if (any_bad) head.push_back("is_hiq");
  w.row(head);
  for (const auto& r : s.rows) {
    bool dose = !std::isnan(r.dose_um), time = !std::isnan(r.time_h);
    std::string d = number(r.dose_um), idose = dose ? d + " \xC2\xB5M" : "-666";
    std::string h = number(r.time_h), itime = time ? h + " h" : "-666";
    std::vector<std::string_view> f = {
        or_missing(r.sig_id), or_missing(r.pert_id), or_missing(r.pert_name),
        or_missing(r.pert_type), or_missing(r.cell_id), d, dose ? "\xC2\xB5M" : "-666", idose,
        h, time ? "h" : "-666", itime};
    if (any_bad) f.push_back(r.quality_ok ? "1" : "0");
    w.row(f);
  }
  w.commit();
}

// ---- genes ---------------------------------------------------------------------------------

GeneInfo read_gene_info(const std::string& path) {
  Table t = text::read_table(path, 0, "gene_info",
                             {"gene_id", "pr_gene_id", "gene_symbol", "pr_gene_symbol",
                              "gene_title", "pr_gene_title", "feature_space", "pr_is_lm",
                              "pr_is_lmark", "is_lm"});
  const Col* id = t.find_any({"gene_id", "pr_gene_id"});
  const Col* sym = t.find_any({"gene_symbol", "pr_gene_symbol"});
  const Col* title = t.find_any({"gene_title", "pr_gene_title"});
  const Col* space = t.find("feature_space");
  const Col* flag = t.find_any({"pr_is_lm", "pr_is_lmark", "is_lm"});
  bool row_meta = !space && !flag && (t.has("rid") || t.has("id"));
  if (!id || !sym || !(space || flag || row_meta))
    fail_layout(t,
                "GSE92742 gene_info (pr_gene_id, pr_gene_symbol, pr_is_lm), CMap 2020 "
                "geneinfo_beta (gene_id, gene_symbol, feature_space), dhimmel geneinfo "
                "(pr_gene_id, pr_gene_symbol, is_lm) or a landmark row-meta table (rid, "
                "pr_gene_id, pr_gene_symbol)");
  GeneInfo out;
  out.format = space               ? "geneinfo_beta"
               : row_meta          ? "row_meta"
               : t.has("is_lm")    ? "dhimmel geneinfo"
                                   : "gene_info";
  const char* flag_name = t.has("pr_is_lm") ? "pr_is_lm" : t.has("pr_is_lmark") ? "pr_is_lmark"
                                                                                 : "is_lm";
  out.rows.resize(t.num_rows());
  std::unordered_map<std::string, size_t> first;  // landmark gene id -> row
  for (size_t i = 0; i < t.num_rows(); ++i) {
    Gene& g = out.rows[i];
    g.gene_id = get(id, i);
    g.symbol = get(sym, i);
    g.title = get(title, i);
    if (space)
      g.is_landmark = (*space)[i] == "landmark";
    else if (flag)
      g.is_landmark = parse_flag(t, flag, flag_name, i) == Flag::kTrue;
    else
      g.is_landmark = true;
    // A gene flagged landmark on two rows would be a column of the profiles twice. (Probe-level
    // tables such as dhimmel's list a landmark's other, non-landmark probes with its id.)
    if (g.gene_id.empty() || !g.is_landmark) continue;
    if (auto [it, fresh] = first.emplace(g.gene_id, i); !fresh)
      t.fail_row(i, fmt::format("landmark gene {} is listed twice (first on line {}); each gene must have one row",
                                g.gene_id, t.line(it->second)));
  }
  return out;
}

void write_gene_info(const std::string& path, const GeneInfo& g) {
  text::DelimitedWriter w(path, '\t', "gene_info");
  w.row({"pr_gene_id", "pr_gene_symbol", "pr_gene_title", "pr_is_lm"});
  for (const auto& r : g.rows)
    w.row({or_missing(r.gene_id), or_missing(r.symbol), or_missing(r.title),
           r.is_landmark ? "1" : "0"});
  w.commit();
}

// ---- cells ---------------------------------------------------------------------------------

CellInfo read_cell_info(const std::string& path) {
  Table t = text::read_table(path, 0, "cell_info",
                             {"cell_iname", "cell_id", "cell_lineage", "primary_site", "lineage",
                              "primary_disease", "subtype", "cell_histology", "disease"});
  const Col* id = t.find_any({"cell_iname", "cell_id"});
  const Col* lineage = t.find_any({"cell_lineage", "primary_site", "lineage"});
  const Col* disease = t.find_any({"primary_disease", "subtype", "cell_histology", "disease"});
  if (!id || !lineage)
    fail_layout(t,
                "GSE92742 cell_info (cell_id, primary_site, subtype), CMap 2020 cellinfo_beta "
                "(cell_iname, cell_lineage, primary_disease) or dhimmel cellinfo (cell_id, "
                "cell_lineage, cell_histology)");
  CellInfo out;
  out.format = t.has("cell_iname")       ? "cellinfo_beta"
               : t.has("cell_histology") ? "dhimmel cellinfo"
                                         : "cell_info";
  out.rows.resize(t.num_rows());
  for (size_t i = 0; i < t.num_rows(); ++i)
    out.rows[i] = {get(id, i), get(lineage, i), get(disease, i)};
  return out;
}

void write_cell_info(const std::string& path, const CellInfo& c) {
  text::DelimitedWriter w(path, '\t', "cell_info");
  w.row({"cell_id", "primary_site", "subtype"});
  for (const auto& r : c.rows)
    w.row({or_missing(r.cell_id), or_missing(r.lineage), or_missing(r.disease)});
  w.commit();
}

// ---- compounds -----------------------------------------------------------------------------

PertInfo read_pert_info(const std::string& path) {
  Table t = text::read_table(path, 0, "pert_info",
                             {"pert_id", "cmap_name", "pert_iname", "pert_type",
                              "canonical_smiles", "smiles", "inchi_key", "inchikey"});
  const Col* id = t.find("pert_id");
  const Col* name = t.find_any({"cmap_name", "pert_iname"});
  const Col* type = t.find("pert_type");
  const Col* smiles = t.find_any({"canonical_smiles", "smiles"});
  const Col* key = t.find_any({"inchi_key", "inchikey"});
  if (!id || !name || !(smiles || key))
    fail_layout(t,
                "GSE92742 pert_info (pert_id, pert_iname, pert_type, canonical_smiles, "
                "inchi_key), CMap 2020 compoundinfo_beta (pert_id, cmap_name, canonical_smiles, "
                "inchi_key, target, moa) or a compound list (pert_id, pert_iname, "
                "canonical_smiles)");
  PertInfo out;
  out.format = t.has("cmap_name")                                 ? "compoundinfo_beta"
               : t.has("pert_summary") || t.has("inchi_string") ? "dhimmel pertinfo"
               : key                                              ? "pert_info"
                                                                  : "compound list";
  std::unordered_map<std::string, size_t> seen;
  auto fill = [](std::string& dst, std::string v) {
    if (dst.empty()) dst = std::move(v);
  };
  for (size_t i = 0; i < t.num_rows(); ++i) {
    std::string pid = get(id, i);
    if (pid.empty()) t.fail_row(i, "empty pert_id");
    auto [it, fresh] = seen.emplace(pid, out.rows.size());
    if (fresh) out.rows.push_back({pid, "", "", "", ""});
    else ++out.repeated_rows;
    Compound& c = out.rows[it->second];
    fill(c.name, get(name, i));
    fill(c.pert_type, get(type, i));
    fill(c.smiles, get(smiles, i));
    if (key) fill(c.inchikey, normalize_inchikey((*key)[i]));
  }
  return out;
}

void write_pert_info(const std::string& path, const PertInfo& p) {
  text::DelimitedWriter w(path, '\t', "pert_info");
  w.row({"pert_id", "pert_iname", "pert_type", "inchi_key_prefix", "inchi_key",
         "canonical_smiles"});
  for (const auto& r : p.rows) {
    std::string prefix = r.inchikey.substr(0, r.inchikey.find('-'));
    w.row({or_missing(r.pert_id), or_missing(r.name), or_missing(r.pert_type), or_missing(prefix),
           or_missing(r.inchikey), or_missing(r.smiles)});
  }
  w.commit();
}

// ---- DrugBank vocabulary -------------------------------------------------------------------

namespace {

std::vector<std::string> split_synonyms(std::string_view s) {
  std::vector<std::string> out;
  if (s.empty()) return out;
  for (size_t pos = 0;;) {
    size_t next = s.find(" | ", pos);
    out.emplace_back(s.substr(pos, next - pos));
    if (next == std::string::npos) break;
    pos = next + 3;
  }
  return out;
}

}  // namespace

DrugbankVocab read_drugbank_vocab(const std::string& path) {
  Table t = text::read_table(path, 0, "DrugBank vocabulary");
  const Col* id = t.find("DrugBank ID");
  const Col* name = t.find("Common name");
  if (!id || !name)
    fail_layout(t,
                "DrugBank vocabulary (DrugBank ID, Accession Numbers, Common name, CAS, UNII, "
                "Synonyms, Standard InChI Key)");
  const Col *acc = t.find("Accession Numbers"), *cas = t.find("CAS"), *unii = t.find("UNII");
  const Col *syn = t.find("Synonyms"), *key = t.find("Standard InChI Key");
  DrugbankVocab out;
  out.rows.resize(t.num_rows());
  for (size_t i = 0; i < t.num_rows(); ++i) {
    DrugbankEntry& e = out.rows[i];
    e.id = (*id)[i];
    if (e.id.empty()) t.fail_row(i, "empty DrugBank ID");
    e.name = (*name)[i];
    e.accessions = acc ? (*acc)[i] : "";
    e.cas = cas ? (*cas)[i] : "";
    e.unii = unii ? (*unii)[i] : "";
    e.synonyms = split_synonyms(syn ? (*syn)[i] : std::string_view());
    e.inchikey = key ? normalize_inchikey((*key)[i]) : "";
  }
  return out;
}

void write_drugbank_vocab(const std::string& path, const DrugbankVocab& v) {
  text::DelimitedWriter w(path, ',', "DrugBank vocabulary");
  w.row({"DrugBank ID", "Accession Numbers", "Common name", "CAS", "UNII", "Synonyms",
         "Standard InChI Key"});
  for (const auto& e : v.rows) {
    std::string syn;
    for (const auto& s : e.synonyms) syn += (syn.empty() ? "" : " | ") + s;
    w.row({e.id, e.accessions, e.name, e.cas, e.unii, syn, e.inchikey});
  }
  w.commit();
}

}  // namespace kg
