// A PrimeKG-sized synthetic kg.csv (node types, relation names and row counts like the real
// file, skewed degrees, quoted names) for benchmarking ingestion; no LINCS data, no signal.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kg::synth {

/// One relation of the generated graph: PrimeKG name, display name, endpoint types and the
/// number of rows PrimeKG has for it (both directions counted).
struct ScaleRelation {
  const char* name;
  const char* display;
  const char* x_type;
  const char* y_type;
  int64_t rows;
};

/// PrimeKG's ten node types with their node counts, and its 30 relations.
const std::vector<std::pair<std::string, int64_t>>& primekg_type_counts();
const std::vector<ScaleRelation>& primekg_relations();

struct ScaleStats {
  int64_t nodes = 0;
  int64_t rows = 0;
};

/// Writes `path` atomically: node and edge counts are PrimeKG's times `scale` (at least one
/// node per type and one edge per relation); every edge is written in both directions.
/// Deterministic for `seed`. scale = 1 gives ~129k nodes and ~8.1M rows (~1 GB).
ScaleStats write_primekg_like(const std::string& path, double scale, uint64_t seed);

}  // namespace kg::synth
