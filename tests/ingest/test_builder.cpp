// GraphBuilder on small hand-written kg.csv files: exact CSR, node consistency errors naming
// the line, sparse indices, and graph-only ingest (build_kg_graph) round-tripped via graph.h5.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "core/config.hpp"
#include "core/h5.hpp"
#include "ingest/builder.hpp"
#include "support/kgtest.hpp"

namespace {

const std::string kHeader =
    "relation,display_relation,x_index,x_id,x_type,x_name,x_source,y_index,y_id,y_type,y_name,y_source\n";
const std::string kTp53 = "0,100,gene/protein,TP53,NCBI";
const std::string kMdm2 = "1,200,gene/protein,\"MDM2, E3\",NCBI";
const std::string kAspirin = "5,DB01,drug,aspirin,DrugBank";

// 3 nodes (first seen: TP53, MDM2, aspirin), 2 relations, 6 rows; the last row makes
// MDM2's incoming edges arrive out of (src, rel) order.
std::string small_kg() {
  return kHeader + "protein_protein,ppi," + kTp53 + "," + kMdm2 + "\n" +
         "protein_protein,ppi," + kMdm2 + "," + kTp53 + "\n" +
         "drug_protein,target," + kAspirin + "," + kTp53 + "\n" +
         "drug_protein,target," + kTp53 + "," + kAspirin + "\n" +
         "drug_protein,target," + kAspirin + "," + kMdm2 + "\n" +
         "drug_protein,target," + kTp53 + "," + kMdm2 + "\n";
}

TEST(GraphBuilder, SmallKgGivesExactCsr) {
  kg::GraphBuilder b;
  b.read_kg_csv(kgtest::tmp_file("kg.csv", small_kg()));
  EXPECT_EQ(b.num_nodes(), 3);
  EXPECT_EQ(b.num_edges(), 6);
  EXPECT_EQ(b.find(kg::node_type_index("gene/protein"), "200"), 1);
  EXPECT_EQ(b.find(kg::node_type_index("drug"), "DB01"), 2);
  EXPECT_EQ(b.find(kg::node_type_index("drug"), "100"), -1);
  kg::Graph g = b.finish();
  EXPECT_EQ(g.relation_names, (std::vector<std::string>{"protein_protein", "drug_protein"}));
  EXPECT_EQ(g.node_name, (std::vector<std::string>{"TP53", "MDM2, E3", "aspirin"}));
  EXPECT_EQ(g.node_id, (std::vector<std::string>{"100", "200", "DB01"}));
  EXPECT_EQ(g.node_source[2], "DrugBank");
  EXPECT_EQ(g.node_type[2], kg::node_type_index("drug"));
  EXPECT_EQ(g.local_index, (std::vector<int64_t>{0, 1, 0}));
  // incoming: TP53 <- MDM2 r0, aspirin r1; MDM2 <- TP53 r0, TP53 r1, aspirin r1; aspirin <- TP53 r1
  EXPECT_EQ(g.indptr, (std::vector<int64_t>{0, 2, 5, 6}));
  EXPECT_EQ(g.src, (std::vector<int32_t>{1, 2, 0, 0, 2, 0}));
  EXPECT_EQ(g.rel, (std::vector<int32_t>{0, 1, 0, 1, 1, 1}));
  EXPECT_EQ(g.features.size(), kg::node_type_names().size());
  EXPECT_EQ(g.features[size_t(kg::node_type_index("gene/protein"))].rows, 2);
  g.validate("test");
}

TEST(GraphBuilder, SparseIndicesAndSharedIdsMapToOneNode) {
  // index 10^12 goes through the hash map; index 7 repeats TP53's (type, id): the same node
  const std::string big = "1000000000000,200,gene/protein,MDM2,NCBI";
  const std::string tp53_again = "7,100,gene/protein,TP53,NCBI";
  kg::GraphBuilder b;
  b.read_kg_csv(kgtest::tmp_file("kg.csv", kHeader + "protein_protein,ppi," + kTp53 + "," + big + "\n" +
                                               "protein_protein,ppi," + big + "," + tp53_again + "\n"));
  EXPECT_EQ(b.num_nodes(), 2);
  kg::Graph g = b.finish();
  EXPECT_EQ(g.indptr, (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(g.src, (std::vector<int32_t>{1, 0}));
  EXPECT_EQ(b.counts().merged_indices, 1);  // index 7: counted
}

// A repeated row (same x, y, relation) is one edge, counted; the same pair under another
// relation stays; a self-loop row is kept, counted.
TEST(GraphBuilder, RepeatedEdgesMergedSelfLoopsKeptBothCounted) {
  kg::GraphBuilder b;
  b.read_kg_csv(kgtest::tmp_file("kg.csv", small_kg() + "protein_protein,ppi," + kTp53 + "," + kMdm2 + "\n" +
                                               "protein_protein,ppi," + kTp53 + "," + kMdm2 + "\n" +
                                               "protein_protein,ppi," + kMdm2 + "," + kMdm2 + "\n"));
  EXPECT_EQ(b.num_edges(), 9);
  EXPECT_EQ(b.counts().self_loops, 1);
  kg::Graph g = b.finish();
  EXPECT_EQ(b.counts().duplicate_edges, 2);
  EXPECT_EQ(b.counts().merged_indices, 0);
  // as SmallKgGivesExactCsr, plus MDM2 <- MDM2 r0 (the self-loop)
  EXPECT_EQ(g.indptr, (std::vector<int64_t>{0, 2, 6, 7}));
  EXPECT_EQ(g.src, (std::vector<int32_t>{1, 2, 0, 0, 1, 2, 0}));
  EXPECT_EQ(g.rel, (std::vector<int32_t>{0, 1, 0, 1, 0, 1, 1}));
  g.validate("test");
}

TEST(GraphBuilder, IndexReusedWithAnotherTypeNamesTheLine) {
  auto p = kgtest::tmp_file("kg.csv", kHeader + "protein_protein,ppi," + kTp53 + "," + kMdm2 + "\n" +
                                          "drug_protein,target,0,DB02,drug,x,DrugBank," + kMdm2 + "\n");
  kgtest::expect_error([&] { kg::GraphBuilder().read_kg_csv(p); },
                       {"kg.csv \"" + p + "\"", "line 3", "node index 0 was gene/protein \"100\"",
                        "now drug \"DB02\""});
}

TEST(GraphBuilder, IndexReusedWithAnotherIdNamesTheLine) {
  auto p = kgtest::tmp_file("kg.csv", kHeader + "protein_protein,ppi," + kTp53 + "," + kMdm2 + "\n" +
                                          "protein_protein,ppi," + kMdm2 + ",0,101,gene/protein,TP53,NCBI\n");
  kgtest::expect_error([&] { kg::GraphBuilder().read_kg_csv(p); }, {"line 3", "now gene/protein \"101\""});
}

TEST(GraphBuilder, UnknownNodeTypeNamesTheLine) {
  auto p = kgtest::tmp_file("kg.csv", kHeader + "protein_protein,ppi," + kTp53 + "," + kMdm2 + "\n" +
                                          "x_y,z,9,P1,planet,Mars,NASA," + kMdm2 + "\n");
  kgtest::expect_error([&] { kg::GraphBuilder().read_kg_csv(p); },
                       {"kg.csv \"" + p + "\"", "line 3", "unknown node type \"planet\""});
  // cell_line is kgpert's own type, never a PrimeKG one
  auto q = kgtest::tmp_file("kg2.csv", kHeader + "x_y,z,9,P1,cell_line,MCF7,LINCS," + kMdm2 + "\n");
  kgtest::expect_error([&] { kg::GraphBuilder().read_kg_csv(q); }, {"line 2", "unknown node type \"cell_line\""});
}

TEST(GraphBuilder, TruncatedLastRowNamesTheLine) {
  std::string kg = small_kg();
  kg.resize(kg.size() - 30);  // the last row cut in its y_name
  auto p = kgtest::tmp_file("kg.csv", kg);
  kgtest::expect_error([&] { kg::GraphBuilder().read_kg_csv(p); }, {"kg.csv \"" + p + "\"", "line 7", "expected 12 fields"});
}

TEST(GraphBuilder, GraphOnlyIngestRoundTripsThroughGraphH5) {
  kg::Config cfg;
  cfg.inputs.kg_csv = kgtest::tmp_file("kg.csv", small_kg());
  cfg.ingest.name_dim = 8;
  kg::Graph g = kg::build_kg_graph(cfg);
  const auto gene = size_t(kg::node_type_index("gene/protein"));
  ASSERT_EQ(g.features[gene].rows, 2);
  ASSERT_EQ(g.features[gene].cols, 8);
  for (int64_t r = 0; r < 2; ++r) {  // hashed names are L2-normalised
    double n = 0;
    for (int64_t c = 0; c < 8; ++c) n += double(g.features[gene].row(r)[c]) * g.features[gene].row(r)[c];
    EXPECT_NEAR(n, 1.0, 1e-5);
  }
  const std::string out = ::testing::TempDir() + "graph_only_graph.h5";
  {
    kg::h5::Writer w(out);
    kg::write_graph(w, g);
    w.commit();
  }
  kg::Graph back = kg::read_graph(out);
  EXPECT_EQ(back.indptr, g.indptr);
  EXPECT_EQ(back.src, g.src);
  EXPECT_EQ(back.rel, g.rel);
  EXPECT_EQ(back.relation_names, g.relation_names);
  EXPECT_EQ(back.features[gene].data, g.features[gene].data);
  std::filesystem::remove(out);
}

TEST(GraphBuilder, GraphOnlyIngestNeedsKgCsv) {
  kgtest::expect_error([] { kg::build_kg_graph(kg::Config()); }, {"inputs.kg_csv is not set"});
}

}  // namespace
