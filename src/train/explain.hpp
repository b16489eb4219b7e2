// Explaining one prediction of a trained GAT: which KG nodes and relation paths carry the
// attention into the drug's and the cell line's final states (`kgpert explain`), the lookup of
// a drug and a cell line by name, and the TSV and Graphviz outputs. Torch-free header.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/h5.hpp"
#include "graph/graph.hpp"
#include "model/attention.hpp"

namespace kg {

/// Paths scoring less than this are not enumerated (attention_paths' min_score): at most
/// L / kMinPathScore walks per target, and every path kept scores at least 1e-4.
inline constexpr double kMinPathScore = 1e-4;

/// A graph node found by name, with how to show it.
struct NodeMatch {
  int64_t node = -1;
  std::string label;  // e.g. `aspirin (BRD-K12345678)`
};

/// The drug node of `query`: a LINCS compound by pert_id or name, or a drug node of the graph
/// by name or id (all case-insensitive, exact). kg::Error when nothing matches (naming up to 5
/// close matches: least edit distance, or containing the query) or when the query names
/// compounds of several drug nodes (listing them).
NodeMatch find_drug(const Graph& g, const Samples& s, const std::string& query);

/// The cell-line node of `query` (a cell id of the samples, case-insensitive); kg::Error with
/// close matches otherwise.
NodeMatch find_cell(const Graph& g, const Samples& s, const std::string& query);

/// Up to `k` of `candidates` closest to `query` (case-insensitive edit distance at most
/// max(2, |query| / 3), or containing the query or contained in it), closest first, each once
/// (case-insensitive).
std::vector<std::string> close_matches(const std::string& query, const std::vector<std::string>& candidates,
                                       size_t k = 5);

/// Attention rollout and paths into the drug and the cell-line node.
struct Explanation {
  NodeMatch drug, cell;
  std::vector<double> drug_score, cell_score;  // [N] attention_rollout into each target
  std::vector<AttentionPath> drug_paths, cell_paths;  // attention_paths (kMinPathScore)
  double score(int64_t v) const { return 0.5 * (drug_score[size_t(v)] + cell_score[size_t(v)]); }
};

/// Rebuilds the GAT of a run (cfg = the run's config, g and s = its inputs after the run's
/// ablation) with the parameters under /model of `run`, and explains the pair: the layers run
/// in eval mode on the edges the two targets read (prune_edges), the exact attention of the
/// full graph there. kg::Error naming the run when it holds no parameters (not a GAT run, or
/// one written before run.h5 kept them) or they do not fit this graph.
Explanation explain_pair(const Config& cfg, const Graph& g, const Samples& s, const h5::Reader& run,
                         const NodeMatch& drug, const NodeMatch& cell);

/// Nodes with a non-zero combined score, highest first (ties: lower node first).
std::vector<int64_t> ranked_nodes(const Explanation& e);

/// `explain_nodes.tsv`: every node with a non-zero combined score, highest first (ties by
/// node): rank, node, id, name, type, drug_score, cell_score, score (= their mean).
void write_nodes_tsv(const std::string& path, const Graph& g, const Explanation& e);

/// `explain_paths.tsv`: every path of each target with at least kMinPathScore, the target's
/// own stays excluded, highest first: target (drug|cell), rank, score (its share of the
/// target's rollout), alpha (attention alone), hops, path (names and relations,
/// `A -[rel]-> B`), nodes (indices), relations.
void write_paths_tsv(const std::string& path, const Graph& g, const Explanation& e);

/// `explain.dot`: the two targets, the `top` nodes by combined score and the `top` paths of
/// each target with their edges (labelled by relation, width by summed path score), plus the
/// best path of every top node that none of those paths reaches.
void write_dot(const std::string& path, const Graph& g, const Explanation& e, size_t top);

/// The path as text: `A -[rel]-> B -[rel]-> T` with node names.
std::string path_text(const Graph& g, const AttentionPath& p);

}  // namespace kg
