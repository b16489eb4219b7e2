// Per-rank data of a training run: signature owners from partition.h5 (read through
// graph/partition_file), this rank's rows of the samples and its part of the graph.
#include "train/rank_data.hpp"

#include "core/error.hpp"
#include "graph/partition_file.hpp"
#include "graph/ops.hpp"

namespace kg {

std::vector<int32_t> signature_ranks(const std::vector<int32_t>& part, const Samples& s) {
  std::vector<int32_t> out(s.sig_drug.size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = part[size_t(s.drug_node[size_t(s.sig_drug[i])])];
  return out;
}

bool per_rank_data(const std::string& part_path, int ranks) { return !part_path.empty() && ranks > 1; }

DataParallel rank_data(const Config& cfg, const std::shared_ptr<Comm>& comm, const std::string& part_path,
                       const std::string& samples_path, Graph& g, Samples& s) {
  DataParallel dp;
  dp.comm = comm;
  if (part_path.empty()) return dp;
  const int rank = comm->rank();
  const auto part = read_partition_parts(part_path, g.num_nodes(), comm->size());
  dp.sig_rank = signature_ranks(part, s);
  if (!per_rank_data(part_path, comm->size())) return dp;
  std::vector<int64_t> rows;
  dp.sig_local.assign(dp.sig_rank.size(), -1);
  for (size_t i = 0; i < dp.sig_rank.size(); ++i)
    if (dp.sig_rank[i] == rank) dp.sig_local[i] = int64_t(rows.size()), rows.push_back(int64_t(i));
  select_signatures(s, rows, samples_path);
  if (cfg.model == "gat") {
    GraphPart cut = cut_graph(g, part, rank, cfg.gat.layers, s);
    g = std::move(cut.g);
    dp.owned_nodes = std::move(cut.owned);
  }
  return dp;
}

}  // namespace kg
