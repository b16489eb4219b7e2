// Ingestion: reads every input once, matches LINCS compounds into PrimeKG drug nodes and adds
// cell lines, then hands off to lincs_select.cpp (what to take) and features.cpp (features).
#include "ingest/ingest.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <fmt/ranges.h>

#include "chem/chem.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "ingest/builder.hpp"
#include "ingest/detail.hpp"
#include "io/gctx.hpp"
#include "io/lincs.hpp"

namespace kg {
namespace {

using namespace ingest_detail;

const std::string& need(const std::string& value, const char* key) {
  if (value.empty()) fail("config key \"{}\" is empty: ingest needs this file", key);
  if (!std::filesystem::exists(value)) fail_file("input", value, "no such file (config key \"{}\")", key);
  return value;
}

// DrugBank id lookups by InChIKey and by normalised name or synonym (first entry wins).
struct Vocab {
  std::unordered_map<std::string, std::string> by_key, by_name;
  int64_t repeated_keys = 0, repeated_names = 0;  // held by an earlier entry of another id: ignored
};

Vocab index_vocab(const DrugbankVocab& v) {
  Vocab out;
  for (const auto& e : v.rows) {
    if (!e.inchikey.empty()) {
      auto [it, fresh] = out.by_key.emplace(e.inchikey, e.id);
      out.repeated_keys += !fresh && it->second != e.id;
    }
    std::set<std::string> names{normalise_name(e.name)};  // a synonym may repeat the entry's own name
    for (const auto& s : e.synonyms) names.insert(normalise_name(s));
    names.erase("");
    for (const auto& n : names) {
      auto [it, fresh] = out.by_name.emplace(n, e.id);
      out.repeated_names += !fresh && it->second != e.id;
    }
  }
  return out;
}


// The files ingest reads (for provenance); a required one missing is an error naming its key.
std::vector<std::string> input_files(const InputsConfig& in) {
  std::vector<std::string> out = {need(in.kg_csv, "inputs.kg_csv"), need(in.gctx, "inputs.gctx"),
                                  need(in.pert_info, "inputs.pert_info")};
  for (const auto* opt : {&in.sig_info, &in.gene_info, &in.cell_info, &in.drugbank_vocab,
                          &in.controls_gctx, &in.embeddings})
    if (!opt->empty()) out.push_back(need(*opt, "inputs.*"));
  return out;
}

// Signatures of the wanted type and quality that the GCTX holds, read from sig_info (or the
// GCTX's column metadata) into `sigs`, which the selection points into. None is an error: the
// config's when its filters removed them, the files' otherwise.
Selection kept_signatures(const Config& cfg, const GctxFile& gctx, SigInfo& sigs, IngestStats& st) {
  const auto& in = cfg.inputs;
  const auto col_of = index_ids(gctx.col_ids(), in.gctx, "column");
  const bool sig_from_gctx = in.sig_info.empty();
  sigs = sig_from_gctx ? signatures_from_gctx(gctx.cols(), in.gctx) : read_sig_info(in.sig_info);
  st.signatures_in_table = int64_t(sigs.rows.size());
  const std::string& path = sig_from_gctx ? in.gctx : in.sig_info;
  Selection sel = select_signatures(sigs, sig_from_gctx ? "GCTX" : "sig_info", path, col_of, cfg, st);
  if (sel.kept.empty() && st.skipped_filter > 0)  // the config's selection, not the files, is at fault
    fail("ingest.doses {}, ingest.times {} and ingest.cell_lines {} select none of the {} signatures of "
         "pert_type \"{}\" passing quality in \"{}\"; set them to values the data has (or [] for all)",
         fmt::format("[{}]", fmt::join(cfg.ingest.doses, ", ")), fmt::format("[{}]", fmt::join(cfg.ingest.times, ", ")),
         fmt::format("[{}]", fmt::join(cfg.ingest.cell_lines, ", ")), st.skipped_filter, cfg.ingest.pert_type, path);
  if (sel.kept.empty())
    fail_file("sig_info", path, "no signature of pert_type \"{}\" passing quality is in GCTX \"{}\"",
              cfg.ingest.pert_type, in.gctx);
  return sel;
}

// A compound's drug node: the PrimeKG drug of its InChIKey in the vocabulary, else of its
// normalised name, else a new node (source LINCS). Returns the node and how it matched.
std::pair<int32_t, std::string> match_compound(GraphBuilder& b, const Compound& c, const Vocab& vocab, IngestStats& st) {
  const int drug_t = node_type_index("drug");
  std::string db, how = "new";
  const bool key_ok = is_inchikey(c.inchikey);  // a malformed key matches nothing
  st.inchikey_malformed += !c.inchikey.empty() && !key_ok;
  if (auto it = vocab.by_key.find(c.inchikey); key_ok && it != vocab.by_key.end() &&
                                               b.find(drug_t, it->second) >= 0) {
    db = it->second, how = "inchikey";
  } else if (auto jt = vocab.by_name.find(normalise_name(c.name));
             jt != vocab.by_name.end() && b.find(drug_t, jt->second) >= 0) {
    db = jt->second, how = "name";
  }
  int32_t node = how == "new" ? b.add_node(drug_t, c.pert_id, c.name, "LINCS") : b.find(drug_t, db);
  (how == "inchikey" ? st.match_inchikey : how == "name" ? st.match_name : st.match_new)++;
  return {node, how};
}

// The kept signatures' compounds, in order of first appearance, matched into drug nodes
// (samples' drug_* columns). Returns each pert_id's compound index; `smiles_of_node` receives
// the first canonical SMILES seen per drug node.
std::unordered_map<std::string, int32_t> add_compounds(GraphBuilder& b, const InputsConfig& in, const Selection& sel,
                                                       Samples& s, std::unordered_map<int32_t, std::string>& smiles_of_node,
                                                       IngestStats& st) {
  std::unordered_map<std::string, Compound> perts;
  PertInfo pert_info = read_pert_info(in.pert_info);
  st.pert_info_repeated = pert_info.repeated_rows;
  for (auto& c : pert_info.rows) perts.emplace(c.pert_id, c);
  Vocab vocab;
  if (!in.drugbank_vocab.empty()) vocab = index_vocab(read_drugbank_vocab(in.drugbank_vocab));
  st.vocab_repeated_keys = vocab.repeated_keys, st.vocab_repeated_names = vocab.repeated_names;
  std::unordered_map<std::string, int32_t> drug_of;
  for (const Signature* sig : sel.kept) {
    if (drug_of.count(sig->pert_id)) continue;
    const bool known = perts.count(sig->pert_id) > 0;
    st.perts_not_in_pert_info += !known;  // fall back to the signature's name, no SMILES
    Compound c = known ? perts.at(sig->pert_id) : Compound{sig->pert_id, sig->pert_name, "", "", ""};
    if (c.name.empty()) c.name = sig->pert_name;
    const auto [node, how] = match_compound(b, c, vocab, st);
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
  return drug_of;
}

// The kept signatures' cell lines as new nodes, linked to anatomy and disease nodes by name
// (samples' cell_* columns). Returns each cell id's index.
std::unordered_map<std::string, int32_t> add_cell_lines(GraphBuilder& b, const InputsConfig& in, const Selection& sel,
                                                        Samples& s, IngestStats& st) {
  std::unordered_map<std::string, Cell> cells;
  if (!in.cell_info.empty()) {
    for (auto& c : read_cell_info(in.cell_info).rows) cells.emplace(c.cell_id, c);
    if (cells.empty()) fail_file("cell_info", in.cell_info, "a header and no cell line");
  }
  std::unordered_map<std::string, int32_t> anatomy, disease;
  for (int32_t v = 0; v < b.num_nodes(); ++v) {
    if (b.type(v) == node_type_index("anatomy")) anatomy.emplace(normalise_name(b.name(v)), v);
    if (b.type(v) == node_type_index("disease")) disease.emplace(normalise_name(b.name(v)), v);
  }
  const int cell_t = node_type_index("cell_line");
  std::unordered_map<std::string, int32_t> cell_of;
  for (const Signature* sig : sel.kept) {
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
    st.cells_not_in_cell_info += !in.cell_info.empty() && !cells.count(sig->cell_id);
    cell_of[sig->cell_id] = int32_t(s.cell_id.size());
    s.cell_id.push_back(sig->cell_id);
    s.cell_node.push_back(node);
  }
  return cell_of;
}

// The samples' genes (the landmarks) and signatures, then their values from the GCTX.
void add_genes_and_signatures(const GraphBuilder& b, const Landmarks& lm, const Selection& sel,
                              const std::unordered_map<std::string, int32_t>& drug_of,
                              const std::unordered_map<std::string, int32_t>& cell_of, GctxFile& gctx,
                              const std::string& gctx_path, Samples& s) {
  for (const auto& g : lm.genes) {
    s.gene_id.push_back(g.gene_id);
    s.gene_symbol.push_back(g.symbol);
    s.gene_node.push_back(b.find(node_type_index("gene/protein"), g.gene_id));
  }
  for (const Signature* sig : sel.kept) {
    s.sig_id.push_back(sig->sig_id);
    s.sig_drug.push_back(drug_of.at(sig->pert_id));
    s.sig_cell.push_back(cell_of.at(sig->cell_id));
    s.dose_um.push_back(std::isfinite(sig->dose_um) ? float(sig->dose_um) : 0.f);
    s.time_h.push_back(std::isfinite(sig->time_h) ? float(sig->time_h) : 0.f);
  }
  s.y = gctx.read(lm.gctx_row, sel.cols);
  check_finite(s.y, s, gctx_path);
}

// What a successful ingest tells: kg.csv's counts, and what of the inputs it left aside.
// Printed only on success: a failing run's stderr is its one error line.
void log_ingest(const IngestStats& st, const Samples& s, const InputsConfig& in) {
  if (const std::string kg = kg_counts_line(st.kg, in.kg_csv); !kg.empty()) log::info("{}", kg);
  if (st.cells_not_in_cell_info)
    log::warn("ingest: {} of {} cell lines are not in cell_info \"{}\" (not linked to anatomy or disease)",
              st.cells_not_in_cell_info, s.cell_id.size(), in.cell_info);
  if (st.pert_info_repeated)
    log::warn("ingest: pert_info \"{}\": {} rows repeating a pert_id merged into its first (first "
              "non-empty value wins)", in.pert_info, st.pert_info_repeated);
  if (st.vocab_repeated_keys || st.vocab_repeated_names)
    log::warn("ingest: DrugBank vocabulary \"{}\": {} InChIKeys and {} names or synonyms already on an "
              "earlier entry ignored (first entry wins)",
              in.drugbank_vocab, st.vocab_repeated_keys, st.vocab_repeated_names);
  if (st.perts_not_in_pert_info)
    log::warn("ingest: {} of {} compounds are not in pert_info \"{}\" (named from the signatures, no SMILES)",
              st.perts_not_in_pert_info, s.drug_pert_id.size(), in.pert_info);
  if (!in.embeddings.empty())
    log::info("ingest: embeddings \"{}\": {} nodes imported, {} nodes absent (zeros), {} ids not in the graph",
              in.embeddings, st.embed_imported, st.embed_missing, st.embed_unknown);
}

}  // namespace

IngestResult ingest(const Config& cfg) {
  const auto& in = cfg.inputs;
  IngestResult res;
  IngestStats& st = res.stats;
  Samples& s = res.samples;
  res.inputs = input_files(in);

  GraphBuilder b;
  b.read_kg_csv(in.kg_csv);
  st.kg_nodes = b.num_nodes();
  st.kg_edges = b.num_edges();

  GctxFile gctx(in.gctx);
  if (!gctx.has_matrix()) fail_file("GCTX", in.gctx, "has no matrix (/0/DATA/0/matrix): metadata only");
  Landmarks lm = in.gene_info.empty() ? landmarks_from_gctx(gctx)
                                      : landmark_rows(read_gene_info(in.gene_info), in.gene_info, gctx);
  SigInfo sigs;
  const Selection sel = kept_signatures(cfg, gctx, sigs, st);
  std::unordered_map<int32_t, std::string> smiles_of_node;  // first SMILES seen per drug node
  const auto drug_of = add_compounds(b, in, sel, s, smiles_of_node, st);
  const auto cell_of = add_cell_lines(b, in, sel, s, st);
  add_genes_and_signatures(b, lm, sel, drug_of, cell_of, gctx, in.gctx, s);
  if (cfg.ingest.replicates == "mean") st.replicates_merged = merge_replicates(s);
  st.signatures_kept = s.num_signatures();

  res.graph = b.finish();
  st.kg = b.counts();
  set_features(res.graph, cfg, lm, smiles_of_node, st);
  res.graph.validate("ingested graph");
  s.validate("ingested samples", res.graph.num_nodes());
  log_ingest(st, s, in);
  return res;
}

}  // namespace kg
