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
  h5::Matrix<float> y;              // [S, G] level-5 z-scores

  int64_t num_signatures() const { return int64_t(sig_id.size()); }
  int64_t num_genes() const { return int64_t(gene_id.size()); }
  void validate(const std::string& origin, int64_t num_nodes) const;
};

/// Train/validation/test signature indices (each sorted, disjoint).
struct Split {
  std::string kind;
  std::vector<int64_t> train, val, test;
  std::vector<std::string> drug_group;  // [D] group of each compound (scaffold SMILES), if any
};

void write_graph(h5::Writer& w, const Graph& g);
Graph read_graph(const std::string& path);
void write_samples(h5::Writer& w, const Samples& s);
Samples read_samples(const std::string& path);
void write_split(h5::Writer& w, const Split& s);
Split read_split(const std::string& path, int64_t num_signatures);

}  // namespace kg
