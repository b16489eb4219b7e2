// partition.h5: written and read back whole; a file of another format, of another graph, of
// another number of parts, or with counts that do not match /part is refused with an error
// naming the file and the reason; the format before it (kgpert-partition-2) is still read.
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
  // The one edge between the two halves of the path: the later part's halo is one node.
  const int32_t later = f.p.part[5];
  ASSERT_EQ(f.halo_nodes, (later == 1 ? std::vector<int64_t>{0, 1} : std::vector<int64_t>{1, 0}));
  EXPECT_DOUBLE_EQ(f.replication, 7.0 / 6.0);
  const std::string path = write("ok.h5", f);
  const auto r = kg::read_partition(path, 6);
  EXPECT_EQ(r.p.part, f.p.part);
  EXPECT_EQ(r.p.part_weight, f.p.part_weight);
  EXPECT_EQ(r.p.part_nodes, f.p.part_nodes);
  EXPECT_EQ(r.halo_nodes, f.halo_nodes);
  EXPECT_DOUBLE_EQ(r.replication, f.replication);
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
                       {"partition \"" + path + "\"", "not a kgpert partition file", "kgpert-partition-3"});
}

TEST(PartitionFile, AnotherGraphOrRankCountIsRefused) {
  const std::string path = write("ok.h5", path_partition());
  kgtest::expect_error([&] { kg::read_partition(path, 7); },
                       {"partition \"" + path + "\"", "/part has 6 nodes, the graph has 7"});
  kgtest::expect_error([&] { kg::read_partition_parts(path, 6, 3); },
                       {"partition \"" + path + "\"", "has 2 parts but the job has 3 ranks"});
}

TEST(PartitionFile, CountsThatDoNotMatchThePartsAreRefused) {
  auto f = path_partition();
  f.p.part_nodes = {6, 0};
  const std::string counts = write("counts.h5", f);
  kgtest::expect_error([&] { kg::read_partition(counts, 6); }, {"/part_nodes is not each part's number of nodes"});

  f = path_partition();
  f.halo_nodes[0] = 4;  // more than the nodes outside part 0
  const std::string big = write("big_halo.h5", f);
  kgtest::expect_error([&] { kg::read_partition(big, 6); }, {"/halo_nodes: part 0 has 4 halo nodes, outside [0, "});

  f = path_partition();
  f.halo_nodes.pop_back();
  const std::string short_halo = write("short_halo.h5", f);
  kgtest::expect_error([&] { kg::read_partition(short_halo, 6); }, {"/halo_nodes has 1 values, expected 2"});
}

// A kgpert-partition-2 file (owned and halo lists as CSR) reads as before; its halo sizes come
// from the halo list's pointers.
TEST(PartitionFile, TheFormerFormatIsStillRead) {
  const auto f = path_partition();
  const std::string path = kgtest::tmp_file("v2.h5", "");
  {
    kg::h5::Writer w(path);
    kg::write_partition(w, f);
    w.attr("/", "format", kg::kPartitionFormat2);
    w.write("/halo_ptr", std::vector<int64_t>{0, f.halo_nodes[0], f.halo_nodes[0] + f.halo_nodes[1]});
    w.commit();
  }
  const auto r = kg::read_partition(path, 6);
  EXPECT_EQ(r.p.part, f.p.part);
  EXPECT_EQ(r.halo_nodes, f.halo_nodes);
  EXPECT_EQ(kg::read_partition_parts(path, 6, 2), f.p.part);
}

}  // namespace
