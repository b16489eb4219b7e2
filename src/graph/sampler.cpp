// Neighbour sampling (see sampler.hpp): hop by hop from the targets, each output node's
// incoming edges are all kept or sampled without replacement (partial Fisher-Yates on the
// edge range), and new source nodes are appended to the local numbering.
#include "graph/sampler.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace kg {
namespace {

uint64_t mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Appends to `pick` all of `cand` (edge ids) when fanout < 0 or there are at most fanout, else
// a uniform sample of `fanout` of them without replacement, drawn from `state`.
void sample_into(std::vector<int64_t>& cand, int64_t fanout, uint64_t state, std::vector<int64_t>& pick) {
  const int64_t deg = int64_t(cand.size());
  if (fanout < 0 || deg <= fanout) {
    pick.insert(pick.end(), cand.begin(), cand.end());
  } else if (deg <= 4 * fanout) {  // the first `fanout` of a random permutation of the range
    for (int64_t k = 0; k < fanout; ++k) {
      state = mix(state);
      std::swap(cand[size_t(k)], cand[size_t(k + int64_t(state % uint64_t(deg - k)))]);
    }
    pick.insert(pick.end(), cand.begin(), cand.begin() + fanout);
  } else {  // hubs: draw until `fanout` distinct edges, O(fanout^2) instead of O(degree)
    const size_t start = pick.size();
    while (int64_t(pick.size() - start) < fanout) {
      state = mix(state);
      const int64_t e = cand[size_t(state % uint64_t(deg))];
      if (std::find(pick.begin() + int64_t(start), pick.end(), e) == pick.end()) pick.push_back(e);
    }
  }
}

}  // namespace

SampledBlocks sample_blocks(const Graph& g, const std::vector<int64_t>& targets,
                            const std::vector<int64_t>& fanouts, int64_t layers, uint64_t seed,
                            bool per_relation) {
  KG_CHECK(layers >= 1 && (fanouts.empty() || int64_t(fanouts.size()) == layers));
  SampledBlocks b;
  b.src.resize(size_t(layers)), b.dst.resize(size_t(layers)), b.rel.resize(size_t(layers));
  b.count.assign(size_t(layers) + 1, 0);
  // Local id of each global node in this batch; -1 = not yet in. A hash map would do too, but
  // at PrimeKG's size (130k nodes) a dense vector is 1 MB and much faster.
  std::vector<int64_t> local(size_t(g.num_nodes()), -1);
  for (int64_t v : targets) {
    KG_CHECK(v >= 0 && v < g.num_nodes() && local[size_t(v)] < 0, "bad or repeated target {}", v);
    local[size_t(v)] = int64_t(b.nodes.size());
    b.nodes.push_back(v);
  }
  b.count[size_t(layers)] = int64_t(b.nodes.size());
  std::vector<int64_t> pick, range;
  std::vector<std::pair<int32_t, int64_t>> by_rel;  // per_relation: (relation, edge) of one node
  for (int64_t hop = 0; hop < layers; ++hop) {
    const int64_t layer = layers - 1 - hop;
    const int64_t fanout = fanouts.empty() ? -1 : fanouts[size_t(hop)];
    auto &src = b.src[size_t(layer)], &dst = b.dst[size_t(layer)], &rel = b.rel[size_t(layer)];
    const int64_t n_out = b.count[size_t(layer) + 1];
    for (int64_t i = 0; i < n_out; ++i) {
      const int64_t v = b.nodes[size_t(i)], lo = g.indptr[size_t(v)], hi = g.indptr[size_t(v) + 1];
      pick.clear();
      if (!per_relation) {
        range.resize(size_t(hi - lo));
        for (int64_t k = 0; k < hi - lo; ++k) range[size_t(k)] = lo + k;
        sample_into(range, fanout, mix(seed ^ mix(uint64_t(hop) * 0x100000001B3ull ^ uint64_t(v))), pick);
      } else {  // the edges of each relation on their own: a rare relation is never crowded out
        by_rel.clear();
        for (int64_t e = lo; e < hi; ++e) by_rel.emplace_back(g.rel[size_t(e)], e);
        std::sort(by_rel.begin(), by_rel.end());
        for (size_t a = 0; a < by_rel.size();) {
          size_t z = a;
          range.clear();
          while (z < by_rel.size() && by_rel[z].first == by_rel[a].first) range.push_back(by_rel[z++].second);
          const uint64_t r = uint64_t(by_rel[a].first);
          sample_into(range, fanout,
                      mix(seed ^ mix(uint64_t(hop) * 0x100000001B3ull ^ uint64_t(v)) ^ mix(r + 1)), pick);
          a = z;
        }
      }
      std::sort(pick.begin(), pick.end());  // CSR order: sums in a fixed order
      const int64_t keep = int64_t(pick.size());
      for (int64_t k = 0; k < keep; ++k) {
        const int64_t e = pick[size_t(k)], u = g.src[size_t(e)];
        if (local[size_t(u)] < 0) {
          local[size_t(u)] = int64_t(b.nodes.size());
          b.nodes.push_back(u);
        }
        src.push_back(local[size_t(u)]);
        dst.push_back(i);
        rel.push_back(g.rel[size_t(e)]);
      }
    }
    b.count[size_t(layer)] = int64_t(b.nodes.size());
  }
  return b;
}

}  // namespace kg
