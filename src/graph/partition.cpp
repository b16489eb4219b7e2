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

Partition partition_graph(const Graph& g, const std::vector<int64_t>& work, int64_t parts, int64_t seed) {
  const int64_t N = g.num_nodes();
  KG_CHECK(int64_t(work.size()) == N);
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
    // Constraint 0: one per node; constraint 1: the work (when there is any).
    const bool with_work = std::any_of(work.begin(), work.end(), [](int64_t w) { return w > 0; });
    idx_t nvtxs = idx_t(N), ncon = with_work ? 2 : 1, nparts = idx_t(parts), objval = 0;
    std::vector<idx_t> vwgt(size_t(N * ncon), 1), part(static_cast<size_t>(N));
    if (with_work)
      for (int64_t v = 0; v < N; ++v) {
        KG_CHECK(work[size_t(v)] >= 0, "negative work {} at node {}", work[size_t(v)], v);
        vwgt[size_t(2 * v + 1)] = idx_t(work[size_t(v)]);
      }
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
    p.part_weight[size_t(p.part[size_t(v)])] += work[size_t(v)];
    p.part_nodes[size_t(p.part[size_t(v)])] += 1;
    for (idx_t i = xadj[size_t(v)]; i < xadj[size_t(v) + 1]; ++i)
      if (adjncy[size_t(i)] > v && p.part[size_t(adjncy[size_t(i)])] != p.part[size_t(v)]) ++p.edge_cut;
  }
  auto balance = [&](const std::vector<int64_t>& per_part) {
    const double total = std::accumulate(per_part.begin(), per_part.end(), 0.0);
    const double mx = double(*std::max_element(per_part.begin(), per_part.end()));
    return total > 0 ? mx / (total / double(parts)) : 1.0;
  };
  p.balance = balance(p.part_weight);
  p.node_balance = balance(p.part_nodes);
  return p;
}

std::vector<std::vector<int64_t>> part_halos(const Graph& g, const std::vector<int32_t>& part, int64_t parts,
                                             int64_t hops, const std::vector<std::vector<int64_t>>& extra) {
  const int64_t N = g.num_nodes();
  KG_CHECK(int64_t(part.size()) == N);
  KG_CHECK(extra.empty() || int64_t(extra.size()) == parts);
  std::vector<std::vector<int64_t>> halo(static_cast<size_t>(parts));
  std::vector<int64_t> seen(static_cast<size_t>(N), -1);  // part that last reached the node
  std::vector<int64_t> frontier, next;
  for (int64_t p = 0; p < parts; ++p) {
    frontier.clear();
    auto reach = [&](int64_t v) {
      if (seen[size_t(v)] == p) return;
      seen[size_t(v)] = p;
      frontier.push_back(v);
    };
    for (int64_t v = 0; v < N; ++v)
      if (part[size_t(v)] == p) reach(v);
    if (!extra.empty())
      for (int64_t v : extra[size_t(p)]) reach(v);
    for (int64_t h = 0; h < hops && !frontier.empty(); ++h) {
      next.clear();
      for (int64_t v : frontier)
        for (int64_t e = g.indptr[size_t(v)]; e < g.indptr[size_t(v) + 1]; ++e) {
          const int64_t u = g.src[size_t(e)];
          if (seen[size_t(u)] != p) {
            seen[size_t(u)] = p;
            next.push_back(u);
          }
        }
      frontier.swap(next);
    }
    for (int64_t v = 0; v < N; ++v)
      if (seen[size_t(v)] == p && part[size_t(v)] != p) halo[size_t(p)].push_back(v);
  }
  return halo;
}

GraphPart cut_graph(const Graph& g, const std::vector<int32_t>& part, int32_t p, int64_t hops, Samples& s) {
  const int64_t N = g.num_nodes();
  KG_CHECK(int64_t(part.size()) == N && hops >= 0);
  // Breadth-first along in-edges from the seeds: dist[v] = hops to the nearest seed, -1 unreached.
  std::vector<int64_t> dist(size_t(N), -1), frontier, next;
  auto seed = [&](int64_t v) {
    if (dist[size_t(v)] < 0) dist[size_t(v)] = 0, frontier.push_back(v);
  };
  for (int64_t v = 0; v < N; ++v)
    if (part[size_t(v)] == p) seed(v);
  for (auto c : s.sig_cell) seed(s.cell_node[size_t(c)]);
  for (int64_t h = 1; h <= hops && !frontier.empty(); ++h) {
    next.clear();
    for (int64_t v : frontier)
      for (int64_t e = g.indptr[size_t(v)]; e < g.indptr[size_t(v) + 1]; ++e)
        if (const int64_t u = g.src[size_t(e)]; dist[size_t(u)] < 0) dist[size_t(u)] = h, next.push_back(u);
    frontier.swap(next);
  }

  GraphPart out;
  Graph& l = out.g;
  std::vector<int64_t> local(size_t(N), -1);
  for (int64_t v = 0; v < N; ++v)
    if (dist[size_t(v)] >= 0) {
      local[size_t(v)] = int64_t(out.global_node.size());
      out.global_node.push_back(v);
    }
  const auto n = int64_t(out.global_node.size());
  l.relation_names = g.relation_names;
  l.features.resize(g.features.size());
  for (size_t t = 0; t < g.features.size(); ++t) l.features[t].cols = g.features[t].cols;
  l.indptr.assign(1, 0);
  for (int64_t v : out.global_node) {
    const auto t = size_t(g.node_type[size_t(v)]);
    if (part[size_t(v)] == p) out.owned.push_back(local[size_t(v)]);
    l.node_type.push_back(int32_t(t));
    l.node_id.push_back(g.node_id[size_t(v)]);
    l.node_name.push_back(g.node_name[size_t(v)]);
    l.node_source.push_back(g.node_source[size_t(v)]);
    auto& f = l.features[t];
    l.local_index.push_back(f.rows++);
    const float* row = g.features[t].row(g.local_index[size_t(v)]);
    f.data.insert(f.data.end(), row, row + f.cols);
    if (dist[size_t(v)] < hops)
      for (int64_t e = g.indptr[size_t(v)]; e < g.indptr[size_t(v) + 1]; ++e) {
        l.src.push_back(int32_t(local[size_t(g.src[size_t(e)])]));
        l.rel.push_back(g.rel[size_t(e)]);
      }
    l.indptr.push_back(int64_t(l.src.size()));
  }
  KG_CHECK(int64_t(l.indptr.size()) == n + 1);
  for (size_t t = 0; t < g.features.size(); ++t)
    if (g.features[t].rows > 0 && l.features[t].rows == 0 && g.features[t].cols == 0)
      fail("part {} of the graph has no {} node, a type without features (its learned vector would be "
           "missing from this rank's model); partition into fewer parts", p, node_type_names()[t]);
  for (auto& v : s.drug_node) v = local[size_t(v)];
  for (auto& v : s.cell_node) v = local[size_t(v)];
  for (auto& v : s.gene_node)
    if (v >= 0) v = local[size_t(v)];
  return out;
}

}  // namespace kg
