// The merged knowledge graph (PrimeKG + LINCS drugs and cell lines) and the signatures to
// predict, as held in memory and stored in graph.h5 / samples.h5 (layouts in docs/FORMATS.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/h5.hpp"

namespace kg {

/// Node types: PrimeKG's ten, plus the LINCS cell line.
inline const std::vector<std::string>& node_type_names() {
  static const std::vector<std::string> t{
      "drug", "gene/protein", "disease", "effect/phenotype", "biological_process",
      "molecular_function", "cellular_component", "pathway", "anatomy", "exposure",
      "cell_line"};
  return t;
}
int node_type_index(const std::string& name);  // -1 when unknown

/// Directed multigraph in CSR by destination: the incoming edges of node v are
/// [indptr[v], indptr[v+1]), with source src[e] and relation rel[e]. Within a row edges are
/// sorted by (src, rel). PrimeKG lists both directions of its edges; so do LINCS additions.
struct Graph {
  std::vector<std::string> relation_names;  // [R]
  std::vector<int32_t> node_type;           // [N] index into node_type_names()
  std::vector<int64_t> local_index;         // [N] row of the node in features[node_type]
  std::vector<std::string> node_id;         // [N] source id (DrugBank id, Entrez id, BRD id, ...)
  std::vector<std::string> node_name;       // [N]
  std::vector<std::string> node_source;     // [N] DrugBank, NCBI, LINCS, ...
  std::vector<int64_t> indptr;              // [N+1]
  std::vector<int32_t> src;                 // [E]
  std::vector<int32_t> rel;                 // [E]
  std::vector<h5::Matrix<float>> features;  // [T] per node type: [count of type, dim]

  int64_t num_nodes() const { return int64_t(node_type.size()); }
  int64_t num_edges() const { return int64_t(src.size()); }
  int64_t num_relations() const { return int64_t(relation_names.size()); }
  int relation_index(const std::string& name) const;  // -1 when absent

  /// Builds the CSR from an edge list (dst, src, rel), sorting as documented above.
  static void build_csr(int64_t num_nodes, std::vector<int32_t>& dst, std::vector<int32_t>& src,
                        std::vector<int32_t>& rel, std::vector<int64_t>& indptr);
  /// Checks sizes and index ranges; throws kg::Error naming `origin` on violation.
  void validate(const std::string& origin) const;
};

/// The signatures (prediction targets): one row per (compound, cell, dose, time).
struct Samples {
  // landmark genes (columns of y)
  std::vector<std::string> gene_id;      // [G] Entrez id
  std::vector<std::string> gene_symbol;  // [G]
  std::vector<int64_t> gene_node;        // [G] graph node of the gene, -1 when not in the KG
  // compounds
  std::vector<std::string> drug_pert_id;  // [D] LINCS id (BRD-...)
  std::vector<std::string> drug_name;     // [D]
  std::vector<std::string> drug_smiles;   // [D] canonical SMILES ("" when unknown)
  std::vector<std::string> drug_match;    // [D] how it was matched: inchikey | name | new
  std::vector<int64_t> drug_node;         // [D] graph node
  // cell lines
  std::vector<std::string> cell_id;  // [C]
  std::vector<int64_t> cell_node;    // [C] graph node
  // signatures
  std::vector<std::string> sig_id;  // [S]
  std::vector<int32_t> sig_drug;    // [S] index into drugs
  std::vector<int32_t> sig_cell;    // [S] index into cells
  std::vector<float> dose_um;       // [S]
  std::vector<float> time_h;        // [S]
  h5::Matrix<float> y;              // [S, G] level-5 z-scores (0 x G: not read)
  // Mean and sd of log1p(dose), then of log1p(time), over every signature of the file when
  // these are only some of them (select_signatures); empty: over these (inputs.hpp).
  std::vector<double> dose_time_norm;

  int64_t num_signatures() const { return int64_t(sig_id.size()); }
  int64_t num_genes() const { return int64_t(gene_id.size()); }
  /// Sizes and index ranges (y's shape too when check_y); throws kg::Error naming `origin`.
  void validate(const std::string& origin, int64_t num_nodes, bool check_y = true) const;
};

/// Train/validation/test signature indices (each sorted, disjoint).
struct Split {
  std::string kind;
  std::vector<int64_t> train, val, test;
  std::vector<std::string> drug_group;  // [D] group of each compound (scaffold SMILES), if any
};

void write_graph(h5::Writer& w, const Graph& g);
Graph read_graph(const std::string& path);
/// {mean, sd} of log1p(max(dose_um, 0)), then of log1p(max(time_h, 0)), over s's signatures
/// (population sd): the dose/time standardisation (model/inputs.hpp).
std::vector<double> dose_time_stats(const Samples& s);

void write_samples(h5::Writer& w, const Samples& s);
/// samples.h5; without `with_y` everything but /signatures/y (y is then 0 x G), for
/// select_signatures to read only some of its rows.
Samples read_samples(const std::string& path, bool with_y = true);
/// Keeps only the signatures `rows` (sorted, distinct indices into s), in that order, and reads
/// their rows of /signatures/y from `path` (the file s was read from without y), a block of
/// rows at a time: a rank of a partitioned run holds only its own profiles. Compound, cell and
/// gene tables stay whole; dose_time_norm keeps the whole file's statistics. `block_rows`: rows
/// per read (0: about 16 MB).
void select_signatures(Samples& s, const std::vector<int64_t>& rows, const std::string& path,
                       int64_t block_rows = 0);
void write_split(h5::Writer& w, const Split& s);
Split read_split(const std::string& path, int64_t num_signatures);

}  // namespace kg
