// Ingest on tiny hand-made inputs: node/edge counts, compound matching by InChIKey, by name
// and as new nodes, cell-line links, signature selection, y values and features.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/config.hpp"
#include "core/error.hpp"
#include "ingest/builder.hpp"
#include "ingest/ingest.hpp"
#include "io/gctx.hpp"

namespace fs = std::filesystem;

namespace {

struct Inputs {
  std::string dir;
  kg::Config cfg;
};

std::string put(const std::string& dir, const std::string& name, const std::string& text) {
  std::ofstream(dir + "/" + name) << text;
  return dir + "/" + name;
}

kg::GctxData matrix(const std::vector<std::string>& rows, const std::vector<std::string>& cols) {
  kg::GctxData d;
  d.rows.ids = rows;
  d.cols.ids = cols;
  d.values.rows = int64_t(cols.size());
  d.values.cols = int64_t(rows.size());
  for (size_t j = 0; j < cols.size(); ++j)
    for (size_t i = 0; i < rows.size(); ++i) d.values.data.push_back(float(10 * j + i));
  return d;
}

Inputs make_inputs() {
  Inputs in;
  in.dir = (fs::path(::testing::TempDir()) / "ingest_small").string();
  fs::create_directories(in.dir);
  const std::string& d = in.dir;
  // PrimeKG: aspirin (DB00945) and ibuprofen (DB01050) target gene 5742 (PTGS1); anatomy "skin".
  auto kg = put(d, "kg.csv",
      "relation,display_relation,x_index,x_id,x_type,x_name,x_source,y_index,y_id,y_type,y_name,y_source\n"
      "drug_protein,target,0,DB00945,drug,Aspirin,DrugBank,2,5742,gene/protein,PTGS1,NCBI\n"
      "drug_protein,target,2,5742,gene/protein,PTGS1,NCBI,0,DB00945,drug,Aspirin,DrugBank\n"
      "drug_protein,target,1,DB01050,drug,Ibuprofen,DrugBank,2,5742,gene/protein,PTGS1,NCBI\n"
      "drug_protein,target,2,5742,gene/protein,PTGS1,NCBI,1,DB01050,drug,Ibuprofen,DrugBank\n"
      "protein_protein,ppi,2,5742,gene/protein,PTGS1,NCBI,3,7157,gene/protein,TP53,NCBI\n"
      "protein_protein,ppi,3,7157,gene/protein,TP53,NCBI,2,5742,gene/protein,PTGS1,NCBI\n"
      "anatomy_protein_present,expression present,4,UBERON:0002097,anatomy,skin,UBERON,3,7157,gene/protein,TP53,NCBI\n"
      "anatomy_protein_present,expression present,3,7157,gene/protein,TP53,NCBI,4,UBERON:0002097,anatomy,skin,UBERON\n");
  auto genes = put(d, "gene_info.txt",
      "pr_gene_id\tpr_gene_symbol\tpr_gene_title\tpr_is_lm\n"
      "5742\tPTGS1\tprostaglandin\t1\n7157\tTP53\ttumor protein\t1\n1000\tCDH2\tcadherin\t0\n");
  auto sigs = put(d, "sig_info.txt",
      "sig_id\tpert_id\tpert_iname\tpert_type\tcell_id\tpert_idose\tpert_itime\n"
      "S1\tBRD-A\taspirin\ttrt_cp\tA375\t10 µM\t24 h\n"
      "S2\tBRD-B\tibuprofen\ttrt_cp\tA375\t1 µM\t6 h\n"
      "S3\tBRD-C\tnovelmol\ttrt_cp\tMCF7\t10 µM\t24 h\n"
      "S4\tDMSO\tDMSO\tctl_vehicle\tA375\t-666\t24 h\n"
      "S5\tBRD-A\taspirin\ttrt_cp\tMCF7\t10 µM\t24 h\n");
  auto perts = put(d, "pert_info.txt",
      "pert_id\tpert_iname\tpert_type\tcanonical_smiles\tinchi_key\n"
      "BRD-A\taspirin\ttrt_cp\tCC(=O)Oc1ccccc1C(=O)O\tBSYNRYMUTXBXSQ-UHFFFAOYSA-N\n"
      "BRD-B\tibuprofen\ttrt_cp\tCC(C)Cc1ccc(cc1)C(C)C(=O)O\t-666\n"
      "BRD-C\tnovelmol\ttrt_cp\tnot a smiles\t-666\n");
  auto cells = put(d, "cell_info.txt", "cell_id\tprimary_site\tsubtype\nA375\tskin\tmelanoma\nMCF7\tbreast\tcarcinoma\n");
  auto vocab = put(d, "vocab.csv",
      "DrugBank ID,Accession Numbers,Common name,CAS,UNII,Synonyms,Standard InChI Key\n"
      "DB00945,APRD00264,Acetylsalicylic acid,50-78-2,R16CO5Y76E,Aspirin | ASA,BSYNRYMUTXBXSQ-UHFFFAOYSA-N\n"
      "DB01050,APRD00372,Ibuprofen,15687-27-1,WK2XYI10QM,,\n");
  // GCTX: rows are genes (one non-landmark among them), columns S1..S5 (S3 kept, S4 control).
  auto gctx = d + "/sig.gctx";
  kg::write_gctx(gctx, matrix({"1000", "7157", "5742"}, {"S1", "S2", "S3", "S4", "S5"}));
  auto ctl = matrix({"5742", "7157"}, {"C1", "C2", "C3"});
  ctl.cols.fields["cell_id"] = {"A375", "A375", "MCF7"};
  ctl.cols.fields["pert_type"] = {"ctl_vehicle", "ctl_vehicle", "ctl_vehicle"};
  kg::write_gctx(d + "/ctl.gctx", ctl);
  in.cfg = kg::Config::load("", {"inputs.kg_csv=" + kg, "inputs.gene_info=" + genes,
                                 "inputs.sig_info=" + sigs, "inputs.pert_info=" + perts,
                                 "inputs.cell_info=" + cells, "inputs.drugbank_vocab=" + vocab,
                                 "inputs.gctx=" + gctx, "inputs.controls_gctx=" + d + "/ctl.gctx",
                                 "ingest.fp_bits=64", "ingest.name_dim=8"});
  return in;
}

TEST(Ingest, MatchesCompoundsAndBuildsSamples) {
  auto in = make_inputs();
  auto r = kg::ingest(in.cfg);
  const auto& g = r.graph;
  const auto& s = r.samples;
  // 5 PrimeKG nodes + 1 new drug (BRD-C) + 2 cell lines
  EXPECT_EQ(g.num_nodes(), 8);
  // 8 kg.csv rows + A375-skin both ways (MCF7's "breast" and the diseases are not in the KG)
  EXPECT_EQ(g.num_edges(), 10);
  EXPECT_EQ(r.stats.match_inchikey, 1);  // aspirin
  EXPECT_EQ(r.stats.match_name, 1);      // ibuprofen, by common name
  EXPECT_EQ(r.stats.match_new, 1);       // novelmol
  EXPECT_EQ(r.stats.smiles_unparsable, 1);
  EXPECT_EQ(s.drug_match, (std::vector<std::string>{"inchikey", "name", "new"}));
  EXPECT_EQ(g.node_id[size_t(s.drug_node[0])], "DB00945");
  EXPECT_EQ(g.node_id[size_t(s.drug_node[1])], "DB01050");
  EXPECT_EQ(g.node_id[size_t(s.drug_node[2])], "BRD-C");
  EXPECT_EQ(s.sig_id, (std::vector<std::string>{"S1", "S2", "S3", "S5"}));
  EXPECT_EQ(r.stats.skipped_type, 1);
  // landmark genes in gene_info order: 5742 (GCTX row 2), 7157 (row 1)
  EXPECT_EQ(s.gene_id, (std::vector<std::string>{"5742", "7157"}));
  EXPECT_EQ(s.y.rows, 4);
  EXPECT_FLOAT_EQ(s.y.row(0)[0], 2.f);   // S1 (col 0), gene row 2
  EXPECT_FLOAT_EQ(s.y.row(2)[1], 21.f);  // S3 (col 2), gene row 1
  EXPECT_FLOAT_EQ(s.y.row(3)[0], 42.f);  // S5 (col 4), gene row 2
  EXPECT_FLOAT_EQ(s.dose_um[1], 1.f);
  EXPECT_FLOAT_EQ(s.time_h[1], 6.f);
  EXPECT_EQ(g.node_id[size_t(s.gene_node[0])], "5742");
  EXPECT_EQ(g.node_name[size_t(s.gene_node[1])], "TP53");
  // Cell baselines: A375 mean of C1, C2 = (5, 6) and MCF7 = (20, 21) -> z-scored (-1, -1), (1, 1)
  const int cell_t = kg::node_type_index("cell_line");
  const auto& cf = g.features[size_t(cell_t)];
  ASSERT_EQ(cf.cols, 2);
  auto a375 = g.local_index[size_t(s.cell_node[0])];
  EXPECT_NEAR(cf.row(a375)[0], -1.0, 1e-5);
  EXPECT_NEAR(cf.row(a375)[1], -1.0, 1e-5);
  EXPECT_EQ(r.stats.cells_with_controls, 2);
  // Drug features: aspirin has a fingerprint (0/1 bits), BRD-C falls back to hashed name
  const auto& df = g.features[size_t(kg::node_type_index("drug"))];
  ASSERT_EQ(df.cols, 64);
  const float* asp = df.row(g.local_index[size_t(s.drug_node[0])]);
  int bits = 0;
  for (int i = 0; i < 64; ++i) bits += asp[i] == 1.f;
  EXPECT_GT(bits, 5);
}

TEST(Ingest, MissingLandmarksInGctxIsAnErrorNamingTheFile) {
  auto in = make_inputs();
  auto bad = in.dir + "/nolm.gctx";
  kg::write_gctx(bad, matrix({"1", "2"}, {"S1", "S2"}));
  in.cfg.inputs.gctx = bad;
  try {
    kg::ingest(in.cfg);
    FAIL() << "no error";
  } catch (const kg::Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find(bad), std::string::npos) << m;
    EXPECT_NE(m.find("landmark"), std::string::npos) << m;
  }
}

