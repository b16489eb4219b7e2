// A PrimeKG-sized synthetic kg.csv (node types, relation names and row counts like the real
// file, skewed degrees, quoted names) and, optionally, LINCS files at GSE92742's size around it
// (level-5 GCTX of all 12,328 genes, sig/gene/cell/pert tables, DrugBank vocabulary), for
// benchmarking ingestion at real scale. Random values: no planted signal.
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

/// The nodes of one type of the generated kg.csv: global indices first .. first + id.size().
struct ScaleNodes {
  std::string type, source;
  int64_t first = 0;
  std::vector<std::string> id, name;
};

/// The nodes write_primekg_like(path, scale, seed) writes, per type in primekg_type_counts() order.
std::vector<ScaleNodes> primekg_like_nodes(double scale, uint64_t seed);

/// Writes `path` atomically: node and edge counts are PrimeKG's times `scale` (at least one
/// node per type and one edge per relation); every edge is written in both directions.
/// Deterministic for `seed`. scale = 1 gives ~129k nodes and ~8.1M rows (~1 GB).
ScaleStats write_primekg_like(const std::string& path, double scale, uint64_t seed);

/// LINCS files around a generated kg.csv, in GSE92742's proportions for `signatures` level-5
/// signatures (473,647 is GSE92742's full size: a 23 GB GCTX):
///   level5.gctx   all `genes` rows (978 landmarks spread among them) x signatures, float32
///                 N(0, 1) values, chunked by samples, written a block at a time (memory stays
///                 small at any size); column and row metadata hold ids only, like the real file
///   sig_info.txt  every signature: ~43% trt_cp over ~20,413 compounds per 473,647 signatures
///                 (skewed use, so replicates repeat), 71 cell lines (skewed), 7 doses, 6 or 24 h;
///                 the rest shRNA, ORF, ligand and control signatures, interleaved as plates are
///   gene_info.txt, cell_info.txt (sites and diseases named as anatomy/disease nodes), pert_info.txt
///                 (canonical SMILES and InChIKeys of every compound), drugbank_vocabulary.csv
///                 (40% of compounds as PrimeKG drug nodes: 30% with their InChIKey, 10% by name only)
/// Deterministic for `seed`; `threads` fill the matrix.
struct LincsScaleStats {
  int64_t signatures = 0, trt_cp = 0, compounds = 0, cells = 0, genes = 0;
  double gctx_bytes = 0;
};
LincsScaleStats write_lincs_like(const std::string& dir, const std::vector<ScaleNodes>& nodes,
                                 int64_t signatures, uint64_t seed, int threads);

}  // namespace kg::synth
