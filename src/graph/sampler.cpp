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

}  // namespace

SampledBlocks sample_blocks(const Graph& g, const std::vector<int64_t>& targets,
                            const std::vector<int64_t>& fanouts, int64_t layers, uint64_t seed) {
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
  std::vector<int64_t> pick;
  for (int64_t hop = 0; hop < layers; ++hop) {
    const int64_t layer = layers - 1 - hop;
    const int64_t fanout = fanouts.empty() ? -1 : fanouts[size_t(hop)];
    auto &src = b.src[size_t(layer)], &dst = b.dst[size_t(layer)], &rel = b.rel[size_t(layer)];
    const int64_t n_out = b.count[size_t(layer) + 1];
    for (int64_t i = 0; i < n_out; ++i) {
      const int64_t v = b.nodes[size_t(i)], lo = g.indptr[size_t(v)], deg = g.indptr[size_t(v) + 1] - lo;
      pick.clear();
      if (fanout < 0 || deg <= fanout) {
        for (int64_t k = 0; k < deg; ++k) pick.push_back(lo + k);
      } else {
        uint64_t state = mix(seed ^ mix(uint64_t(hop) * 0x100000001B3ull ^ uint64_t(v)));
        if (deg <= 4 * fanout) {  // the first `fanout` of a random permutation of the range
          for (int64_t k = 0; k < deg; ++k) pick.push_back(lo + k);
          for (int64_t k = 0; k < fanout; ++k) {
            state = mix(state);
            std::swap(pick[size_t(k)], pick[size_t(k + int64_t(state % uint64_t(deg - k)))]);
          }
          pick.resize(size_t(fanout));
        } else {  // hubs: draw until `fanout` distinct edges, O(fanout^2) instead of O(degree)
          while (int64_t(pick.size()) < fanout) {
            state = mix(state);
            const int64_t e = lo + int64_t(state % uint64_t(deg));
            if (std::find(pick.begin(), pick.end(), e) == pick.end()) pick.push_back(e);
          }
        }
        std::sort(pick.begin(), pick.end());  // CSR order: sums in a fixed order
      }
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