TEST(Ingest, MalformedKgCsvNamesTheLine) {
  auto in = make_inputs();
  in.cfg.inputs.kg_csv = put(in.dir, "bad.csv",
      "relation,display_relation,x_index,x_id,x_type,x_name,x_source,y_index,y_id,y_type,y_name,y_source\n"
      "drug_protein,target,0,DB00945,drug,Aspirin,DrugBank,2,5742,gene/protein,PTGS1,NCBI\n"
      "drug_protein,target,0,DB00945\n");
  try {
    kg::ingest(in.cfg);
    FAIL() << "no error";
  } catch (const kg::Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("bad.csv"), std::string::npos) << m;
    EXPECT_NE(m.find("line 3"), std::string::npos) << m;
  }
}

TEST(Ingest, HashedNameFeaturesAreDeterministicUnitVectors) {
  std::vector<float> a(16), b(16), c(16);
  kg::hashed_name_features("tumor protein p53", a.data(), 16);
  kg::hashed_name_features("tumor protein p53", b.data(), 16);
  kg::hashed_name_features("tumor protein p63", c.data(), 16);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  double n = 0;
  for (float x : a) n += double(x) * x;
  EXPECT_NEAR(n, 1.0, 1e-6);
  EXPECT_EQ(kg::normalise_name("Acetyl-Salicylic Acid"), "acetylsalicylicacid");
}

}  // namespace
