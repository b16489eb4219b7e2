// Ingestion, node features: Morgan fingerprints, control baselines of cell lines, imported
// embeddings, hashed names (the rules are in ingest.hpp).
#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <fmt/ranges.h>  // fmt::join

#include "core/error.hpp"
#include "ingest/builder.hpp"
#include "ingest/detail.hpp"
#include "io/gctx.hpp"
#include "io/lincs.hpp"
#include "chem/chem.hpp"

namespace kg::ingest_detail {

namespace {

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
  if (keep.empty())  // e.g. the level-5 signatures given as the controls
    fail_file("controls GCTX", path, "none of its {} columns has pert_type ctl_vehicle (is it a file of "
              "treatment signatures?)", cell->size());
  auto m = ctl.read(rows, keep);
  const size_t G = rows.size();
  // A NaN would become the cell line's features (and every loss NaN): refuse it.
  for (size_t k = 0; k < keep.size(); ++k)
    for (size_t g = 0; g < G; ++g)
      if (!std::isfinite(m.row(int64_t(k))[g]))
        fail_file("controls GCTX", path,
                  "/0/DATA/0/matrix: value {} for column \"{}\" (column {}), gene {}: control profiles must be finite",
                  m.row(int64_t(k))[g], cols.ids[size_t(keep[k])], keep[k] + 1, lm.genes[g].gene_id);
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

}  // namespace

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

}  // namespace kg::ingest_detail
