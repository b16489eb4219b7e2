// Graph: CSR construction, file round trip, ablations (degrees kept), splits, METIS partitioning.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <tuple>

#include <unistd.h>

#include "core/error.hpp"
#include "graph/graph.hpp"
#include "graph/ops.hpp"

namespace {

// Two 4-cliques of gene/protein nodes (0-3, 4-7) joined by one edge 3-4, both directions,
// plus a drug node 8 targeting 0 and 1 (relation 1).
kg::Graph two_cliques() {
  kg::Graph g;
  g.relation_names = {"protein_protein", "drug_protein"};
  std::vector<int32_t> dst, src, rel;
  auto add = [&](int a, int b, int r) {
    dst.push_back(b); src.push_back(a); rel.push_back(r);
    dst.push_back(a); src.push_back(b); rel.push_back(r);
  };
  for (int base : {0, 4})
    for (int i = 0; i < 4; ++i)
      for (int j = i + 1; j < 4; ++j) add(base + i, base + j, 0);
  add(3, 4, 0);
  add(8, 0, 1);
  add(8, 1, 1);
  const int N = 9;
  const int gene = kg::node_type_index("gene/protein"), drug = kg::node_type_index("drug");
  g.features.resize(kg::node_type_names().size());
  for (int v = 0; v < N; ++v) {
    int t = v == 8 ? drug : gene;
    g.node_type.push_back(t);
    g.local_index.push_back(v == 8 ? 0 : v);
    g.node_id.push_back("id" + std::to_string(v));
    g.node_name.push_back("n" + std::to_string(v));
    g.node_source.push_back("test");
  }
  g.features[size_t(gene)] = {std::vector<float>(8 * 2, 1.f), 8, 2};
  g.features[size_t(drug)] = {std::vector<float>{3.f, 4.f, 5.f}, 1, 3};
  kg::Graph::build_csr(N, dst, src, rel, g.indptr);
  g.src = src;
  g.rel = rel;
  return g;
}

// degree[(node, relation, in|out)]
std::map<std::tuple<int, int, int>, int> degrees(const kg::Graph& g) {
  std::map<std::tuple<int, int, int>, int> d;
  for (int v = 0; v < g.num_nodes(); ++v)
    for (auto e = g.indptr[size_t(v)]; e < g.indptr[size_t(v) + 1]; ++e) {
      d[{v, g.rel[size_t(e)], 0}]++;
      d[{g.src[size_t(e)], g.rel[size_t(e)], 1}]++;
    }
  return d;
}

TEST(Graph, CsrIsSortedByDestinationThenSource) {
  auto g = two_cliques();
  g.validate("test");
  EXPECT_EQ(g.num_edges(), 2 * (6 + 6 + 1 + 2));
  // node 0: incoming from 1, 2, 3 (protein_protein) and 8 (drug_protein)
  std::vector<int32_t> in0(g.src.begin() + g.indptr[0], g.src.begin() + g.indptr[1]);
  EXPECT_EQ(in0, (std::vector<int32_t>{1, 2, 3, 8}));
  EXPECT_EQ(g.rel[size_t(g.indptr[1] - 1)], 1);
}

TEST(Graph, FileRoundTrip) {
  auto g = two_cliques();
  std::string p = ::testing::TempDir() + "graph_rt.h5";
  {
    kg::h5::Writer w(p);
    kg::write_graph(w, g);
    w.commit();
  }
  auto h = kg::read_graph(p);
  EXPECT_EQ(h.src, g.src);
  EXPECT_EQ(h.indptr, g.indptr);
  EXPECT_EQ(h.node_name, g.node_name);
  EXPECT_EQ(h.relation_names, g.relation_names);
  EXPECT_EQ(h.features[0].data, (std::vector<float>{3.f, 4.f, 5.f}));
}

TEST(Graph, EdgeShuffleKeepsDegreesPerRelationAndTypes) {
  auto g = two_cliques();
  auto before = degrees(g);
  auto h = g;
  kg::shuffle_edges(h, 42);
  h.validate("shuffled");
  EXPECT_EQ(degrees(h), before);
  EXPECT_NE(h.src, g.src);  // something moved
  // drug_protein edges into proteins still come from the drug
  for (int v = 0; v < h.num_nodes(); ++v)
    for (auto e = h.indptr[size_t(v)]; e < h.indptr[size_t(v) + 1]; ++e)
      if (h.rel[size_t(e)] == 1 && v != 8) EXPECT_EQ(h.src[size_t(e)], 8);
  auto h2 = g;
  kg::shuffle_edges(h2, 42);
  EXPECT_EQ(h2.src, h.src);  // seeded
}

TEST(Graph, FeatureRandomKeepsShapes) {
  auto g = two_cliques();
  kg::randomize_features(g, 1);
  EXPECT_EQ(g.features[0].rows, 1);
  EXPECT_EQ(g.features[0].cols, 3);
  EXPECT_NE(g.features[0].data, (std::vector<float>{3.f, 4.f, 5.f}));
}

TEST(Split, RandomIsADisjointCoverWithRequestedSizes) {
  auto s = kg::make_split("random", 1000, {}, 0.8, 0.1, 3);
  EXPECT_EQ(s.train.size(), 800u);
  EXPECT_EQ(s.val.size(), 100u);
  EXPECT_EQ(s.test.size(), 100u);
  std::set<int64_t> all(s.train.begin(), s.train.end());
  all.insert(s.val.begin(), s.val.end());
  all.insert(s.test.begin(), s.test.end());
  EXPECT_EQ(all.size(), 1000u);
  EXPECT_EQ(kg::make_split("random", 1000, {}, 0.8, 0.1, 3).test, s.test);
  EXPECT_NE(kg::make_split("random", 1000, {}, 0.8, 0.1, 4).test, s.test);
}

TEST(Split, GroupsNeverStraddleParts) {
  // 60 groups of varied sizes (1..7 signatures each)
  std::vector<int64_t> group;
  for (int g = 0; g < 60; ++g)
    for (int k = 0; k < 1 + g % 7; ++k) group.push_back(g);
  const int64_t n = int64_t(group.size());
  auto s = kg::make_split("scaffold", n, group, 0.8, 0.1, 0);
  std::map<int64_t, std::set<int>> parts_of;
  int part = 0;
  for (const auto* p : {&s.train, &s.val, &s.test}) {
    for (auto i : *p) parts_of[group[size_t(i)]].insert(part);
    ++part;
  }
  for (const auto& [g, ps] : parts_of) EXPECT_EQ(ps.size(), 1u) << "group " << g;
  EXPECT_EQ(int64_t(s.train.size() + s.val.size() + s.test.size()), n);
  EXPECT_NEAR(double(s.train.size()) / double(n), 0.8, 0.05);
  EXPECT_NEAR(double(s.test.size()) / double(n), 0.1, 0.05);
}

TEST(Partition, TwoCliquesSplitAtTheBridge) {
  auto g = two_cliques();
  std::vector<int64_t> w(size_t(g.num_nodes()), 1);
  auto p = kg::partition_graph(g, w, 2, 0);
  EXPECT_EQ(p.edge_cut, 1);
  EXPECT_NE(p.part[0], p.part[5]);
  for (int v : {1, 2, 3, 8}) EXPECT_EQ(p.part[size_t(v)], p.part[0]);
  for (int v : {4, 6, 7}) EXPECT_EQ(p.part[size_t(v)], p.part[5]);
  EXPECT_EQ(p.part_nodes[0] + p.part_nodes[1], 9);
  EXPECT_NEAR(p.balance, 10.0 / 9.0, 1e-9);  // 5 vs 4 nodes
  auto q = kg::partition_graph(g, w, 2, 0);
  EXPECT_EQ(q.part, p.part);  // deterministic
  auto one = kg::partition_graph(g, w, 1, 0);
  EXPECT_EQ(one.edge_cut, 0);
}

TEST(Partition, BalancesTheWorkAsWellAsTheNodes) {
  // A path of 40 nodes whose work all sits on the first 10: cutting by nodes alone would give
  // one part all of it; both constraints must hold within METIS' tolerance.
  std::vector<int32_t> src, dst, rel;
  for (int v = 0; v + 1 < 40; ++v) {
    src.insert(src.end(), {v, v + 1}), dst.insert(dst.end(), {v + 1, v}), rel.insert(rel.end(), {0, 0});
  }
  kg::Graph g;
  g.relation_names = {"r"};
  for (int v = 0; v < 40; ++v) {
    g.node_type.push_back(0), g.local_index.push_back(v), g.node_id.push_back(std::to_string(v));
    g.node_name.push_back("n"), g.node_source.push_back("t");
  }
  kg::Graph::build_csr(40, dst, src, rel, g.indptr);
  g.src = src, g.rel = rel;
  std::vector<int64_t> work(40, 0);
  for (int v = 0; v < 10; ++v) work[size_t(v)] = 10;
  auto p = kg::partition_graph(g, work, 2, 0);
  EXPECT_EQ(p.part_weight[0] + p.part_weight[1], 100);
  EXPECT_LE(p.balance, 1.2) << p.part_weight[0] << " vs " << p.part_weight[1];
  EXPECT_LE(p.node_balance, 1.2) << p.part_nodes[0] << " vs " << p.part_nodes[1];
  EXPECT_EQ(p.part_nodes[0] + p.part_nodes[1], 40);
}

TEST(Partition, HalosAreTheInNeighbourhoodsWithinLHops) {
  // 0 -> 1 -> 2 -> 3 -> 4 (directed): part 0 = {3, 4}, part 1 = {0, 1, 2}.
  kg::Graph g;
  g.relation_names = {"r"};
  for (int v = 0; v < 5; ++v) {
    g.node_type.push_back(0), g.local_index.push_back(v), g.node_id.push_back(std::to_string(v));
    g.node_name.push_back("n"), g.node_source.push_back("t");
  }
  std::vector<int32_t> src{0, 1, 2, 3}, dst{1, 2, 3, 4}, rel{0, 0, 0, 0};
  kg::Graph::build_csr(5, dst, src, rel, g.indptr);
  g.src = src, g.rel = rel;
  const std::vector<int32_t> part{1, 1, 1, 0, 0};
  auto h1 = kg::part_halos(g, part, 2, 1);
  EXPECT_EQ(h1[0], (std::vector<int64_t>{2}));  // messages into 3 come from 2
  EXPECT_TRUE(h1[1].empty());                   // nothing flows into 0..2 from 3, 4
  auto h2 = kg::part_halos(g, part, 2, 2);
  EXPECT_EQ(h2[0], (std::vector<int64_t>{1, 2}));
  // A node a part needs without owning it (a cell line of its signatures) brings its own halo.
  auto hx = kg::part_halos(g, part, 2, 1, {{}, {4}});
  EXPECT_EQ(hx[1], (std::vector<int64_t>{3, 4}));
}

TEST(Partition, CutGraphKeepsTheHaloAndTheEdgesTheLayersRead) {
  // Genes 0 -> 1 -> 2 -> 3 -> 4 -> 5, drug 6 -> 5, gene 0 -> cell line 7. Part 0 = {4, 5, 6};
  // its signature (compound 0 = node 6, cell line 7) brings node 7 in as a seed.
  kg::Graph g;
  g.relation_names = {"r", "s"};
  const int gene = kg::node_type_index("gene/protein"), drug = kg::node_type_index("drug"),
            cell = kg::node_type_index("cell_line");
  g.features.resize(kg::node_type_names().size());
  g.features[size_t(gene)].cols = 2;
  g.features[size_t(drug)].cols = 1;
  g.features[size_t(cell)].cols = 3;
  for (int v = 0; v < 8; ++v) {
    const int t = v == 6 ? drug : v == 7 ? cell : gene;
    auto& f = g.features[size_t(t)];
    g.node_type.push_back(t), g.local_index.push_back(f.rows++);
    for (int64_t k = 0; k < f.cols; ++k) f.data.push_back(float(10 * v + k));
    g.node_id.push_back("id" + std::to_string(v)), g.node_name.push_back("n" + std::to_string(v));
    g.node_source.push_back("test");
  }
  std::vector<int32_t> src{0, 1, 2, 3, 4, 6, 0}, dst{1, 2, 3, 4, 5, 5, 7}, rel{0, 0, 0, 0, 0, 1, 1};
  kg::Graph::build_csr(8, dst, src, rel, g.indptr);
  g.src = src, g.rel = rel;
  g.validate("chain");
  kg::Samples s;
  s.drug_node = {6, 1}, s.cell_node = {7}, s.gene_node = {5, 1, -1};
  s.sig_drug = {0}, s.sig_cell = {0};
  const std::vector<int32_t> part{1, 1, 1, 1, 0, 0, 0, 1};

  kg::GraphPart p = kg::cut_graph(g, part, 0, 2, s);
  // Seeds 4, 5, 6, 7; one hop: 3 (into 4), 0 (into 7); two hops: 2 (into 3).
  EXPECT_EQ(p.global_node, (std::vector<int64_t>{0, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(p.owned, (std::vector<int64_t>{3, 4, 5}));
  const kg::Graph& l = p.g;
  l.validate("part 0");
  // Incoming edges, as (global src, global dst, rel): all of those less than 2 hops from a seed,
  // none into node 2 (the outer ring: 1 -> 2 would need node 1).
  std::set<std::tuple<int64_t, int64_t, int>> edges;
  for (int64_t v = 0; v < l.num_nodes(); ++v)
    for (auto e = l.indptr[size_t(v)]; e < l.indptr[size_t(v) + 1]; ++e)
      edges.emplace(p.global_node[size_t(l.src[size_t(e)])], p.global_node[size_t(v)], l.rel[size_t(e)]);
  EXPECT_EQ(edges, (std::set<std::tuple<int64_t, int64_t, int>>{{2, 3, 0}, {3, 4, 0}, {4, 5, 0}, {6, 5, 1}, {0, 7, 1}}));
  for (int64_t v = 0; v < l.num_nodes(); ++v) {
    const int64_t u = p.global_node[size_t(v)];
    EXPECT_EQ(l.node_id[size_t(v)], g.node_id[size_t(u)]);
    ASSERT_EQ(l.node_type[size_t(v)], g.node_type[size_t(u)]);
    const auto& lf = l.features[size_t(l.node_type[size_t(v)])];
    const auto& gf = g.features[size_t(g.node_type[size_t(u)])];
    ASSERT_EQ(lf.cols, gf.cols);
    EXPECT_TRUE(std::equal(lf.row(l.local_index[size_t(v)]), lf.row(l.local_index[size_t(v)]) + lf.cols,
                           gf.row(g.local_index[size_t(u)])));
  }
  EXPECT_EQ(s.drug_node, (std::vector<int64_t>{5, -1}));  // compound 1's node 1 is outside
  EXPECT_EQ(s.cell_node, (std::vector<int64_t>{6}));
  EXPECT_EQ(s.gene_node, (std::vector<int64_t>{4, -1, -1}));

  // No layers: the seeds alone, without edges; a type with no node in the part keeps its width.
  kg::Samples s0;
  s0.drug_node = {6}, s0.cell_node = {7}, s0.sig_drug = {0}, s0.sig_cell = {0};
  kg::GraphPart q = kg::cut_graph(g, part, 0, 0, s0);
  EXPECT_EQ(q.global_node, (std::vector<int64_t>{4, 5, 6, 7}));
  EXPECT_EQ(q.g.num_edges(), 0);
  kg::Samples s1;
  kg::GraphPart r = kg::cut_graph(g, part, 1, 0, s1);
  EXPECT_EQ(r.global_node, (std::vector<int64_t>{0, 1, 2, 3, 7}));
  EXPECT_EQ(r.g.features[size_t(drug)].rows, 0);
  EXPECT_EQ(r.g.features[size_t(drug)].cols, 1);
}

TEST(Samples, SelectSignaturesReadsOnlyTheirRowsInBlocks) {
  kg::Samples s;
  s.gene_id = {"1", "2", "3"}, s.gene_symbol = {"A", "B", "C"}, s.gene_node = {-1, -1, -1};
  s.drug_pert_id = {"d"}, s.drug_name = {"d"}, s.drug_smiles = {""}, s.drug_match = {"new"}, s.drug_node = {0};
  s.cell_id = {"c"}, s.cell_node = {0};
  s.y.cols = 3;
  for (int i = 0; i < 11; ++i) {
    s.sig_id.push_back("s" + std::to_string(i)), s.sig_drug.push_back(0), s.sig_cell.push_back(0);
    s.dose_um.push_back(float(i)), s.time_h.push_back(float(24 + i % 3));
    for (int k = 0; k < 3; ++k) s.y.data.push_back(float(100 * i + k));
    ++s.y.rows;
  }
  const auto dir = std::filesystem::temp_directory_path() / ("kgpert-test-select-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "samples.h5").string();
  {
    kg::h5::Writer w(path);
    kg::write_samples(w, s);
    w.commit();
  }
  const std::vector<int64_t> rows{1, 2, 7, 10};
  for (int64_t block : {0, 1, 3, 4}) {
    kg::Samples part = kg::read_samples(path, /*with_y=*/false);
    EXPECT_EQ(part.y.rows, 0);
    EXPECT_EQ(part.y.cols, 3);
    kg::select_signatures(part, rows, path, block);
    ASSERT_EQ(part.y.rows, 4) << block;
    for (size_t k = 0; k < rows.size(); ++k) {
      EXPECT_EQ(part.sig_id[k], s.sig_id[size_t(rows[k])]);
      EXPECT_EQ(part.dose_um[k], s.dose_um[size_t(rows[k])]);
      for (int g = 0; g < 3; ++g) EXPECT_EQ(part.y.row(int64_t(k))[g], float(100 * rows[k] + g)) << block;
    }
    // Dose and time keep the whole file's standardisation.
    EXPECT_EQ(part.dose_time_norm, kg::dose_time_stats(s));
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
