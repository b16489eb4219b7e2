// Per-rank data of a training run: signature owners from partition.h5, this rank's rows of the
// samples and its part of the graph.
#include "train/rank_data.hpp"

#include "core/error.hpp"
#include "core/h5.hpp"
#include "graph/ops.hpp"

namespace kg {

std::vector<int32_t> read_parts(const std::string& path, const Graph& g, int ranks) {
  h5::Reader r(path);
  auto part = r.read<int32_t>("/part");
  if (int64_t(part.size()) != g.num_nodes())
    r.fail("/part", fmt::format("{} nodes, the graph has {}", part.size(), g.num_nodes()));
  const int64_t parts = r.attr_int("/", "parts");
  if (parts != ranks)
    fail_file("partition", path, "has {} parts but the job has {} ranks (run kgpert partition with "
              "--set partition.parts={})", parts, ranks, ranks);
  for (auto p : part)
    if (p < 0 || p >= ranks) r.fail("/part", fmt::format("part {} out of [0, {})", p, ranks));
  return part;
}

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
  const auto part = read_parts(part_path, g, comm->size());
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
