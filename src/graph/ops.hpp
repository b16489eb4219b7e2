// Operations on the graph and the signatures: splits, ablations and METIS partitioning.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "graph/graph.hpp"

namespace kg {

/// Splits signatures into train/val/test. Fractions are of signatures (targets
/// round(train_frac * n), round(val_frac * n), the rest to test); every part is sorted.
/// - `group` empty: random split of the signatures (a compound may be in several parts).
/// - `group[s]` = group id of signature s: whole groups go to one part, so no group is in two
///   parts. kg::Error with fewer than 3 groups.
///   - kind "scaffold" (group = the compound's Bemis–Murcko scaffold): chemprop's balanced
///     scaffold split. Groups larger than half the test size go to train first (largest first),
///     the rest in a seeded random order; each group goes to train until it is full, then to
///     val, then to test.
///   - any other kind ("cold_cell": group = cell line, "cold_drug": group = compound): groups in
///     a seeded random order, each to the part furthest below its target (target - size
///     largest; ties to train, then val), the greedy step that most reduces the total distance
///     to the targets. Each part exceeds its target by less than the largest group, so none
///     falls short by more than twice that: with many small groups (compounds) the sizes are
///     close to the fractions; with few large ones (10 cell lines of ~420 signatures) the parts
///     hold whole groups and sizes are near the fractions only to within about a group
///     (0.8/0.1/0.1 gives 8/1/1 cell lines). The seed decides which groups are held out.
/// kg::Error naming `kind` when a part would be empty (too few groups, or val/test fractions
/// too small for the groups).
Split make_split(const std::string& kind, int64_t num_signatures, const std::vector<int64_t>& group,
                 double train_frac, double val_frac, uint64_t seed);

/// The `edge_shuffle` ablation. Degree-preserving rewiring within each (relation, source type,
/// destination type) class: the sources of the class's edges are permuted among its edges
/// (seeded), so every node keeps its in- and out-degree per relation; the graph's CSR is
/// rebuilt. The two directions of an undirected edge are shuffled independently.
void shuffle_edges(Graph& g, uint64_t seed);

/// The `feature_random` ablation: replaces every node type's feature matrix by seeded standard
/// Gaussian values of the same shape.
void randomize_features(Graph& g, uint64_t seed);

/// True for an edge that ingest added for the LINCS data rather than read from kg.csv: one of
/// its ends is a cell_line node. kg.csv cannot hold cell_line nodes (its reader refuses the
/// type) and the only edges ingest adds link cell lines to anatomy and disease nodes
/// (cell_line_anatomy, cell_line_disease); LINCS compounds get no edges of their own.
inline bool is_lincs_edge(const Graph& g, int32_t src, int32_t dst) {
  static const int cell = node_type_index("cell_line");
  return g.node_type[size_t(src)] == cell || g.node_type[size_t(dst)] == cell;
}

/// The `no_kg` ablation: removes every PrimeKG edge (those not is_lincs_edge) and keeps the
/// edges ingest added for the cell lines. Nodes, features and relation names are unchanged (so
/// node rows and model shapes stay); drug and gene nodes are left without edges. Returns the
/// number of edges removed.
int64_t remove_kg_edges(Graph& g);

/// Keeps only the edges whose relation is in `keep` (indices into relation_names); nodes,
/// features and relation names are unchanged. Returns the number of edges removed.
int64_t keep_relations(Graph& g, const std::vector<int32_t>& keep);

/// The `drug_shuffle` ablation: permutes the signatures' compounds (`sig_drug`) among the
/// signatures of each cell line, seeded. Each signature keeps its cell line, dose, time and
/// profile and is given the compound of another signature of the same cell line, so every cell
/// line keeps its multiset of compounds (and every compound its number of signatures) while
/// the compound no longer explains the profile. Signature indices do not change, so a split
/// read from split.h5 keeps the same signatures in each part (its compounds and scaffolds then
/// mix across parts). The compound table and the graph are untouched.
void shuffle_drugs(Samples& s, uint64_t seed);

/// Result of METIS k-way partitioning.
struct Partition {
  int64_t parts = 1;
  std::vector<int32_t> part;         // [N] part of each node
  std::vector<int64_t> part_weight;  // [k] work per part (sum of the nodes' work)
  std::vector<int64_t> part_nodes;   // [k] nodes per part
  int64_t edge_cut = 0;              // undirected edges between parts
  double balance = 1.0;              // max part work / mean part work
  double node_balance = 1.0;         // max part nodes / mean part nodes
};

/// METIS k-way on the undirected simple graph underlying `g` (self-loops and duplicate
/// edges dropped), deterministic for `seed`. Two balance constraints: the nodes, and `work`
/// (>= 0 per node, e.g. training signatures per compound node), so each part gets about
/// 1/parts of both the graph and the training (work alone when the graph is one part).
Partition partition_graph(const Graph& g, const std::vector<int64_t>& work, int64_t parts, int64_t seed);

/// The L-hop halo of each part: the nodes outside it from which messages reach, within `hops`
/// layers, one of its nodes or one of `extra[p]` (nodes a part needs though it does not own
/// them, e.g. the cell lines of its signatures; they are in the halo when not owned). Message
/// passing follows in-edges, so the halo is found walking the graph's CSR backwards. [parts]
/// sorted node lists.
std::vector<std::vector<int64_t>> part_halos(const Graph& g, const std::vector<int32_t>& part, int64_t parts,
                                             int64_t hops, const std::vector<std::vector<int64_t>>& extra = {});

/// One rank's share of a partitioned graph (per-rank data of `train`).
struct GraphPart {
  Graph g;                           // the part's subgraph, local node ids (see cut_graph)
  std::vector<int64_t> global_node;  // [n] node of the whole graph of each local node
  std::vector<int64_t> owned;        // local ids of the nodes of part p
};

/// The subgraph part p needs to run `hops` GAT layers for the signatures of `s`: the nodes of p
/// and the cell lines of s's signatures (the seeds), and every node within `hops` in-edges of
/// them (p's halo), numbered in the whole graph's order. Nodes less than `hops` from a seed keep
/// all their incoming edges (in the whole graph's order), the outermost ring none: its input
/// features are all that the seeds' outputs read, so the L-layer outputs at the seeds (and the
/// attention on their incoming edges) are exactly those of the whole graph. Features, ids and
/// names are those of the kept nodes. s.drug_node, s.cell_node and s.gene_node are renumbered
/// to local ids, -1 for nodes outside (compounds without a signature in s, most genes).
GraphPart cut_graph(const Graph& g, const std::vector<int32_t>& part, int32_t p, int64_t hops, Samples& s);

}  // namespace kg
