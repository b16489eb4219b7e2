// What a trained GAT attends to: mean attention per relation type (stored in run.h5), and the
// attention rollout and relation paths into one node (`kgpert explain`). Torch-free header.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/h5.hpp"

namespace kg {

struct GatAttention;  // models.hpp

/// One GAT layer's edges u -> v of relation rel with their attention averaged over the heads:
/// alpha[e] = mean_h α^h(u -> v). Over the edges into one node (self-loop included) the
/// values sum to 1, as each head's softmax does.
struct AttentionLayer {
  std::vector<int64_t> src, dst, rel;
  std::vector<double> alpha;
  int64_t num_edges() const { return int64_t(src.size()); }
};

/// The layers of encode_with_attention()'s result as plain arrays, heads averaged.
std::vector<AttentionLayer> attention_layers(const GatAttention& a);

/// Mean attention per relation type (heads averaged), over the edges each layer ran on.
/// Columns: the graph's relations, then the self-loop ("self_loop").
struct RelationAttention {
  std::vector<std::string> relations;  // [R+1]
  h5::Matrix<double> mean;             // [L, R+1]: mean of alpha over the layer's edges of the
                                       // relation; NaN when the layer has none
  h5::Matrix<int64_t> edges;           // [L, R+1]: number of those edges
  std::vector<double> mean_all;        // [R+1]: mean over the edges of every layer (NaN: none)
};
/// With `dst_mask` ([nodes]), only the edges into nodes v with dst_mask[v] count. `sum`, when
/// given, adds up each layer's per-relation sums and counts across processes before the means
/// are taken (each process counting the edges into the nodes it owns gives the whole graph's).
RelationAttention relation_attention(const GatAttention& a, const std::vector<std::string>& relation_names,
                                     const std::vector<char>& dst_mask = {},
                                     const std::function<void(std::vector<double>&)>& sum = {});

/// Attention rollout (Abnar & Zuidema 2020) from node `target` after the last of L layers back
/// to the inputs, for h_{l+1} = h_l + act(GAT_l(h_l)). The identity (residual) branch and the
/// attention branch count half each, as A&Z's Â = ½A + ½I:
///   R_L = e_target
///   R_l(u) = ½ R_{l+1}(u) + ½ Σ_{edges e = u -> v of layer l} alpha_l[e] R_{l+1}(v),  l = L-1..0
/// Returns R_0 [num_nodes]: how much of the target's final state flows from each node's input
/// features. Every R_l sums to 1 when each layer holds every incoming edge (self-loop
/// included) of the nodes it reaches, as graph_edge_set() and prune_edges() to the target do:
/// each node's incoming alpha then sums to 1.
std::vector<double> attention_rollout(const std::vector<AttentionLayer>& layers, int64_t num_nodes,
                                      int64_t target);

/// A relation path u_0 -r_1-> u_1 -r_2-> ... -r_k-> target (k <= L).
struct AttentionPath {
  std::vector<int64_t> nodes;  // [k+1], the target last
  std::vector<int64_t> rels;   // [k]
  double score = 0;            // share of the rollout carried (see attention_paths)
  double alpha = 0;            // attention alone: Σ over its walks of the product of alpha
};

/// The paths carrying the target's attention rollout. A walk goes down the layers from the
/// target, at each layer l either staying at its node v (the residual branch and v's self-loop:
/// weight ½ + ½ alpha_l(v -> v)) or stepping back along an edge u -> v (weight ½ alpha_l), the
/// terms of the rollout's R_l; its score is the product of its weights. Stays are dropped from a
/// walk to give its path (self-loop steps are relation `self_rel`), and the scores of walks with
/// the same path are summed. So a node's attention_rollout is exactly the sum of the scores of
/// the paths that start at it, and over all paths (the target alone included: nodes =
/// {target}) the scores sum to 1.
/// `alpha` is the score without the residual branch, the plain attention flow along the path:
/// the sum, over the ways of placing its hops on the L layers, of the product of the alpha of
/// its edges and of the self-loops where it stays (parallel edges of one relation add up).
/// Walks scoring below `min_score` are not followed (weights are at most 1, so none of their
/// extensions could reach it): at most L / min_score walks are visited, and a path's score
/// lacks only walks below min_score. Sorted by score, highest first (ties: by nodes, then
/// relations).
std::vector<AttentionPath> attention_paths(const std::vector<AttentionLayer>& layers, int64_t target,
                                           int64_t self_rel, double min_score);

}  // namespace kg
