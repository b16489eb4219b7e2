// `kgpert partition`: METIS k-way partition of the graph, vertex weights = 1 + training
// signatures whose compound is the node (so parts balance the work, not only the nodes).
#include <iostream>

#include "core/error.hpp"
#include "graph/ops.hpp"
#include "stages/stage.hpp"

namespace kg {

int stage_partition(StageContext& ctx) {
  const std::string& graph_path = ctx.require("graph");
  const std::string& samples_path = ctx.require("samples");
  const std::string split_path = ctx.option("split");
  const std::string& out = ctx.require("out");
  Graph g = read_graph(graph_path);
  Samples s = read_samples(samples_path);
  s.validate(fmt::format("samples \"{}\"", samples_path), g.num_nodes());

  std::vector<int64_t> weight(size_t(g.num_nodes()), 1);
  if (!split_path.empty()) {
    Split split = read_split(split_path, s.num_signatures());
    for (auto i : split.train) ++weight[size_t(s.drug_node[size_t(s.sig_drug[size_t(i)])])];
  } else {
    for (auto d : s.sig_drug) ++weight[size_t(s.drug_node[size_t(d)])];
  }
  Partition p = partition_graph(g, weight, ctx.cfg.partition.parts, ctx.cfg.partition.seed);

  h5::Writer w(out);
  w.attr("/", "format", "kgpert-partition-1");
  w.write("/part", p.part);
  w.write("/part_weight", p.part_weight);
  w.write("/part_nodes", p.part_nodes);
  w.write("/vertex_weight", weight);
  w.attr("/", "parts", p.parts);
  w.attr("/", "edge_cut", p.edge_cut);
  w.attr("/", "balance", p.balance);
  w.attr("/", "seed", ctx.cfg.partition.seed);
  w.provenance(ctx.provenance({graph_path, samples_path, split_path}));
  w.commit();
  std::cerr << fmt::format("partition: {} parts of {} nodes, edge cut {}, balance {:.3f}\n", p.parts,
                           g.num_nodes(), p.edge_cut, p.balance);
  return 0;
}

}  // namespace kg
