// Writes the demo in the real formats: kg.csv, level-5 and control GCTX files, the LINCS
// sig/gene/cell/pert tables (GSE92742 layout, io/lincs writers) and the DrugBank vocabulary CSV.
#include <fmt/format.h>

#include <filesystem>
#include <map>

#include "core/error.hpp"
#include "io/gctx.hpp"
#include "io/lincs.hpp"
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
    f["pert_dose_unit"].push_back("\xC2\xB5M");
    f["pert_idose"].push_back(num(sig.dose) + " \xC2\xB5M");
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

void write_sigs(const Demo& d, const std::string& path) {
  SigInfo info;
  info.format = "sig_info";
  for (size_t s = 0; s < d.world.signatures.size(); ++s) {
    const auto& sig = d.world.signatures[s];
    const auto& c = d.compounds[size_t(sig.drug)];
    info.rows.push_back({signature_id(d, int64_t(s)), c.pert_id, c.iname, "trt_cp",
                         d.cells[size_t(sig.cell)].id, sig.dose, sig.time, true, "", 0});
  }
  write_sig_info(path, info);
}

// The 978 landmarks (pr_is_lm=1) and the first 20 other proteins (pr_is_lm=0).
void write_genes(const Demo& d, const std::string& path) {
  GeneInfo info;
  info.format = "gene_info";
  int64_t n = std::min<int64_t>(d.world.n_genes, d.world.n_landmarks + 20);
  for (int64_t g = 0; g < n; ++g) {
    const auto& gi = d.genes[size_t(g)];
    info.rows.push_back({gi.entrez, gi.symbol, gi.title, g < d.world.n_landmarks});
  }
  write_gene_info(path, info);
}

// GSE92742 layout: primary_site and subtype hold anatomy and disease node names of kg.csv.
void write_cells(const Demo& d, const std::string& path) {
  CellInfo info;
  info.format = "cell_info";
  for (const auto& c : d.cells) info.rows.push_back({c.id, c.primary_site, c.disease});
  write_cell_info(path, info);
}

void write_perts(const Demo& d, const std::string& path) {
  PertInfo info;
  info.format = "pert_info";
  for (const auto& c : d.compounds) info.rows.push_back({c.pert_id, c.iname, "trt_cp", c.smiles, c.inchikey});
  write_pert_info(path, info);
}

// DrugBank's vocabulary; matched compounds first, then the distractors.
void write_vocabulary(const Demo& d, const std::string& path) {
  DrugbankVocab v;
  auto entry = [&](const Compound& c, bool with_key) {
    std::string num = c.drugbank.substr(2);
    v.rows.push_back({c.drugbank, fmt::format("SYN{} | BTD{}", num, num), c.drug_name, "", "",
                      {c.drug_name, c.drug_name + " hydrochloride"}, with_key ? c.inchikey : ""});
  };
  for (size_t i = 0; i < d.compounds.size(); ++i)
    if (!d.compounds[i].drugbank.empty()) entry(d.compounds[i], !d.vocab_without_key[i]);
  for (const auto& c : d.kg_only) entry(c, true);
  for (const auto& c : d.vocab_only) entry(c, true);
  write_drugbank_vocab(path, v);
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
  write_sigs(d, at(DemoFiles::sig_info));
  write_genes(d, at(DemoFiles::gene_info));
  write_cells(d, at(DemoFiles::cell_info));
  write_perts(d, at(DemoFiles::pert_info));
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
