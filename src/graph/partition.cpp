// METIS k-way partitioning of the knowledge graph, weighted by training signatures per node.
#include <metis.h>

#include <algorithm>
#include <numeric>

#include "core/error.hpp"
#include "graph/ops.hpp"

namespace kg {
namespace {

std::string metis_error(int status) {
  switch (status) {
    case METIS_ERROR_INPUT: return "METIS rejected the input graph (METIS_ERROR_INPUT)";
    case METIS_ERROR_MEMORY: return "METIS ran out of memory (METIS_ERROR_MEMORY)";
    default: return fmt::format("METIS failed (status {})", status);
  }
}

}  // namespace

Partition partition_graph(const Graph& g, const std::vector<int64_t>& weight, int64_t parts,
                          int64_t seed) {
  const int64_t N = g.num_nodes();
  KG_CHECK(int64_t(weight.size()) == N);
  Partition p;
  p.parts = parts;
  p.part.assign(size_t(N), 0);
  // Undirected simple adjacency (CSR) from the directed multigraph.
  std::vector<std::vector<idx_t>> adj(static_cast<size_t>(N));
  for (int64_t v = 0; v < N; ++v)
    for (int64_t e = g.indptr[size_t(v)]; e < g.indptr[size_t(v) + 1]; ++e) {
      int32_t u = g.src[size_t(e)];
      if (u == v) continue;
      adj[size_t(v)].push_back(u);
      adj[size_t(u)].push_back(idx_t(v));
    }
  std::vector<idx_t> xadj(size_t(N) + 1, 0), adjncy;
  for (int64_t v = 0; v < N; ++v) {
    auto& a = adj[size_t(v)];
    std::sort(a.begin(), a.end());
    a.erase(std::unique(a.begin(), a.end()), a.end());
    adjncy.insert(adjncy.end(), a.begin(), a.end());
    xadj[size_t(v) + 1] = idx_t(adjncy.size());
    std::vector<idx_t>().swap(a);
  }
  if (parts > 1 && N > 0) {
    if (parts > N) fail("partition: {} parts requested for a graph of {} nodes", parts, N);
    std::vector<idx_t> vwgt(weight.begin(), weight.end()), part(static_cast<size_t>(N));
    idx_t nvtxs = idx_t(N), ncon = 1, nparts = idx_t(parts), objval = 0;
    idx_t options[METIS_NOPTIONS];
    METIS_SetDefaultOptions(options);
    options[METIS_OPTION_SEED] = idx_t(seed);
    options[METIS_OPTION_NUMBERING] = 0;
    int status = METIS_PartGraphKway(&nvtxs, &ncon, xadj.data(), adjncy.data(), vwgt.data(),
                                     nullptr, nullptr, &nparts, nullptr, nullptr, options, &objval,
                                     part.data());
    if (status != METIS_OK) fail("partition: {}", metis_error(status));
    std::copy(part.begin(), part.end(), p.part.begin());
  }
  p.part_weight.assign(size_t(parts), 0);
  p.part_nodes.assign(size_t(parts), 0);
  for (int64_t v = 0; v < N; ++v) {
    p.part_weight[size_t(p.part[size_t(v)])] += weight[size_t(v)];
    p.part_nodes[size_t(p.part[size_t(v)])] += 1;
    for (idx_t i = xadj[size_t(v)]; i < xadj[size_t(v) + 1]; ++i)
      if (adjncy[size_t(i)] > v && p.part[size_t(adjncy[size_t(i)])] != p.part[size_t(v)]) ++p.edge_cut;
  }
  double total = std::accumulate(p.part_weight.begin(), p.part_weight.end(), 0.0);
  double mx = double(*std::max_element(p.part_weight.begin(), p.part_weight.end()));
  p.balance = total > 0 ? mx / (total / double(parts)) : 1.0;
  return p;
}

}  // namespace kg
