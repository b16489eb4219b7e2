// partition.h5: layout, writer and verified reader (docs/FORMATS.md, "partition.h5").
#include "graph/partition_file.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace kg {
namespace {

// Dataset `ds` must hold `want` values (`of`: what `want` counts).
template <typename T>
void check_length(const std::string& path, const std::string& ds, const std::vector<T>& v, int64_t want,
                  const char* of) {
  if (int64_t(v.size()) != want)
    fail_file("partition", path, "{} has {} values, expected {} ({})", ds, v.size(), want, of);
}

// The k lists `list[ptr[q]:ptr[q+1]]` (`ds`, as CSR): ptr from 0 to the list's length, never
// decreasing; each list strictly increasing, of nodes in [0, N) whose part is q (`owned`) or
// not q (a halo).
void check_lists(const std::string& path, const std::string& ds, const std::vector<int64_t>& ptr,
                 const std::vector<int64_t>& list, const std::vector<int32_t>& part, bool owned) {
  const auto bad = [&](const std::string& why) { fail_file("partition", path, "{}: {}", ds, why); };
  if (ptr.empty() || ptr.front() != 0 || ptr.back() != int64_t(list.size()))
    bad(fmt::format("{}_ptr does not run from 0 to the list's length {}", ds, list.size()));
  const auto N = int64_t(part.size());
  for (size_t q = 0; q + 1 < ptr.size(); ++q) {
    if (ptr[q + 1] < ptr[q]) bad(fmt::format("{}_ptr decreases at part {}", ds, q));
    for (int64_t j = ptr[q]; j < ptr[q + 1]; ++j) {
      const int64_t v = list[size_t(j)];
      if (v < 0 || v >= N) bad(fmt::format("part {}: node {} out of [0, {})", q, v, N));
      if (j > ptr[q] && v <= list[size_t(j) - 1]) bad(fmt::format("part {}: not sorted at node {}", q, v));
      if ((part[size_t(v)] == int32_t(q)) != owned)
        bad(fmt::format("part {}: node {} is in part {}", q, v, part[size_t(v)]));
    }
  }
}

// Everything but the lengths of the [N] datasets: parts in range, the per-part sums, the lists.
void verify(const std::string& path, const PartitionFile& f) {
  const int64_t k = f.p.parts, N = int64_t(f.p.part.size());
  if (k < 1) fail_file("partition", path, "attribute parts is {}, expected at least 1", k);
  check_length(path, "/part_weight", f.p.part_weight, k, "parts");
  check_length(path, "/part_nodes", f.p.part_nodes, k, "parts");
  check_length(path, "/owned_ptr", f.owned_ptr, k + 1, "parts + 1");
  check_length(path, "/halo_ptr", f.halo_ptr, k + 1, "parts + 1");
  check_length(path, "/owned", f.owned, N, "the graph's nodes");
  std::vector<int64_t> weight(size_t(k), 0), nodes(size_t(k), 0);
  for (int64_t v = 0; v < N; ++v) {
    const int32_t q = f.p.part[size_t(v)];
    if (q < 0 || q >= k) fail_file("partition", path, "/part: node {} is in part {}, out of [0, {})", v, q, k);
    weight[size_t(q)] += f.vertex_weight[size_t(v)], ++nodes[size_t(q)];
  }
  if (weight != f.p.part_weight) fail_file("partition", path, "/part_weight is not the work of each part's nodes");
  if (nodes != f.p.part_nodes) fail_file("partition", path, "/part_nodes is not each part's number of nodes");
  check_lists(path, "/owned", f.owned_ptr, f.owned, f.p.part, true);
  check_lists(path, "/halo", f.halo_ptr, f.halo, f.p.part, false);
}

}  // namespace

PartitionFile partition_file(Partition p, std::vector<int64_t> vertex_weight,
                             const std::vector<std::vector<int64_t>>& halos, int64_t hops, int64_t seed) {
  PartitionFile f;
  const auto N = int64_t(p.part.size());
  f.owned_ptr = {0}, f.halo_ptr = {0};
  for (int64_t q = 0; q < p.parts; ++q) {
    for (int64_t v = 0; v < N; ++v)
      if (p.part[size_t(v)] == q) f.owned.push_back(v);
    f.owned_ptr.push_back(int64_t(f.owned.size()));
    f.halo.insert(f.halo.end(), halos[size_t(q)].begin(), halos[size_t(q)].end());
    f.halo_ptr.push_back(int64_t(f.halo.size()));
  }
  f.replication = N > 0 ? double(N + int64_t(f.halo.size())) / double(N) : 1.0;
  f.p = std::move(p);
  f.vertex_weight = std::move(vertex_weight);
  f.halo_hops = hops, f.seed = seed;
  return f;
}

void write_partition(h5::Writer& w, const PartitionFile& f) {
  w.attr("/", "format", kPartitionFormat);
  w.write("/part", f.p.part);
  w.write("/part_weight", f.p.part_weight);
  w.write("/part_nodes", f.p.part_nodes);
  w.write("/vertex_weight", f.vertex_weight);
  w.write("/owned_ptr", f.owned_ptr);
  w.write("/owned", f.owned);
  w.write("/halo_ptr", f.halo_ptr);
  w.write("/halo", f.halo);
  w.attr("/", "parts", f.p.parts);
  w.attr("/", "edge_cut", f.p.edge_cut);
  w.attr("/", "balance", f.p.balance);
  w.attr("/", "node_balance", f.p.node_balance);
  w.attr("/", "halo_hops", f.halo_hops);
  w.attr("/", "replication", f.replication);
  w.attr("/", "seed", f.seed);
}

PartitionFile read_partition(const std::string& path, int64_t num_nodes) {
  const h5::Reader r(path);
  r.require_format("partition", kPartitionFormat);
  PartitionFile f;
  f.p.part = r.read<int32_t>("/part");
  if (int64_t(f.p.part.size()) != num_nodes)
    fail_file("partition", path, "/part has {} nodes, the graph has {} (a partition of another graph?)",
              f.p.part.size(), num_nodes);
  f.vertex_weight = r.read<int64_t>("/vertex_weight");
  check_length(path, "/vertex_weight", f.vertex_weight, num_nodes, "the graph's nodes");
  f.p.parts = r.attr_int("/", "parts");
  f.p.part_weight = r.read<int64_t>("/part_weight");
  f.p.part_nodes = r.read<int64_t>("/part_nodes");
  f.p.edge_cut = r.attr_int("/", "edge_cut");
  f.p.balance = r.attr_double("/", "balance");
  f.p.node_balance = r.attr_double("/", "node_balance");
  f.owned_ptr = r.read<int64_t>("/owned_ptr");
  f.owned = r.read<int64_t>("/owned");
  f.halo_ptr = r.read<int64_t>("/halo_ptr");
  f.halo = r.read<int64_t>("/halo");
  f.halo_hops = r.attr_int("/", "halo_hops");
  f.replication = r.attr_double("/", "replication");
  f.seed = r.attr_int("/", "seed");
  verify(path, f);
  return f;
}

std::vector<int32_t> read_partition_parts(const std::string& path, int64_t num_nodes, int ranks) {
  PartitionFile f = read_partition(path, num_nodes);
  if (f.p.parts != ranks)
    fail_file("partition", path, "has {} parts but the job has {} ranks (run kgpert partition with "
              "--set partition.parts={})", f.p.parts, ranks, ranks);
  return std::move(f.p.part);
}

}  // namespace kg
