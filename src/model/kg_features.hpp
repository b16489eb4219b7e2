// Knowledge-graph path features of a signature (compound, cell line, dose, time) for the
// kg_ridge baseline: sparse products of relation adjacencies along metapaths (SIGN-like).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "graph/graph.hpp"

namespace kg {

class Baseline;
struct SparseRows;

/// How one hop u -(r)-> v weighs its edge: none 1; row 1/out_r(u) (a random walk: the mean
/// over u's r-neighbours); sym 1/sqrt(out_r(u) in_r(v)) (also down-weights hubs v that many
/// nodes reach by r, e.g. ADME enzymes bound by hundreds of compounds). out_r / in_r count the
/// edges of relation r leaving u / entering v (over the whole graph).
enum class HopNorm { none, row, sym };
HopNorm parse_hop_norm(const std::string& name);  // kg::Error for other names
const char* hop_norm_name(HopNorm n);

/// A sparse vector over keys (graph nodes, cell lines, feature columns), sorted by key.
struct SparseVec {
  std::vector<int64_t> key;
  std::vector<double> value;
};

/// Walks metapaths from start nodes. A metapath is relation names joined by '>'
/// ("drug_protein>protein_protein>pathway_protein"); hop k follows the edges of relation k out
/// of the nodes reached so far. The path vector of a start node u is
///   x_u = e_u A_1 A_2 ... A_k,   (A_r)_{ab} = w_norm(a -(r)-> b)  for each edge a -(r)-> b,
/// summed over parallel edges; only the end nodes carry values (no self-loops are added, so a
/// 2-hop path does not contain its 1-hop prefix). Cost per start node: the edges touched.
class PathWalker {
 public:
  /// Indexes out-edges by relation: O(E) time, O(N + E) memory, once per graph.
  explicit PathWalker(const Graph& g);

  /// Resolves `path` (starting at nodes of type `start_type`) into relation ids. kg::Error,
  /// naming `key` (the config key it came from) and the path, when a relation is not in the
  /// graph or has no edge leaving the node types the previous hop reached (a wrong direction).
  std::vector<int32_t> resolve(const std::string& path, const std::string& start_type,
                               const std::string& key) const;
  /// x_u for a resolved path; an empty vector when u reaches nothing (an unmatched compound).
  SparseVec walk(int64_t u, const std::vector<int32_t>& rels, HopNorm norm) const;

 private:
  const Graph& g_;
  std::vector<int64_t> out_ptr_;  // [N+1] out-edges of u sorted by (rel, dst)
  std::vector<int32_t> out_dst_, out_rel_;
  std::vector<std::vector<int32_t>> in_deg_;  // [R][N] edges of r entering v (built on use)
  std::pair<int64_t, int64_t> range(int64_t u, int32_t r) const;  // out-edges of u with rel r
};

/// The design matrix of kg_ridge. `blocks` lists one block per entry, each a product of
/// factors joined by '*':
///   drug:<metapath>  the compound's path vector (keys: end nodes)
///   cell:<metapath>  the cell line's path vector
///   cell             one-hot of the cell line
///   dose, time       the standardised log1p dose / time (inputs.hpp), a scalar
///   fp               the compound's feature row (its Morgan bits after ingest)
/// Two node-keyed factors multiply elementwise on their common end nodes (drug pathway ×
/// cell pathway: cell-context gating); a scalar scales; anything else is a Kronecker product
/// (drug pathway × cell one-hot: a pathway weight per cell line). A block's columns are the
/// keys that occur over all signatures of `s` (inputs only, no labels), sorted; each block is
/// then scaled so that the mean over signatures of its squared row norm is 1, which lets one
/// ridge alpha serve blocks of very different widths and degrees.
class KgDesign {
 public:
  KgDesign(const Graph& g, const Samples& s, const std::vector<std::string>& blocks, HopNorm norm,
           const std::string& key = "baseline.kg_blocks");
  /// Rows for these signatures (indices into s).
  SparseRows rows(const std::vector<int64_t>& sig) const;
  int64_t cols() const { return cols_; }
  /// Columns of block b: [offset(b), offset(b) + width(b)).
  int64_t width(size_t b) const { return blocks_[b].width; }
  int64_t offset(size_t b) const { return blocks_[b].offset; }
  /// The (unscaled) key of column j of block b: a graph node, a cell index, a feature index, or
  /// for a Kronecker product key_a * span_b + key_b.
  int64_t column_key(size_t b, int64_t j) const { return blocks_[b].keys[size_t(j)]; }
  double scale(size_t b) const { return blocks_[b].scale; }
  size_t num_blocks() const { return blocks_.size(); }

 private:
  // One factor of a block, evaluated per signature into a sparse vector.
  struct Factor {
    enum Kind { node, onehot, scalar, dense } kind = scalar;
    int64_t span = 1;            // its keys lie in [0, span)
    std::vector<SparseVec> per;  // node, dense: one vector per compound (or per cell line)
    bool by_cell = false;        // per[] is indexed by the signature's cell line
    int col = 0;                 // scalar: column of the dose/time encoding
  };
  struct Block {
    std::vector<Factor> factors;
    std::vector<int64_t> keys;  // sorted column keys
    int64_t offset = 0, width = 0;
    double scale = 1;
  };
  static SparseVec combine(const SparseVec& a, Factor::Kind& ka, int64_t& span_a, const SparseVec& b,
                           Factor::Kind kb, int64_t span_b);
  SparseVec block_row(const Block& blk, int64_t i) const;  // unscaled row of signature i

  const Samples& s_;
  h5::Matrix<float> dt_;  // [S, 2] dose/time encoding
  std::vector<Block> blocks_;
  int64_t cols_ = 0;
};

/// The kg_ridge baseline: ridge (fit_ridge, intercept unpenalised) on KgDesign's rows with the
/// blocks cfg.baseline.kg_blocks, hop normalisation `norm` and penalty `alpha`.
std::unique_ptr<Baseline> make_kg_ridge(const Config& cfg, const Graph& g, const Samples& s,
                                        HopNorm norm, double alpha);

}  // namespace kg
