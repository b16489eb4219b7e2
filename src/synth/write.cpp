// Writes the demo in the real formats: kg.csv, level-5 and control GCTX files, the LINCS
// sig/gene/cell/pert tables (tab-separated) and the DrugBank vocabulary CSV.
#include <fmt/format.h>

#include <filesystem>
#include <map>

#include "core/error.hpp"
#include "io/gctx.hpp"
#include "io/text.hpp"
#include "synth/demo.hpp"

namespace kg::synth {
namespace {

std::string num(double v) { return fmt::format("{}", v); }

// Row metadata of both GCTX files: the landmarks, LINCS-style.
GctxAxis landmark_axis(const Demo& d) {
  GctxAxis a;
  auto& sym = a.fields["pr_gene_symbol"];
  auto& lm = a.fields["pr_is_lm"];
  for (int64_t g = 0; g < d.world.n_landmarks; ++g) {
    a.ids.push_back(d.genes[size_t(g)].entrez);
    sym.push_back(d.genes[size_t(g)].symbol);
    lm.push_back("1");
  }
  return a;
}

// The per-signature columns shared by signatures.gctx and sig_info.txt.
std::map<std::string, std::vector<std::string>> signature_fields(const Demo& d) {
  std::map<std::string, std::vector<std::string>> f;
  for (size_t s = 0; s < d.world.signatures.size(); ++s) {
    const auto& sig = d.world.signatures[s];
    const auto& c = d.compounds[size_t(sig.drug)];
    f["cell_id"].push_back(d.cells[size_t(sig.cell)].id);
    f["pert_id"].push_back(c.pert_id);
    f["pert_iname"].push_back(c.iname);
    f["pert_type"].push_back("trt_cp");
    f["pert_dose"].push_back(num(sig.dose));
    f["pert_dose_unit"].push_back("uM");
    f["pert_idose"].push_back(num(sig.dose) + " uM");
    f["pert_time"].push_back(num(sig.time));
    f["pert_time_unit"].push_back("h");
    f["pert_itime"].push_back(num(sig.time) + " h");
  }
  return f;
}

void write_signatures(const Demo& d, const std::string& path) {
  GctxData g;
  g.rows = landmark_axis(d);
  for (size_t s = 0; s < d.world.signatures.size(); ++s) g.cols.ids.push_back(signature_id(d, int64_t(s)));
  g.cols.fields = signature_fields(d);
  g.values = d.world.y;
  write_gctx(path, g);
}

void write_controls(const Demo& d, const std::string& path) {
  GctxData g;
  g.rows = landmark_axis(d);
  std::vector<int64_t> rep(d.cells.size(), 0);
  for (int32_t c : d.world.control_cell) {
    const auto& cell = d.cells[size_t(c)].id;
    g.cols.ids.push_back(fmt::format("SYNCTL_{}_24H:DMSO:{}", cell, ++rep[size_t(c)]));
    g.cols.fields["cell_id"].push_back(cell);
    g.cols.fields["pert_id"].push_back("DMSO");
    g.cols.fields["pert_iname"].push_back("DMSO");
    g.cols.fields["pert_type"].push_back("ctl_vehicle");
    g.cols.fields["pert_time"].push_back("24");
    g.cols.fields["pert_time_unit"].push_back("h");
  }
  g.values = d.world.controls;
  write_gctx(path, g);
}

void write_sig_info(const Demo& d, const std::string& path) {
  auto f = signature_fields(d);
  const std::vector<std::string> cols{"pert_id", "pert_iname", "pert_type", "cell_id", "pert_dose",
                                      "pert_dose_unit", "pert_idose", "pert_time", "pert_time_unit", "pert_itime"};
  text::DelimitedWriter out(path, '\t', "sig_info");
  std::vector<std::string_view> row{"sig_id"};
  for (const auto& c : cols) row.push_back(c);
  out.row(row);
  for (size_t s = 0; s < d.world.signatures.size(); ++s) {
    std::string id = signature_id(d, int64_t(s));
    row.assign({id});
    for (const auto& c : cols) row.push_back(f[c][s]);
    out.row(row);
  }
  out.commit();
}

// The 978 landmarks (pr_is_lm=1) and the first 20 other proteins (pr_is_lm=0).
void write_gene_info(const Demo& d, const std::string& path) {
  text::DelimitedWriter out(path, '\t', "gene_info");
  out.row({"pr_gene_id", "pr_gene_symbol", "pr_gene_title", "pr_is_lm", "pr_is_bing"});
  int64_t n = std::min<int64_t>(d.world.n_genes, d.world.n_landmarks + 20);
  for (int64_t g = 0; g < n; ++g) {
    const auto& gi = d.genes[size_t(g)];
    bool lm = g < d.world.n_landmarks;
    out.row({gi.entrez, gi.symbol, gi.title, lm ? "1" : "0", "1"});
  }
  out.commit();
}

void write_cell_info(const Demo& d, const std::string& path) {
  text::DelimitedWriter out(path, '\t', "cell_info");
  out.row({"cell_id", "cell_type", "primary_site", "primary_disease", "cell_lineage", "donor_sex"});
  for (const auto& c : d.cells) out.row({c.id, "cell line", c.primary_site, c.disease, c.lineage, c.sex});
  out.commit();
}

void write_pert_info(const Demo& d, const std::string& path) {
  text::DelimitedWriter out(path, '\t', "pert_info");
  out.row({"pert_id", "pert_iname", "pert_type", "canonical_smiles", "inchi_key"});
  for (const auto& c : d.compounds) out.row({c.pert_id, c.iname, "trt_cp", c.smiles, c.inchikey});
  out.commit();
}

// DrugBank's vocabulary columns; matched compounds first, then the distractors.
void write_vocabulary(const Demo& d, const std::string& path) {
  text::DelimitedWriter out(path, ',', "DrugBank vocabulary");
  out.row({"DrugBank ID", "Accession Numbers", "Common name", "CAS", "UNII", "Synonyms", "Standard InChI Key"});
  auto entry = [&](const Compound& c, bool with_key) {
    std::string acc = fmt::format("SYN{} | BTD{}", c.drugbank.substr(2), c.drugbank.substr(2));
    std::string syn = fmt::format("{} | {} hydrochloride", c.drug_name, c.drug_name);
    out.row({c.drugbank, acc, c.drug_name, "", "", syn, with_key ? c.inchikey : ""});
  };
  for (size_t i = 0; i < d.compounds.size(); ++i)
    if (!d.compounds[i].drugbank.empty()) entry(d.compounds[i], !d.vocab_without_key[i]);
  for (const auto& c : d.kg_only) entry(c, true);
  for (const auto& c : d.vocab_only) entry(c, true);
  out.commit();
}

}  // namespace

std::string signature_id(const Demo& d, int64_t s) {
  const auto& sig = d.world.signatures[size_t(s)];
  return fmt::format("SYN001_{}_{}H:{}:{}", d.cells[size_t(sig.cell)].id, num(sig.time),
                     d.compounds[size_t(sig.drug)].pert_id, num(sig.dose));
}

void write_demo(const Demo& d, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) fail_file("output directory", dir, "cannot create: {}", ec.message());
  auto at = [&](const char* name) { return (std::filesystem::path(dir) / name).string(); };
  write_kg(d.kg, at(DemoFiles::kg_csv));
  write_signatures(d, at(DemoFiles::signatures));
  write_controls(d, at(DemoFiles::controls));
  write_sig_info(d, at(DemoFiles::sig_info));
  write_gene_info(d, at(DemoFiles::gene_info));
  write_cell_info(d, at(DemoFiles::cell_info));
  write_pert_info(d, at(DemoFiles::pert_info));
  write_vocabulary(d, at(DemoFiles::drugbank_vocab));
}

std::string summary(const Demo& d) {
  std::map<std::string, int64_t> nodes, rows;
  for (const auto& n : d.kg.nodes) ++nodes[n.type];
  for (const auto& e : d.kg.edges) rows[d.kg.relations[size_t(e.rel)].name] += 2;
  std::string s = fmt::format("kg.csv: {} nodes, {} rows (both directions)\n", d.kg.nodes.size(), 2 * d.kg.edges.size());
  for (const auto& [t, n] : nodes) s += fmt::format("  node {:<20} {}\n", t, n);
  for (const auto& [r, n] : rows) s += fmt::format("  rel  {:<28} {}\n", r, n);
  int64_t in_kg = 0;
  for (auto b : d.world.compound_in_kg) in_kg += b;
  s += fmt::format("signatures: {} ({} compounds, {} in PrimeKG; {} cell lines; {} scaffolds); controls: {}\n",
                   d.world.signatures.size(), d.compounds.size(), in_kg, d.cells.size(),
                   d.world.scaffold_home.size(), d.world.controls.rows);
  return s;
}

}  // namespace kg::synth
