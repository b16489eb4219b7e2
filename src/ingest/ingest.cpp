// Ingestion: reads every input once, matches LINCS compounds and cell lines into the graph,
// selects the signatures, and computes node features.
#include "ingest/ingest.hpp"

#include <algorithm>
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

// A metadata value of a GCTX axis with LINCS missing markers mapped to "".
std::string meta(const GctxAxis& a, const char* field, size_t i) {
  auto it = a.fields.find(field);
  if (it == a.fields.end()) return "";
  const std::string& v = it->second[i];
  return v == "-666" || v == "NA" || v == "nan" || v == "-666.0" ? "" : v;
}

bool has_field(const GctxAxis& a, const char* field) { return a.fields.count(field) > 0; }

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
    s.dose_um = dose_to_um(meta(cols, "pert_dose", j), meta(cols, "pert_dose_unit", j));
    if (std::isnan(s.dose_um)) s.dose_um = idose_to_um(meta(cols, "pert_idose", j));
    s.time_h = time_to_h(meta(cols, "pert_time", j), meta(cols, "pert_time_unit", j));
    if (std::isnan(s.time_h)) s.time_h = itime_to_h(meta(cols, "pert_itime", j));
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

// Signatures of the wanted type and quality that the GCTX holds, with their GCTX columns.
// A repeated sig_id is an error; so is a selected signature missing from the GCTX unless
// ingest.allow_missing_signatures.
struct Selection {
  std::vector<const Signature*> kept;
  std::vector<int64_t> cols;
};

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
    if (!s.quality_ok) { ++st.skipped_quality; continue; }
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
  const auto row_of = gene_rows(ctl);
  std::vector<int64_t> rows;
  for (const auto& g : lm.genes) {
    auto it = row_of.find(g.gene_id);
    if (it == row_of.end())
      fail_file("controls GCTX", path, "landmark gene {} is not among its row ids or pr_gene_id", g.gene_id);
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

// Imported embeddings of one node type: id -> row of `vectors`.
struct TypeEmbedding {
  std::unordered_map<std::string, int64_t> row_of;
  h5::Matrix<float> vectors;
};

// Reads /<type>/ids and /<type>/vectors (type names with "/" as "_") for every node type the
// file has. Ids must be unique, shapes must agree and values must be finite.
std::vector<TypeEmbedding> read_embeddings(const std::string& path) {
  h5::Reader r(path);
  const auto& names = node_type_names();
  std::vector<TypeEmbedding> out(names.size());
  int found = 0;
  for (size_t t = 0; t < names.size(); ++t) {
    std::string grp = "/" + names[t];
    std::replace(grp.begin() + 1, grp.end(), '/', '_');
    if (!r.has(grp + "/ids") && !r.has(grp + "/vectors")) continue;
    for (const char* ds : {"/ids", "/vectors"})
      if (!r.has(grp + ds)) fail_file("embeddings", path, "{}{}: missing (both ids and vectors are needed)", grp, ds);
    auto ids = r.read_strings(grp + "/ids");
    auto shape = r.shape(grp + "/vectors");
    if (shape.size() != 2 || shape[0] != ids.size() || shape[1] == 0)
      fail_file("embeddings", path, "{}/vectors: shape [{}] does not fit {} ids (expected [{}, d], d > 0)", grp,
                fmt::join(shape, ", "), ids.size(), ids.size());
    TypeEmbedding& e = out[t];
    e.vectors = r.read_matrix<float>(grp + "/vectors");
    for (size_t i = 0; i < ids.size(); ++i) {
      if (!e.row_of.emplace(ids[i], int64_t(i)).second)
        fail_file("embeddings", path, "{}/ids: duplicate id \"{}\" (rows {} and {})", grp, ids[i], e.row_of.at(ids[i]), i);
      const float* v = e.vectors.row(int64_t(i));
      for (int64_t k = 0; k < e.vectors.cols; ++k)
        if (!std::isfinite(v[k])) fail_file("embeddings", path, "{}/vectors: non-finite value for id \"{}\"", grp, ids[i]);
    }
    ++found;
  }
  if (!found)
    fail_file("embeddings", path, "no /<node_type>/ids + /<node_type>/vectors for any node type ({})",
              fmt::join(names, ", "));
  return out;
}

// Node features. Types in inputs.embeddings take the imported vectors (zeros for nodes the
// file lacks); otherwise drugs get Morgan bits of the SMILES (fallback: hashed name), cell
// lines their control baseline (fallback: hashed cell id), other nodes a hashed name.
void set_features(Graph& g, const Config& cfg, const Landmarks& lm,
                  const std::unordered_map<int32_t, std::string>& smiles_of_node, IngestStats& st) {
  const int drug_t = node_type_index("drug"), cell_t = node_type_index("cell_line");
  auto baselines = control_baselines(cfg.inputs.controls_gctx, lm);
  std::vector<TypeEmbedding> emb;
  if (!cfg.inputs.embeddings.empty()) emb = read_embeddings(cfg.inputs.embeddings);
  auto imported = [&](size_t t) { return t < emb.size() && emb[t].vectors.cols > 0; };
  const auto G = int64_t(lm.genes.size());
  for (size_t t = 0; t < g.features.size(); ++t) {
    auto& f = g.features[t];
    f.cols = imported(t) ? emb[t].vectors.cols
             : int(t) == drug_t ? cfg.ingest.fp_bits : int(t) == cell_t ? G : cfg.ingest.name_dim;
    f.data.assign(size_t(f.rows * f.cols), 0.f);
  }
  std::vector<int64_t> used(emb.size(), 0);  // per type: file ids matched to a node
  for (int64_t v = 0; v < g.num_nodes(); ++v) {
    int t = g.node_type[size_t(v)];
    auto& f = g.features[size_t(t)];
    float* row = f.row(g.local_index[size_t(v)]);
    if (imported(size_t(t))) {
      const auto& e = emb[size_t(t)];
      auto it = e.row_of.find(g.node_id[size_t(v)]);
      if (it == e.row_of.end()) { ++st.embed_missing; continue; }  // stays zero
      std::copy_n(e.vectors.row(it->second), f.cols, row);
      ++st.embed_imported, ++used[size_t(t)];
    } else if (t == drug_t) {
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
  for (size_t t = 0; t < emb.size(); ++t) st.embed_unknown += int64_t(emb[t].row_of.size()) - used[t];
}

}  // namespace

IngestResult ingest(const Config& cfg) {
  const auto& in = cfg.inputs;
  IngestResult res;
  IngestStats& st = res.stats;
  res.inputs = {need(in.kg_csv, "inputs.kg_csv"), need(in.gctx, "inputs.gctx"),
                need(in.pert_info, "inputs.pert_info")};
  for (const auto* opt : {&in.sig_info, &in.gene_info, &in.cell_info, &in.drugbank_vocab,
                          &in.controls_gctx, &in.embeddings})
    if (!opt->empty()) res.inputs.push_back(need(*opt, "inputs.*"));

  GraphBuilder b;
  b.read_kg_csv(in.kg_csv);
  st.kg_nodes = b.num_nodes();
  st.kg_edges = b.num_edges();

  GctxFile gctx(in.gctx);
  if (!gctx.has_matrix()) fail_file("GCTX", in.gctx, "has no matrix (/0/DATA/0/matrix): metadata only");
  Landmarks lm = in.gene_info.empty() ? landmarks_from_gctx(gctx)
                                      : landmark_rows(read_gene_info(in.gene_info), in.gene_info, gctx);

  // Signatures of the wanted type and quality that the GCTX holds.
  const auto col_of = index_ids(gctx.col_ids(), in.gctx, "column");
  const bool sig_from_gctx = in.sig_info.empty();
  SigInfo sigs = sig_from_gctx ? signatures_from_gctx(gctx.cols(), in.gctx) : read_sig_info(in.sig_info);
  st.signatures_in_table = int64_t(sigs.rows.size());
  auto [kept, cols] = select_signatures(sigs, sig_from_gctx ? "GCTX" : "sig_info",
                                        sig_from_gctx ? in.gctx : in.sig_info, col_of, cfg, st);
  if (kept.empty())
    fail_file("sig_info", sig_from_gctx ? in.gctx : in.sig_info,
              "no signature of pert_type \"{}\" passing quality is in GCTX \"{}\"", cfg.ingest.pert_type, in.gctx);

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
    const bool known = perts.count(sig->pert_id) > 0;
    st.perts_not_in_pert_info += !known;  // fall back to the signature's name, no SMILES
    Compound c = known ? perts.at(sig->pert_id) : Compound{sig->pert_id, sig->pert_name, "", "", ""};
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
  check_finite(s.y, s, in.gctx);
  st.signatures_kept = s.num_signatures();

  res.graph = b.finish();
  set_features(res.graph, cfg, lm, smiles_of_node, st);
  res.graph.validate("ingested graph");
  s.validate("ingested samples", res.graph.num_nodes());
  // Printed only on success: a failing run's stderr is its one error line.
  if (st.perts_not_in_pert_info)
    std::cerr << fmt::format("ingest: {} of {} compounds are not in pert_info \"{}\" (named from the signatures, no SMILES)\n",
                             st.perts_not_in_pert_info, s.drug_pert_id.size(), in.pert_info);
  if (!in.embeddings.empty())
    std::cerr << fmt::format("ingest: embeddings \"{}\": {} nodes imported, {} nodes absent (zeros), {} ids not in the graph\n",
                             in.embeddings, st.embed_imported, st.embed_missing, st.embed_unknown);
  return res;
}

}  // namespace kg
