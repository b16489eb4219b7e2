// Ingestion: PrimeKG kg.csv + LINCS GCTX and metadata -> the merged Graph and the Samples.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "graph/graph.hpp"
#include "ingest/builder.hpp"

namespace kg {

struct IngestStats {
  int64_t kg_nodes = 0, kg_edges = 0;
  int64_t signatures_in_table = 0, signatures_kept = 0;
  int64_t skipped_type = 0, skipped_quality = 0, skipped_not_in_gctx = 0;
  int64_t skipped_filter = 0;     // not among ingest.doses / ingest.times / ingest.cell_lines
  int64_t replicates_merged = 0;  // signatures folded into another by ingest.replicates = mean
  int64_t match_inchikey = 0, match_name = 0, match_new = 0;
  int64_t smiles_unparsable = 0, smiles_missing = 0;
  int64_t cells_with_controls = 0, cells_linked = 0;
  int64_t perts_not_in_pert_info = 0;  // compounds of kept signatures absent from pert_info
  int64_t pert_info_repeated = 0;      // pert_info rows repeating a pert_id (merged, first value wins)
  int64_t vocab_repeated_keys = 0;     // DrugBank InChIKeys already on an earlier entry (ignored)
  int64_t vocab_repeated_names = 0;    // DrugBank names/synonyms already on an earlier entry (ignored)
  int64_t inchikey_malformed = 0;      // compounds whose InChIKey is not one (matched by name or new)
  int64_t cells_not_in_cell_info = 0;  // cell lines of kept signatures absent from cell_info
  int64_t embed_imported = 0;          // nodes given an imported embedding
  int64_t embed_missing = 0;           // nodes of an imported type absent from the file (zeros)
  int64_t embed_unknown = 0;           // ids in the embeddings file that are not graph nodes
  KgCounts kg;                         // kg.csv rows merged or kept (duplicates, self-loops)
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
///
/// Selection: signatures of `ingest.pert_type` that pass their quality flags (is_hiq/qc_pass
/// where present) and, when the lists are not empty, have a dose in `ingest.doses` (within 1%),
/// a time in `ingest.times` and a cell line in `ingest.cell_lines`. Replicates (the same compound,
/// cell line, dose and time, e.g. from several plates) become one sample with the mean profile and
/// the first signature's id when `ingest.replicates` is `mean` (the default: no condition can then
/// sit in both train and test); `all` keeps each signature.
///
/// Optional inputs: with `inputs.sig_info` empty the signature metadata comes from the GCTX
/// column metadata (pert_id, pert_iname|cmap_name, pert_type, cell_id, pert_dose+unit or
/// pert_idose, pert_time+unit or pert_itime); with `inputs.gene_info` empty the landmark genes
/// come from the row metadata (pr_gene_id, pr_gene_symbol, flag pr_is_lmark|pr_is_lm; every row
/// when there is no flag). With `inputs.embeddings` set (layout in docs/FORMATS.md), node types
/// present in that file take its vectors as features instead (zeros for nodes it lacks).
///
/// Bad input is a kg::Error naming the file and line or dataset: a repeated sig_id, a repeated
/// GCTX column id, a NaN/Inf expression value of a kept signature, a selected signature missing
/// from the GCTX (unless `ingest.allow_missing_signatures`). A compound absent from pert_info
/// is not an error: it is named from the signature and counted (perts_not_in_pert_info); nor are
/// a repeated pert_id row, an InChIKey or name on a second DrugBank entry (the first wins) and a
/// malformed InChIKey (it matches nothing), each counted in IngestStats.
IngestResult ingest(const Config& cfg);

}  // namespace kg
