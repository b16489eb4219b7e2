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

// Everything but the lengths of the [N] datasets: parts in range, the per-part sums, the halos.
void verify(const std::string& path, const PartitionFile& f) {
  const int64_t k = f.p.parts, N = int64_t(f.p.part.size());
  if (k < 1) fail_file("partition", path, "attribute parts is {}, expected at least 1", k);
  check_length(path, "/part_weight", f.p.part_weight, k, "parts");
  check_length(path, "/part_nodes", f.p.part_nodes, k, "parts");
  check_length(path, "/halo_nodes", f.halo_nodes, k, "parts");
  std::vector<int64_t> weight(size_t(k), 0), nodes(size_t(k), 0);
  for (int64_t v = 0; v < N; ++v) {
    const int32_t q = f.p.part[size_t(v)];
    if (q < 0 || q >= k) fail_file("partition", path, "/part: node {} is in part {}, out of [0, {})", v, q, k);
    weight[size_t(q)] += f.vertex_weight[size_t(v)], ++nodes[size_t(q)];
  }
  if (weight != f.p.part_weight) fail_file("partition", path, "/part_weight is not the work of each part's nodes");
  if (nodes != f.p.part_nodes) fail_file("partition", path, "/part_nodes is not each part's number of nodes");
  for (int64_t q = 0; q < k; ++q)
    if (f.halo_nodes[size_t(q)] < 0 || f.halo_nodes[size_t(q)] > N - nodes[size_t(q)])
      fail_file("partition", path, "/halo_nodes: part {} has {} halo nodes, outside [0, {}]", q,
                f.halo_nodes[size_t(q)], N - nodes[size_t(q)]);
}

}  // namespace

PartitionFile partition_file(Partition p, std::vector<int64_t> vertex_weight,
                             const std::vector<std::vector<int64_t>>& halos, int64_t hops, int64_t seed) {
  PartitionFile f;
  const auto N = int64_t(p.part.size());
  int64_t H = 0;
  for (const auto& h : halos) f.halo_nodes.push_back(int64_t(h.size())), H += int64_t(h.size());
  f.replication = N > 0 ? double(N + H) / double(N) : 1.0;
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
  w.write("/halo_nodes", f.halo_nodes);
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
  const bool v2 = r.has_attr("/", "format") && r.attr_string("/", "format") == kPartitionFormat2;
  if (!v2) r.require_format("partition", kPartitionFormat);
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
  if (v2) {  // each part's halo size from its list's pointers
    const auto ptr = r.read<int64_t>("/halo_ptr");
    check_length(path, "/halo_ptr", ptr, f.p.parts + 1, "parts + 1");
    for (size_t q = 0; q + 1 < ptr.size(); ++q) f.halo_nodes.push_back(ptr[q + 1] - ptr[q]);
  } else {
    f.halo_nodes = r.read<int64_t>("/halo_nodes");
  }
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
