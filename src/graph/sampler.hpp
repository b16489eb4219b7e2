// Per-layer neighbour sampling for mini-batch GNN training (GraphSAGE / PyG NeighborLoader
// style): the computation graph of a batch's target nodes, with at most `fanout` incoming
// edges per node and hop, so a training step costs in proportion to the batch, not the graph.
#pragma once

#include <cstdint>
#include <vector>

#include "graph/graph.hpp"

namespace kg {

/// The sampled computation graph of L layers in one local numbering: `nodes` holds global node
/// ids; layer l (0 = the input layer) reads the first count[l] of them and writes the first
/// count[l + 1] (count[L] = the targets, which come first, in the order given). Every prefix is
/// the node set of one layer, so a layer's output rows are the next layer's first input rows.
struct SampledBlocks {
  std::vector<int64_t> nodes;  // [count[0]] global ids
  std::vector<int64_t> count;  // [L + 1], non-increasing
  // Per layer l: edges j -> i (local ids; i < count[l + 1], j < count[l]) and relations.
  // Self-loops are not included: the model adds one per output node.
  std::vector<std::vector<int64_t>> src, dst, rel;
};

/// Samples the blocks of `layers` layers for `targets` (distinct node ids) on the incoming edges
/// of `g` (its CSR by destination). fanouts[k] is the number of incoming edges kept per node at
/// hop k + 1 from the targets, i.e. for layer L - 1 - k (fanouts[0] feeds the last layer, as in
/// PyG's num_neighbors); -1 keeps every edge; an empty list keeps every edge at every hop.
/// A node with more incoming edges than its fanout keeps a uniform sample without replacement.
/// With `per_relation`, the fanout applies to each relation's incoming edges of a node apart
/// (at most fanout per node, hop and relation): in a dense knowledge graph the few edges of a
/// rare relation (a protein's pathways among its dozens of interactions and annotations) then
/// always survive, as a uniform sample would mostly drop them.
/// Deterministic for `seed`: the choice for node v at hop k depends only on (seed, k, v) (and
/// the relation, per relation).
SampledBlocks sample_blocks(const Graph& g, const std::vector<int64_t>& targets,
                            const std::vector<int64_t>& fanouts, int64_t layers, uint64_t seed,
                            bool per_relation = false);

}  // namespace kg
