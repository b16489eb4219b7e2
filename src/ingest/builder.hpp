// Builds the merged graph: PrimeKG nodes and edges from kg.csv, then LINCS compounds and cell
// lines added or matched, then node features; finish() yields the CSR Graph.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "graph/graph.hpp"

namespace kg {

class GraphBuilder {
 public:
  /// Reads PrimeKG's kg.csv: a node per distinct x_index/y_index (type, id, name, source
  /// must agree wherever an index appears), an edge x -> y per row with its relation.
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

  /// Moves everything into a CSR Graph (features left empty, one matrix per type).
  Graph finish();

 private:
  int32_t relation(const std::string& name);
  std::vector<int32_t> type_;
  std::vector<std::string> id_, name_, source_;
  std::unordered_map<std::string, int32_t> by_key_;  // "<type>\t<id>" -> node
  std::vector<std::string> relations_;
  std::unordered_map<std::string, int32_t> rel_index_;
  std::vector<int32_t> src_, dst_, rel_;
};

/// Normalises a drug or tissue name for matching: lower case, letters and digits only.
std::string normalise_name(const std::string& name);

/// Deterministic hashed bag-of-words of a name: each lower-cased word (and the whole name)
/// adds ±1 to a hashed slot (FNV-1a), then the vector is L2-normalised. Length `dim`.
void hashed_name_features(const std::string& name, float* out, int64_t dim);

}  // namespace kg
