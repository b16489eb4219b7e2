// partition.h5: written and read back whole; a file of another format, of another graph, of
// another number of parts, or with owned and halo lists that do not match /part is refused
// with an error naming the file and the reason.
#include <gtest/gtest.h>

#include "graph/partition_file.hpp"
#include "support/kgtest.hpp"

namespace {

// The directed path 0 -> 1 -> ... -> 5 in two METIS parts, 1-hop halos.
kg::PartitionFile path_partition() {
  kg::Graph g;
  g.relation_names = {"r"};
  for (int v = 0; v < 6; ++v) {
    g.node_type.push_back(0), g.local_index.push_back(v), g.node_id.push_back(std::to_string(v));
    g.node_name.push_back("n"), g.node_source.push_back("t");
  }
  std::vector<int32_t> src{0, 1, 2, 3, 4}, dst{1, 2, 3, 4, 5}, rel(5, 0);
  kg::Graph::build_csr(6, dst, src, rel, g.indptr);
  g.src = src, g.rel = rel;
  std::vector<int64_t> work{1, 1, 1, 1, 1, 1};
  kg::Partition p = kg::partition_graph(g, work, 2, 0);
  const auto halos = kg::part_halos(g, p.part, 2, 1);
  return kg::partition_file(std::move(p), std::move(work), halos, 1, 0);
}

std::string write(const std::string& name, const kg::PartitionFile& f) {
  const std::string path = kgtest::tmp_file(name, "");
  kg::h5::Writer w(path);
  kg::write_partition(w, f);
  w.commit();
  return path;
}

TEST(PartitionFile, RoundTrip) {
  const auto f = path_partition();
  ASSERT_EQ(f.owned_ptr, (std::vector<int64_t>{0, f.p.part_nodes[0], 6}));
  ASSERT_EQ(f.halo.size(), 1u);  // the one edge between the two halves of the path
  EXPECT_DOUBLE_EQ(f.replication, 7.0 / 6.0);
  const std::string path = write("ok.h5", f);
  const auto r = kg::read_partition(path, 6);
  EXPECT_EQ(r.p.part, f.p.part);
  EXPECT_EQ(r.p.part_weight, f.p.part_weight);
  EXPECT_EQ(r.owned, f.owned);
  EXPECT_EQ(r.halo_ptr, f.halo_ptr);
  EXPECT_EQ(r.halo, f.halo);
  EXPECT_EQ(r.halo_hops, 1);
  EXPECT_EQ(kg::read_partition_parts(path, 6, 2), f.p.part);
}

TEST(PartitionFile, AnotherFormatIsRefused) {
  const std::string path = kgtest::tmp_file("split.h5", "");
  {
    kg::h5::Writer w(path);
    w.attr("/", "format", "kgpert-split-1");
    w.commit();
  }
  kgtest::expect_error([&] { kg::read_partition(path, 6); },
                       {"partition \"" + path + "\"", "not a kgpert partition file", "kgpert-partition-2"});
}

TEST(PartitionFile, AnotherGraphOrRankCountIsRefused) {
  const std::string path = write("ok.h5", path_partition());
  kgtest::expect_error([&] { kg::read_partition(path, 7); },
                       {"partition \"" + path + "\"", "/part has 6 nodes, the graph has 7"});
  kgtest::expect_error([&] { kg::read_partition_parts(path, 6, 3); },
                       {"partition \"" + path + "\"", "has 2 parts but the job has 3 ranks"});
}

TEST(PartitionFile, ListsThatDoNotMatchThePartsAreRefused) {
  auto f = path_partition();
  std::swap(f.owned[0], f.owned[1]);
  const std::string unsorted = write("unsorted.h5", f);
  kgtest::expect_error([&] { kg::read_partition(unsorted, 6); },
                       {"partition \"" + unsorted + "\"", "/owned: part 0: not sorted"});

  f = path_partition();
  const int32_t q = f.p.part[size_t(f.halo[0])];
  f.halo[0] = f.owned[size_t(f.owned_ptr[size_t(1 - q)])];  // a node of the halo's own part
  const std::string own = write("own_halo.h5", f);
  kgtest::expect_error([&] { kg::read_partition(own, 6); }, {"/halo: part", "is in part"});

  f = path_partition();
  f.p.part_nodes = {6, 0};
  const std::string counts = write("counts.h5", f);
  kgtest::expect_error([&] { kg::read_partition(counts, 6); }, {"/part_nodes is not each part's number of nodes"});

  f = path_partition();
  f.halo_ptr.pop_back();
  const std::string short_ptr = write("short_ptr.h5", f);
  kgtest::expect_error([&] { kg::read_partition(short_ptr, 6); }, {"/halo_ptr has 2 values, expected 3"});
}

}  // namespace
