// Internal pieces of ingestion shared by ingest.cpp, lincs_select.cpp and features.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/config.hpp"
#include "graph/graph.hpp"
#include "ingest/ingest.hpp"
#include "io/gctx.hpp"
#include "io/lincs.hpp"

namespace kg::ingest_detail {

/// Landmark genes and their row in the signatures GCTX.
struct Landmarks {
  std::vector<Gene> genes;
  std::vector<int64_t> gctx_row;
};

/// The signatures kept and their GCTX columns.
struct Selection {
  std::vector<const Signature*> kept;
  std::vector<int64_t> cols;
};

/// Id -> position; a repeated id is an error naming the file and the axis.
std::unordered_map<std::string, int64_t> index_ids(const std::vector<std::string>& ids,
                                                   const std::string& path, const char* axis);
/// Signature metadata from the GCTX column metadata (when inputs.sig_info is empty).
SigInfo signatures_from_gctx(const GctxAxis& cols, const std::string& path);
/// Row of each gene id: by row id, else by the pr_gene_id row metadata.
std::unordered_map<std::string, int64_t> gene_rows(const GctxFile& f);
/// Landmarks of gene_info located in the GCTX; every one missing is an error.
Landmarks landmark_rows(const GeneInfo& info, const std::string& info_path, const GctxFile& gctx);
/// Landmarks from the GCTX row metadata (when inputs.gene_info is empty).
Landmarks landmarks_from_gctx(const GctxFile& gctx);
/// Signatures of the wanted type and quality that the GCTX holds (see ingest.hpp for errors).
Selection select_signatures(const SigInfo& sigs, const std::string& what, const std::string& path,
                            const std::unordered_map<std::string, int64_t>& col_of,
                            const Config& cfg, IngestStats& st);
/// ingest.replicates = mean: signatures of one (compound, cell, dose, time) become one sample
/// (the mean profile, the first signature's id), in order of first appearance. Returns how
/// many signatures were folded into an earlier one.
int64_t merge_replicates(Samples& s);
/// NaN or Inf among the selected values: an error naming the GCTX, signature and gene.
void check_finite(const h5::Matrix<float>& y, const Samples& s, const std::string& path);
/// Node features of every type (rules in ingest.hpp).
void set_features(Graph& g, const Config& cfg, const Landmarks& lm,
                  const std::unordered_map<int32_t, std::string>& smiles_of_node, IngestStats& st);

}  // namespace kg::ingest_detail
