// `kgpert partition`: METIS k-way partition of the graph balancing both the nodes and the work
// (training signatures whose compound is the node), and each part's gat.layers-hop halo.
#include <set>
#include <fmt/ranges.h>  // fmt::join

#include "core/error.hpp"
#include "graph/ops.hpp"
#include "graph/partition_file.hpp"
#include "stages/stage.hpp"

namespace kg {

int stage_partition(StageContext& ctx) {
  const std::string& graph_path = ctx.require("graph");
  const std::string& samples_path = ctx.require("samples");
  const std::string split_path = ctx.option("split");
  const std::string& out = ctx.require("out");
  check_ingest_pair(graph_path, samples_path);
  if (!split_path.empty()) check_split_of(split_path, samples_path);
  Graph g = read_graph(graph_path);
  Samples s = read_samples(samples_path);
  s.validate(fmt::format("samples \"{}\"", samples_path), g.num_nodes());

  const int64_t N = g.num_nodes(), k = ctx.cfg.partition.parts, hops = ctx.cfg.gat.layers;
  std::vector<int64_t> work(size_t(N), 0);
  if (!split_path.empty()) {
    Split split = read_split(split_path, s.num_signatures());
    for (auto i : split.train) ++work[size_t(s.drug_node[size_t(s.sig_drug[size_t(i)])])];
  } else {
    for (auto d : s.sig_drug) ++work[size_t(s.drug_node[size_t(d)])];
  }
  Partition p = partition_graph(g, work, k, ctx.cfg.partition.seed);

  // A part trains and evaluates the signatures of the compounds it owns, so it also needs
  // their cell lines' neighbourhoods.
  std::vector<std::set<int64_t>> cells(static_cast<size_t>(k));
  for (size_t i = 0; i < s.sig_drug.size(); ++i)
    cells[size_t(p.part[size_t(s.drug_node[size_t(s.sig_drug[i])])])].insert(s.cell_node[size_t(s.sig_cell[i])]);
  std::vector<std::vector<int64_t>> extra;
  for (const auto& c : cells) extra.emplace_back(c.begin(), c.end());
  const auto halo = part_halos(g, p.part, k, hops, extra);
  const PartitionFile f = partition_file(std::move(p), std::move(work), halo, hops, ctx.cfg.partition.seed);

  h5::Writer w(out);
  write_partition(w, f);
  record_lineage(w, graph_path, split_path);
  w.provenance(ctx.provenance({graph_path, samples_path, split_path}));
  w.commit();
  std::vector<std::string> sizes;
  for (int64_t q = 0; q < k; ++q)
    sizes.push_back(fmt::format("{}+{}", f.p.part_nodes[size_t(q)], f.halo_nodes[size_t(q)]));
  log::info("partition: {} parts of {} nodes, edge cut {}, work balance {:.3f}, node balance {:.3f}; "
            "owned+{}-hop halo per part: {} (replication {:.2f})",
            f.p.parts, N, f.p.edge_cut, f.p.balance, f.p.node_balance, hops, fmt::join(sizes, " "), f.replication);
  return 0;
}

}  // namespace kg
