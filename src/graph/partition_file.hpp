// partition.h5 (docs/FORMATS.md): the one module that lays it out, writes it, and reads it back
// verified. `kgpert partition` writes it, `kgpert train --partition` reads it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/h5.hpp"
#include "graph/ops.hpp"

namespace kg {

inline constexpr const char* kPartitionFormat = "kgpert-partition-3";
/// The format before it (with /owned and /halo lists, which nothing read), still readable.
inline constexpr const char* kPartitionFormat2 = "kgpert-partition-2";

/// What partition.h5 holds besides its lineage ids and provenance (written by the stage).
struct PartitionFile {
  Partition p;                            // parts, /part [N], /part_weight, /part_nodes [k], cut, balances
  std::vector<int64_t> vertex_weight;     // [N] the work of each node
  std::vector<int64_t> halo_nodes;        // [k] nodes in each part's halo (part_halos): what a rank
                                          // holds besides its own nodes (training cuts it itself)
  int64_t halo_hops = 0, seed = 0;
  double replication = 1.0;               // (N + H) / N
};

/// The file's layout of a partition `p` of a graph with `vertex_weight` (the work METIS
/// balanced) and the parts' halos (part_halos, `hops` layers): their sizes and the replication.
PartitionFile partition_file(Partition p, std::vector<int64_t> vertex_weight,
                             const std::vector<std::vector<int64_t>>& halos, int64_t hops, int64_t seed);

/// Writes `f` into an open partition.h5 (format attribute, datasets, attributes).
void write_partition(h5::Writer& w, const PartitionFile& f);

/// Reads partition.h5 (kgpert-partition-3, or -2 whose halo lists give the halo sizes) and
/// verifies it against a graph of `num_nodes` nodes: the format, every dataset's length ([N],
/// [k]), parts in [0, k), the work and node counts per part, each halo no larger than the nodes
/// outside its part. kg::Error `partition "<path>": <reason>`.
PartitionFile read_partition(const std::string& path, int64_t num_nodes);

/// `/part` of a verified partition.h5 (read_partition) into `ranks` parts: the part (= rank)
/// of each node. A partition into another number of parts is a kg::Error naming the remedy.
std::vector<int32_t> read_partition_parts(const std::string& path, int64_t num_nodes, int ranks);

}  // namespace kg
