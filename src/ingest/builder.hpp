// Builds the merged graph: PrimeKG nodes and edges from kg.csv, then LINCS compounds and cell
// lines added or matched, then node features; finish() yields the CSR Graph.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/config.hpp"
#include "graph/graph.hpp"

namespace kg {

/// What kg.csv held that ingest merged or kept, counted for its summary and graph.h5's
/// attributes (docs/FORMATS.md, "Duplicates and inconsistencies").
struct KgCounts {
  int64_t duplicate_edges = 0;  // copies of an edge (same x, y, relation): merged into one
  int64_t self_loops = 0;       // rows with x = y: kept
  int64_t merged_indices = 0;   // further x_index/y_index values of one (type, id): one node
};

class GraphBuilder {
 public:
  /// Reads PrimeKG's kg.csv: a node per distinct x_index/y_index (type and id must agree
  /// wherever an index appears), an edge x -> y per row with its relation. No per-row heap
  /// allocation: indices map through a flat vector (a hash map when they are sparse).
  void read_kg_csv(const std::string& path);

  /// The node with this type and source id, or -1.
  int32_t find(int type, const std::string& id) const;
  /// Adds a node (kg::Error if its (type, id) exists).
  int32_t add_node(int type, const std::string& id, const std::string& name, const std::string& source);
  /// Adds x -> y and y -> x with relation `rel` (created on first use).
  void add_undirected(int32_t x, int32_t y, const std::string& rel);

  int64_t num_nodes() const { return int64_t(type_.size()); }
  int64_t num_edges() const { return int64_t(src_.size()); }
  int type(int32_t v) const { return type_[size_t(v)]; }
  const std::string& name(int32_t v) const { return name_[size_t(v)]; }
  const std::string& id(int32_t v) const { return id_[size_t(v)]; }

  /// Moves everything into a CSR Graph (features left empty, one matrix per type): a counting
  /// sort by destination, then each row sorted by (src, rel); an edge given twice (same
  /// source, destination and relation) is kept once.
  Graph finish();

  /// What kg.csv held that was merged or kept (finish() adds the duplicate edges).
  const KgCounts& counts() const { return counts_; }

 private:
  int32_t relation(std::string_view name);
  static std::string key(int type, std::string_view id);
  int32_t kg_node(const std::string& path, int64_t line, int64_t index, std::string_view id,
                  std::string_view type, std::string_view name, std::string_view source);
  std::vector<int32_t> type_;
  std::vector<std::string> id_, name_, source_;
  std::unordered_map<std::string, int32_t> by_key_;  // "<type>\t<id>" -> node (per node, not per row)
  std::vector<std::string> relations_;               // few: looked up by a scan, last hit first
  int32_t last_rel_ = -1;
  std::vector<int32_t> node_of_index_;                // kg.csv index -> node (dense indices), -1 = none
  std::unordered_map<int64_t, int32_t> sparse_index_;  // the same for indices too large for the vector
  std::vector<int32_t> src_, dst_, rel_;
  KgCounts counts_;
};

/// Normalises a drug or tissue name for matching: lower case, letters and digits only.
std::string normalise_name(const std::string& name);

/// Deterministic hashed bag-of-words of a name: each lower-cased word (and the whole name)
/// adds ±1 to a hashed slot (FNV-1a), then the vector is L2-normalised. Length `dim`.
void hashed_name_features(const std::string& name, float* out, int64_t dim);

/// Graph-only ingest: PrimeKG nodes and edges of cfg.inputs.kg_csv, every node type with
/// hashed-name features of cfg.ingest.name_dim columns (OpenMP over nodes). No LINCS input.
Graph build_kg_graph(const Config& cfg, KgCounts* counts = nullptr);

/// "ingest: kg.csv "<path>": N repeated edges merged, ..." (with a newline), or "" when
/// nothing was merged or kept.
std::string kg_counts_line(const KgCounts& c, const std::string& path);

}  // namespace kg
