// Ingestion: PrimeKG kg.csv + LINCS GCTX and metadata -> the merged Graph and the Samples.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "graph/graph.hpp"

namespace kg {

struct IngestStats {
  int64_t kg_nodes = 0, kg_edges = 0;
  int64_t signatures_in_table = 0, signatures_kept = 0;
  int64_t skipped_type = 0, skipped_quality = 0, skipped_not_in_gctx = 0;
  int64_t match_inchikey = 0, match_name = 0, match_new = 0;
  int64_t smiles_unparsable = 0, smiles_missing = 0;
  int64_t cells_with_controls = 0, cells_linked = 0;
  int64_t y_nonfinite = 0;
};

struct IngestResult {
  Graph graph;
  Samples samples;
  IngestStats stats;
  std::vector<std::string> inputs;  // the files read (for provenance)
};

/// Runs ingestion from the `inputs.*` and `ingest.*` keys of the config.
/// Compound matching: InChIKey through the DrugBank vocabulary to a PrimeKG drug node, else the
/// normalised name (common name or synonym), else a new drug node (source LINCS).
/// Features: drugs — Morgan bits of the SMILES (fallback: hashed name in the same width);
/// cell lines — mean control (ctl_vehicle) landmark expression, z-scored per gene across cell
/// lines (fallback: hashed cell id); other nodes — hashed bag-of-words of the name.
/// Missing dose or time is stored as 0.
IngestResult ingest(const Config& cfg);

}  // namespace kg
