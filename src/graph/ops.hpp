// Operations on the graph and the signatures: splits, ablations and METIS partitioning.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "graph/graph.hpp"

namespace kg {

/// Splits signatures into train/val/test.
/// - `group` empty: random split of the signatures (a compound may be in several parts).
/// - `group[s]` = group id of signature s (e.g. its compound's scaffold): whole groups go to one
///   part. Groups larger than half the test size go to train first (as chemprop's balanced
///   scaffold split does), the rest in a seeded random order; each group goes to train until it
///   is full, then to val, then to test.
/// Fractions are of signatures; every part is sorted.
Split make_split(const std::string& kind, int64_t num_signatures, const std::vector<int64_t>& group,
                 double train_frac, double val_frac, uint64_t seed);

/// Degree-preserving rewiring within each (relation, source type, destination type) class:
/// the sources of the class's edges are permuted among its edges (seeded), so every node keeps
/// its in- and out-degree per relation; the graph's CSR is rebuilt.
void shuffle_edges(Graph& g, uint64_t seed);

/// Replaces every node type's feature matrix by seeded standard Gaussian values of the same shape.
void randomize_features(Graph& g, uint64_t seed);

/// Result of METIS k-way partitioning.
struct Partition {
  int64_t parts = 1;
  std::vector<int32_t> part;         // [N] part of each node
  std::vector<int64_t> part_weight;  // [k] sum of vertex weights per part
  std::vector<int64_t> part_nodes;   // [k] nodes per part
  int64_t edge_cut = 0;              // undirected edges between parts
  double balance = 1.0;              // max part weight / mean part weight
};

/// METIS k-way on the undirected simple graph underlying `g` (self-loops and duplicate
/// edges dropped), with vertex weights `weight` (>= 1) and a fixed seed (deterministic).
Partition partition_graph(const Graph& g, const std::vector<int64_t>& weight, int64_t parts,
                          int64_t seed);

}  // namespace kg
