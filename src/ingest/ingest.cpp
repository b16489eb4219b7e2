// Ingestion: reads every input once, matches LINCS compounds and cell lines into the graph,
// selects the signatures, and computes node features.
#include "ingest/ingest.hpp"

#include <cmath>
#include <filesystem>
#include <iostream>
#include <unordered_map>
#include <unordered_set>

#include "chem/chem.hpp"
#include "core/error.hpp"
#include "ingest/builder.hpp"
#include "io/gctx.hpp"
#include "io/lincs.hpp"

namespace kg {
namespace {

const std::string& need(const std::string& value, const char* key) {
  if (value.empty()) fail("config key \"{}\" is empty: ingest needs this file", key);
  if (!std::filesystem::exists(value)) fail_file("input", value, "no such file (config key \"{}\")", key);
  return value;
}

// Landmark genes of gene_info and their row in the GCTX.
struct Landmarks {
  std::vector<Gene> genes;
  std::vector<int64_t> gctx_row;
};

Landmarks landmark_rows(const GeneInfo& info, const std::string& info_path, const GctxFile& gctx) {
  Landmarks lm;
  for (const auto& g : info.rows)
    if (g.is_landmark) lm.genes.push_back(g);
  if (lm.genes.empty()) fail_file("gene_info", info_path, "no landmark genes (no row flagged landmark)");
  std::unordered_map<std::string, int64_t> row_of;
  auto ids = gctx.row_ids();
  for (size_t i = 0; i < ids.size(); ++i) row_of.emplace(ids[i], int64_t(i));
  std::vector<std::string> missing;
  for (const auto& g : lm.genes) {
    auto it = row_of.find(g.gene_id);
    if (it == row_of.end()) missing.push_back(g.gene_id);
    else lm.gctx_row.push_back(it->second);
  }
  if (!missing.empty())
    fail_file("GCTX", gctx.path(),
              "{} of the {} landmark genes of gene_info \"{}\" are not among its {} row ids "
              "(first missing: {})",
              missing.size(), lm.genes.size(), info_path, ids.size(),
              fmt::join(missing.begin(), missing.begin() + std::min<size_t>(5, missing.size()), ", "));
  return lm;
}

// DrugBank id lookups by InChIKey and by normalised name or synonym (first entry wins).
struct Vocab {
  std::unordered_map<std::string, std::string> by_key, by_name;
};

Vocab index_vocab(const DrugbankVocab& v) {
  Vocab out;
  for (const auto& e : v.rows) {
    if (!e.inchikey.empty()) out.by_key.emplace(e.inchikey, e.id);
    out.by_name.emplace(normalise_name(e.name), e.id);
    for (const auto& s : e.synonyms) out.by_name.emplace(normalise_name(s), e.id);
  }
  out.by_name.erase("");
  return out;
}

// Mean control profile per cell line over the landmark genes, z-scored per gene across the
// cell lines that have controls. Cell lines without controls keep an empty row.
std::unordered_map<std::string, std::vector<float>> control_baselines(const std::string& path,
                                                                      const Landmarks& lm) {
  std::unordered_map<std::string, std::vector<float>> base;
  if (path.empty()) return base;
  GctxFile ctl(path);
  auto cols = ctl.cols();
  const std::vector<std::string>* cell = nullptr;
  for (const char* f : {"cell_id", "cell_iname"})
    if (cols.fields.count(f)) cell = &cols.fields.at(f);
  if (!cell) fail_file("controls GCTX", path, "no column metadata field cell_id or cell_iname");
  const std::vector<std::string>* type = cols.fields.count("pert_type") ? &cols.fields.at("pert_type") : nullptr;
  // Landmark rows located by id in this file.
  std::unordered_map<std::string, int64_t> row_of;
  auto ids = ctl.row_ids();
  for (size_t i = 0; i < ids.size(); ++i) row_of.emplace(ids[i], int64_t(i));
  std::vector<int64_t> rows;
  for (const auto& g : lm.genes) {
    auto it = row_of.find(g.gene_id);
    if (it == row_of.end())
      fail_file("controls GCTX", path, "landmark gene {} is not among its row ids", g.gene_id);
    rows.push_back(it->second);
  }
  std::vector<int64_t> keep;
  for (size_t j = 0; j < cell->size(); ++j)
    if (!type || (*type)[j] == "ctl_vehicle") keep.push_back(int64_t(j));
  auto m = ctl.read(rows, keep);
  const size_t G = rows.size();
  std::unordered_map<std::string, int64_t> n;
  for (size_t k = 0; k < keep.size(); ++k) {
    const std::string& c = (*cell)[size_t(keep[k])];
    auto& b = base[c];
    b.resize(G, 0.f);
    for (size_t g = 0; g < G; ++g) b[g] += m.row(int64_t(k))[g];
    ++n[c];
  }
  for (auto& [c, b] : base)
    for (auto& x : b) x /= float(n[c]);
  for (size_t g = 0; g < G; ++g) {  // z-score across cell lines
    double s = 0, ss = 0;
    for (auto& [c, b] : base) { s += b[g]; ss += double(b[g]) * b[g]; }
    double mean = s / double(base.size()), var = ss / double(base.size()) - mean * mean;
    double sd = var > 1e-12 ? std::sqrt(var) : 1.0;
    for (auto& [c, b] : base) b[g] = float((b[g] - mean) / sd);
  }
  return base;
}

}  // namespace

IngestResult ingest(const Config& cfg) {
  const auto& in = cfg.inputs;
  IngestResult res;
  IngestStats& st = res.stats;
  res.inputs = {need(in.kg_csv, "inputs.kg_csv"), need(in.gctx, "inputs.gctx"),
                need(in.sig_info, "inputs.sig_info"), need(in.gene_info, "inputs.gene_info"),
                need(in.pert_info, "inputs.pert_info")};
  for (const auto* opt : {&in.cell_info, &in.drugbank_vocab, &in.controls_gctx})
    if (!opt->empty()) res.inputs.push_back(need(*opt, "inputs.*"));

  GraphBuilder b;
  b.read_kg_csv(in.kg_csv);
  st.kg_nodes = b.num_nodes();
  st.kg_edges = b.num_edges();

  GctxFile gctx(in.gctx);
  if (!gctx.has_matrix()) fail_file("GCTX", in.gctx, "has no matrix (/0/DATA/0/matrix): metadata only");
  Landmarks lm = landmark_rows(read_gene_info(in.gene_info), in.gene_info, gctx);

  // Signatures of the wanted type and quality that the GCTX holds.
  std::unordered_map<std::string, int64_t> col_of;
  {
    auto ids = gctx.col_ids();
    for (size_t j = 0; j < ids.size(); ++j) col_of.emplace(ids[j], int64_t(j));
  }
  SigInfo sigs = read_sig_info(in.sig_info);
  st.signatures_in_table = int64_t(sigs.rows.size());
  std::vector<const Signature*> kept;
  std::vector<int64_t> cols;
  for (const auto& s : sigs.rows) {
    if (s.pert_type != cfg.ingest.pert_type) { ++st.skipped_type; continue; }
    if (!s.quality_ok) { ++st.skipped_quality; continue; }
    auto it = col_of.find(s.sig_id);
    if (it == col_of.end()) { ++st.skipped_not_in_gctx; continue; }
    kept.push_back(&s);
    cols.push_back(it->second);
  }
  if (kept.empty())
    fail_file("sig_info", in.sig_info, "no signature of pert_type \"{}\" passing quality is in GCTX \"{}\"",
              cfg.ingest.pert_type, in.gctx);

  // Compounds: match into PrimeKG drug nodes, else new nodes.
  std::unordered_map<std::string, Compound> perts;
  for (auto& c : read_pert_info(in.pert_info).rows) perts.emplace(c.pert_id, c);
  Vocab vocab;
  if (!in.drugbank_vocab.empty()) vocab = index_vocab(read_drugbank_vocab(in.drugbank_vocab));
  const int drug_t = node_type_index("drug"), cell_t = node_type_index("cell_line");
  Samples& s = res.samples;
  std::unordered_map<std::string, int32_t> drug_of, cell_of;
  std::unordered_map<int32_t, std::string> smiles_of_node;  // first SMILES seen per drug node
  for (const Signature* sig : kept) {
    if (drug_of.count(sig->pert_id)) continue;
    Compound c = perts.count(sig->pert_id) ? perts.at(sig->pert_id) : Compound{sig->pert_id, sig->pert_name};
    if (c.name.empty()) c.name = sig->pert_name;
    std::string db, how = "new";
    if (auto it = vocab.by_key.find(c.inchikey); !c.inchikey.empty() && it != vocab.by_key.end() &&
                                                 b.find(drug_t, it->second) >= 0) {
      db = it->second, how = "inchikey";
    } else if (auto jt = vocab.by_name.find(normalise_name(c.name));
               jt != vocab.by_name.end() && b.find(drug_t, jt->second) >= 0) {
      db = jt->second, how = "name";
    }
    int32_t node = how == "new" ? b.add_node(drug_t, c.pert_id, c.name, "LINCS") : b.find(drug_t, db);
    (how == "inchikey" ? st.match_inchikey : how == "name" ? st.match_name : st.match_new)++;
    auto canon = chem::canonical_smiles(c.smiles);
    if (c.smiles.empty()) ++st.smiles_missing;
    else if (!canon) ++st.smiles_unparsable;
    if (canon) smiles_of_node.emplace(node, *canon);
    drug_of[c.pert_id] = int32_t(s.drug_pert_id.size());
    s.drug_pert_id.push_back(c.pert_id);
    s.drug_name.push_back(c.name);
    s.drug_smiles.push_back(canon.value_or(""));
    s.drug_match.push_back(how);
    s.drug_node.push_back(node);
  }

  // Cell lines: new nodes, linked to anatomy and disease nodes by name.
  std::unordered_map<std::string, Cell> cells;
  if (!in.cell_info.empty())
    for (auto& c : read_cell_info(in.cell_info).rows) cells.emplace(c.cell_id, c);
  std::unordered_map<std::string, int32_t> anatomy, disease;
  for (int32_t v = 0; v < b.num_nodes(); ++v) {
    if (b.type(v) == node_type_index("anatomy")) anatomy.emplace(normalise_name(b.name(v)), v);
    if (b.type(v) == node_type_index("disease")) disease.emplace(normalise_name(b.name(v)), v);
  }
  for (const Signature* sig : kept) {
    if (cell_of.count(sig->cell_id)) continue;
    int32_t node = b.add_node(cell_t, sig->cell_id, sig->cell_id, "LINCS");
    bool linked = false;
    if (auto it = cells.find(sig->cell_id); it != cells.end()) {
      if (auto a = anatomy.find(normalise_name(it->second.lineage)); a != anatomy.end())
        b.add_undirected(node, a->second, "cell_line_anatomy"), linked = true;
      if (auto d = disease.find(normalise_name(it->second.disease)); d != disease.end())
        b.add_undirected(node, d->second, "cell_line_disease"), linked = true;
    }
    st.cells_linked += linked;
    cell_of[sig->cell_id] = int32_t(s.cell_id.size());
    s.cell_id.push_back(sig->cell_id);
    s.cell_node.push_back(node);
  }

  // Genes and signatures.
  for (const auto& g : lm.genes) {
    s.gene_id.push_back(g.gene_id);
    s.gene_symbol.push_back(g.symbol);
    s.gene_node.push_back(b.find(node_type_index("gene/protein"), g.gene_id));
  }
  for (const Signature* sig : kept) {
    s.sig_id.push_back(sig->sig_id);
    s.sig_drug.push_back(drug_of.at(sig->pert_id));
    s.sig_cell.push_back(cell_of.at(sig->cell_id));
    s.dose_um.push_back(std::isfinite(sig->dose_um) ? float(sig->dose_um) : 0.f);
    s.time_h.push_back(std::isfinite(sig->time_h) ? float(sig->time_h) : 0.f);
  }
  s.y = gctx.read(lm.gctx_row, cols);
  for (auto& v : s.y.data)
    if (!std::isfinite(v)) v = 0.f, ++st.y_nonfinite;
  st.signatures_kept = s.num_signatures();

  // Features.
  Graph g = b.finish();
  auto baselines = control_baselines(in.controls_gctx, lm);
  const auto G = int64_t(lm.genes.size());
  for (size_t t = 0; t < g.features.size(); ++t) {
    auto& f = g.features[t];
    f.cols = int(t) == drug_t ? cfg.ingest.fp_bits : int(t) == cell_t ? G : cfg.ingest.name_dim;
    f.data.assign(size_t(f.rows * f.cols), 0.f);
  }
  for (int64_t v = 0; v < g.num_nodes(); ++v) {
    int t = g.node_type[size_t(v)];
    auto& f = g.features[size_t(t)];
    float* row = f.row(g.local_index[size_t(v)]);
    if (t == drug_t) {
      auto it = smiles_of_node.find(int32_t(v));
      auto bits = it == smiles_of_node.end()
                      ? std::nullopt
                      : chem::morgan_bits(it->second, unsigned(cfg.ingest.fp_radius), unsigned(cfg.ingest.fp_bits));
      if (bits) std::copy(bits->begin(), bits->end(), row);
      else hashed_name_features(g.node_name[size_t(v)], row, f.cols);
    } else if (t == cell_t) {
      auto it = baselines.find(g.node_id[size_t(v)]);
      if (it != baselines.end()) std::copy(it->second.begin(), it->second.end(), row), ++st.cells_with_controls;
      else hashed_name_features("cell line " + g.node_id[size_t(v)], row, f.cols);
    } else {
      hashed_name_features(g.node_name[size_t(v)], row, f.cols);
    }
  }
  g.validate("ingested graph");
  s.validate("ingested samples", g.num_nodes());
  res.graph = std::move(g);
  return res;
}

}  // namespace kg
