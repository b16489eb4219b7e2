// Ingest on tiny hand-made inputs: node/edge counts, compound matching by InChIKey, by name
// and as new nodes, cell-line links, signature selection, y values and features; bad input;
// metadata taken from the GCTX; imported node embeddings.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/config.hpp"
#include "core/error.hpp"
#include "ingest/builder.hpp"
#include "ingest/ingest.hpp"
#include "io/gctx.hpp"
#include "support/kgtest.hpp"

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
  // One directory per test: ctest runs the tests of this file in parallel processes.
  in.dir = (fs::path(::testing::TempDir()) /
            ("ingest_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name())))
               .string();
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

// A GCTX written dataset by dataset, so it may break rules write_gctx enforces.
void raw_gctx(const std::string& path, const std::vector<std::string>* rows,
              const std::vector<std::string>& cols, int64_t n_rows) {
  kg::h5::Writer w(path);
  kg::h5::Matrix<float> m;
  m.rows = int64_t(cols.size());
  m.cols = n_rows;
  m.data.assign(size_t(m.rows * m.cols), 1.f);
  w.write("/0/DATA/0/matrix", m);
  if (rows) w.write_strings("/0/META/ROW/id", *rows);
  else w.write_strings("/0/META/ROW/pr_gene_symbol", std::vector<std::string>(size_t(n_rows), "X"));
  w.write_strings("/0/META/COL/id", cols);
  w.commit();
}

TEST(IngestBadInput, NonFiniteValueNamesGctxSignatureAndGene) {
  auto in = make_inputs();
  auto d = matrix({"1000", "7157", "5742"}, {"S1", "S2", "S3", "S4", "S5"});
  d.values.row(3)[1] = NAN;                        // S4 is a control: not selected, ignored
  d.values.row(0)[0] = INFINITY;                   // gene 1000 is no landmark: ignored
  in.cfg.inputs.gctx = in.dir + "/nan.gctx";
  kg::write_gctx(in.cfg.inputs.gctx, d);
  EXPECT_EQ(kg::ingest(in.cfg).samples.num_signatures(), 4);
  d.values.row(1)[1] = NAN;                        // S2, gene 7157
  kg::write_gctx(in.cfg.inputs.gctx, d);
  kgtest::expect_error([&] { kg::ingest(in.cfg); }, {in.cfg.inputs.gctx, "\"S2\"", "gene 7157", "finite"});
  d.values.row(1)[1] = 0.f;
  d.values.row(4)[2] = -INFINITY;                  // S5, gene 5742
  kg::write_gctx(in.cfg.inputs.gctx, d);
  kgtest::expect_error([&] { kg::ingest(in.cfg); }, {in.cfg.inputs.gctx, "\"S5\"", "gene 5742"});
}

TEST(IngestBadInput, DuplicateSignatureIdNamesTheSecondLine) {
  auto in = make_inputs();
  in.cfg.inputs.sig_info = put(in.dir, "dup_sig.txt",
      "sig_id\tpert_id\tpert_iname\tpert_type\tcell_id\tpert_idose\tpert_itime\n"
      "S1\tBRD-A\taspirin\ttrt_cp\tA375\t10 µM\t24 h\n"
      "S2\tBRD-B\tibuprofen\ttrt_cp\tA375\t1 µM\t6 h\n"
      "S4\tDMSO\tDMSO\tctl_vehicle\tA375\t-666\t24 h\n"
      "S2\tBRD-A\taspirin\ttrt_cp\tMCF7\t10 µM\t24 h\n");
  kgtest::expect_error([&] { kg::ingest(in.cfg); },
                       {"sig_info \"" + in.cfg.inputs.sig_info, "line 5", "duplicate signature id \"S2\"", "line 3"});
}

TEST(IngestBadInput, DuplicateGctxColumnIdIsAnError) {
  auto in = make_inputs();
  in.cfg.inputs.gctx = in.dir + "/dupcol.gctx";
  std::vector<std::string> rows{"1000", "7157", "5742"};
  raw_gctx(in.cfg.inputs.gctx, &rows, {"S1", "S2", "S3", "S2", "S5"}, 3);
  kgtest::expect_error([&] { kg::ingest(in.cfg); }, {"GCTX \"" + in.cfg.inputs.gctx, "duplicate column id \"S2\""});
}

TEST(IngestBadInput, SelectedSignatureMissingFromGctxUnlessAllowed) {
  auto in = make_inputs();
  std::string head = "sig_id\tpert_id\tpert_iname\tpert_type\tcell_id\tpert_idose\tpert_itime\n"
                     "S1\tBRD-A\taspirin\ttrt_cp\tA375\t10 µM\t24 h\n"
                     "S9\tDMSO\tDMSO\tctl_vehicle\tA375\t-666\t24 h\n";  // other type: just skipped
  in.cfg.inputs.sig_info = put(in.dir, "ok_sig.txt", head);
  auto r = kg::ingest(in.cfg);
  EXPECT_EQ(r.stats.skipped_type, 1);
  EXPECT_EQ(r.stats.skipped_not_in_gctx, 0);
  in.cfg.inputs.sig_info = put(in.dir, "missing_sig.txt", head + "S7\tBRD-B\tibuprofen\ttrt_cp\tA375\t1 µM\t6 h\n");
  kgtest::expect_error([&] { kg::ingest(in.cfg); },
                       {"sig_info \"" + in.cfg.inputs.sig_info, "line 4", "\"S7\"", "allow_missing_signatures"});
  in.cfg.ingest.allow_missing_signatures = true;
  r = kg::ingest(in.cfg);
  EXPECT_EQ(r.stats.skipped_not_in_gctx, 1);
  EXPECT_EQ(r.samples.sig_id, std::vector<std::string>{"S1"});
  // the key parses from --set as a YAML boolean
  EXPECT_TRUE(kg::Config::load("", {"ingest.allow_missing_signatures=true"}).ingest.allow_missing_signatures);
  EXPECT_FALSE(kg::Config().ingest.allow_missing_signatures);
}

TEST(IngestBadInput, CompoundAbsentFromPertInfoFallsBackAndIsCounted) {
  auto in = make_inputs();
  in.cfg.inputs.pert_info = put(in.dir, "perts_ab.txt",
      "pert_id\tpert_iname\tpert_type\tcanonical_smiles\tinchi_key\n"
      "BRD-A\taspirin\ttrt_cp\tCC(=O)Oc1ccccc1C(=O)O\tBSYNRYMUTXBXSQ-UHFFFAOYSA-N\n"
      "BRD-B\tibuprofen\ttrt_cp\tCC(C)Cc1ccc(cc1)C(C)C(=O)O\t-666\n");
  auto r = kg::ingest(in.cfg);
  EXPECT_EQ(r.stats.perts_not_in_pert_info, 1);  // BRD-C
  EXPECT_EQ(r.samples.drug_name[2], "novelmol");
  EXPECT_EQ(r.samples.drug_match[2], "new");
  EXPECT_EQ(r.stats.smiles_missing, 1);
  EXPECT_EQ(r.samples.num_signatures(), 4);
}

// docs/FORMATS.md's duplicate policy: a repeated pert_id row, an InChIKey or name on a second
// DrugBank entry and a malformed InChIKey are not errors; the first wins, and each is counted.
TEST(Ingest, RepeatedRowsAndMalformedKeysAreCountedAndTheFirstWins) {
  auto in = make_inputs();
  in.cfg.inputs.pert_info = put(in.dir, "perts_repeated.txt",
      "pert_id\tpert_iname\tpert_type\tcanonical_smiles\tinchi_key\n"
      "BRD-A\taspirin\ttrt_cp\tCC(=O)Oc1ccccc1C(=O)O\tBSYNRYMUTXBXSQ-UHFFFAOYSA-N\n"
      "BRD-A\tacetylsalicylic acid\ttrt_cp\tCCO\tBSYNRYMUTXBXSQ-UHFFFAOYSA-N\n"
      "BRD-B\tibuprofen\ttrt_cp\tCC(C)Cc1ccc(cc1)C(C)C(=O)O\tNOT-A-KEY\n"
      "BRD-C\tnovelmol\ttrt_cp\tnot a smiles\t-666\n");
  // DB01050 lists the same malformed key (it must match nothing: ibuprofen is found by name);
  // DB09999 repeats aspirin's key and two names of earlier entries, and is never chosen.
  in.cfg.inputs.drugbank_vocab = put(in.dir, "vocab_repeated.csv",
      "DrugBank ID,Accession Numbers,Common name,CAS,UNII,Synonyms,Standard InChI Key\n"
      "DB00945,APRD00264,Acetylsalicylic acid,50-78-2,R16CO5Y76E,Aspirin | ASA,BSYNRYMUTXBXSQ-UHFFFAOYSA-N\n"
      "DB01050,APRD00372,Ibuprofen,15687-27-1,WK2XYI10QM,ibuprofen,NOT-A-KEY\n"
      "DB09999,,Aspirin copy,,,Ibuprofen | ASA,BSYNRYMUTXBXSQ-UHFFFAOYSA-N\n");
  auto r = kg::ingest(in.cfg);
  EXPECT_EQ(r.stats.pert_info_repeated, 1);
  EXPECT_EQ(r.stats.vocab_repeated_keys, 1);
  EXPECT_EQ(r.stats.vocab_repeated_names, 2);  // ibuprofen, asa (DB01050's own synonym is no repeat)
  EXPECT_EQ(r.stats.inchikey_malformed, 1);    // BRD-B
  EXPECT_EQ(r.samples.drug_match, (std::vector<std::string>{"inchikey", "name", "new"}));
  EXPECT_EQ(r.samples.drug_name[0], "aspirin");
  EXPECT_NE(r.samples.drug_smiles[0], "CCO");  // the repeated row's SMILES is not used
  EXPECT_EQ(r.graph.node_id[size_t(r.samples.drug_node[0])], "DB00945");
  EXPECT_EQ(r.graph.node_id[size_t(r.samples.drug_node[1])], "DB01050");
}

// Errors of the readers reach the caller of kg::ingest unchanged.
TEST(IngestBadInput, ReaderErrorsSurfaceThroughIngest) {
  auto in = make_inputs();
  const std::string header =
      "relation,display_relation,x_index,x_id,x_type,x_name,x_source,y_index,y_id,y_type,y_name,y_source\n";
  const std::string row = "drug_protein,target,0,DB00945,drug,Aspirin,DrugBank,2,5742,gene/protein,PTGS1,NCBI\n";
  auto cfg = in.cfg;
  cfg.inputs.kg_csv = put(in.dir, "truncated.csv", header + row + "drug_protein,target,1,\"DB01050,drug");
  kgtest::expect_error([&] { kg::ingest(cfg); }, {"truncated.csv", "line 3"});
  cfg.inputs.kg_csv = put(in.dir, "badtype.csv",
                          header + "drug_protein,target,0,DB00945,drug,Aspirin,DrugBank,2,5742,gene_or_protein,PTGS1,NCBI\n");
  kgtest::expect_error([&] { kg::ingest(cfg); }, {"badtype.csv", "line 2", "gene_or_protein"});
  cfg = in.cfg;
  cfg.inputs.gctx = in.dir + "/norowid.gctx";
  raw_gctx(cfg.inputs.gctx, nullptr, {"S1", "S2"}, 3);
  kgtest::expect_error([&] { kg::ingest(cfg); }, {cfg.inputs.gctx, "/0/META/ROW/id"});
  cfg.inputs.gctx = in.dir + "/shape.gctx";
  std::vector<std::string> two{"7157", "5742"};
  raw_gctx(cfg.inputs.gctx, &two, {"S1", "S2"}, 3);
  kgtest::expect_error([&] { kg::ingest(cfg); }, {cfg.inputs.gctx, "shape (2, 3)", "2 row ids"});
}

TEST(Ingest, TakesSignatureAndGeneMetadataFromTheGctx) {
  auto in = make_inputs();
  auto d = matrix({"p1000", "p7157", "p5742"}, {"S1", "S2", "S3", "S4", "S5"});
  d.rows.fields["pr_gene_id"] = {"1000", "7157", "5742"};
  d.rows.fields["pr_gene_symbol"] = {"CDH2", "TP53", "PTGS1"};
  d.rows.fields["pr_is_lmark"] = {"0", "1", "1"};
  d.cols.fields["pert_id"] = {"BRD-A", "BRD-B", "BRD-C", "DMSO", "BRD-A"};
  d.cols.fields["pert_iname"] = {"aspirin", "ibuprofen", "novelmol", "DMSO", "aspirin"};
  d.cols.fields["pert_type"] = {"trt_cp", "trt_cp", "trt_cp", "ctl_vehicle", "trt_cp"};
  d.cols.fields["cell_id"] = {"A375", "A375", "MCF7", "A375", "MCF7"};
  d.cols.fields["pert_dose"] = {"10", "500", "10", "-666", "10"};
  d.cols.fields["pert_dose_unit"] = {"um", "nM", "um", "-666", "um"};
  d.cols.fields["pert_time"] = {"24", "6", "24", "24", "24"};
  d.cols.fields["pert_time_unit"] = {"h", "h", "h", "h", "h"};
  in.cfg.inputs.gctx = in.dir + "/meta.gctx";
  kg::write_gctx(in.cfg.inputs.gctx, d);
  in.cfg.inputs.sig_info = "";
  in.cfg.inputs.gene_info = "";
  auto r = kg::ingest(in.cfg);
  const auto& s = r.samples;
  EXPECT_EQ(s.sig_id, (std::vector<std::string>{"S1", "S2", "S3", "S5"}));
  EXPECT_EQ(r.stats.skipped_type, 1);
  EXPECT_EQ(s.gene_id, (std::vector<std::string>{"7157", "5742"}));  // GCTX row order
  EXPECT_EQ(s.gene_symbol[1], "PTGS1");
  EXPECT_FLOAT_EQ(s.y.row(0)[1], 2.f);   // S1, row 2 (5742)
  EXPECT_FLOAT_EQ(s.y.row(3)[0], 41.f);  // S5, row 1 (7157)
  EXPECT_FLOAT_EQ(s.dose_um[1], 0.5f);
  EXPECT_FLOAT_EQ(s.time_h[1], 6.f);
  EXPECT_EQ(r.stats.match_inchikey, 1);
  EXPECT_EQ(s.cell_id, (std::vector<std::string>{"A375", "MCF7"}));
  // gene_info given with this probe-keyed GCTX: its genes are found through pr_gene_id
  auto probe_cfg = in.cfg;
  probe_cfg.inputs.gene_info = in.dir + "/gene_info.txt";
  auto p = kg::ingest(probe_cfg);
  EXPECT_EQ(p.samples.gene_id, (std::vector<std::string>{"5742", "7157"}));  // gene_info order
  EXPECT_FLOAT_EQ(p.samples.y.row(0)[0], 2.f);
  // a repeated signature id in column metadata cannot happen (ids are unique); a missing field can
  d.cols.fields.erase("pert_type");
  kg::write_gctx(in.cfg.inputs.gctx, d);
  kgtest::expect_error([&] { kg::ingest(in.cfg); }, {in.cfg.inputs.gctx, "pert_type"});
}

TEST(Ingest, ImportsNodeEmbeddings) {
  auto in = make_inputs();
  in.cfg.inputs.embeddings = in.dir + "/emb.h5";
  {
    kg::h5::Writer w(in.cfg.inputs.embeddings);
    w.write_strings("/gene_protein/ids", {"5742", "99999"});
    kg::h5::Matrix<float> v;
    v.rows = 2, v.cols = 3, v.data = {1, 2, 3, 4, 5, 6};
    w.write("/gene_protein/vectors", v);
    w.write_strings("/drug/ids", {"DB00945"});
    kg::h5::Matrix<float> dv;
    dv.rows = 1, dv.cols = 2, dv.data = {7, 8};
    w.write("/drug/vectors", dv);
    w.commit();
  }
  auto r = kg::ingest(in.cfg);
  const auto& g = r.graph;
  const auto& s = r.samples;
  const auto& gf = g.features[size_t(kg::node_type_index("gene/protein"))];
  ASSERT_EQ(gf.cols, 3);
  const float* ptgs1 = gf.row(g.local_index[size_t(s.gene_node[0])]);
  EXPECT_EQ(std::vector<float>(ptgs1, ptgs1 + 3), (std::vector<float>{1, 2, 3}));
  const float* tp53 = gf.row(g.local_index[size_t(s.gene_node[1])]);
  EXPECT_EQ(std::vector<float>(tp53, tp53 + 3), (std::vector<float>{0, 0, 0}));
  const auto& df = g.features[size_t(kg::node_type_index("drug"))];
  ASSERT_EQ(df.cols, 2);
  EXPECT_FLOAT_EQ(df.row(g.local_index[size_t(s.drug_node[0])])[1], 8.f);
  EXPECT_EQ(r.stats.embed_imported, 2);  // PTGS1, aspirin
  EXPECT_EQ(r.stats.embed_missing, 3);   // TP53, ibuprofen, BRD-C
  EXPECT_EQ(r.stats.embed_unknown, 1);   // 99999
  EXPECT_EQ(g.features[size_t(kg::node_type_index("cell_line"))].cols, 2);  // baselines as before
  EXPECT_EQ(g.features[size_t(kg::node_type_index("anatomy"))].cols, 8);    // name_dim

  // vectors that do not fit the ids are an error naming the dataset
  auto bad = in.dir + "/emb_bad.h5";
  {
    kg::h5::Writer w(bad);
    w.write_strings("/drug/ids", {"DB00945", "DB01050"});
    kg::h5::Matrix<float> dv;
    dv.rows = 1, dv.cols = 2, dv.data = {7, 8};
    w.write("/drug/vectors", dv);
    w.commit();
  }
  in.cfg.inputs.embeddings = bad;
  kgtest::expect_error([&] { kg::ingest(in.cfg); }, {"embeddings \"" + bad, "/drug/vectors", "2 ids"});
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

namespace {

TEST(Ingest, SelectsDosesTimesAndCellLinesFromTheConfig) {
  auto in = make_inputs();
  in.cfg.ingest.cell_lines = {"A375"};
  auto r = kg::ingest(in.cfg);
  EXPECT_EQ(r.samples.sig_id, (std::vector<std::string>{"S1", "S2"}));
  EXPECT_EQ(r.stats.skipped_filter, 2);
  in.cfg.ingest.cell_lines.clear();
  in.cfg.ingest.doses = {10.0};  // S2 is at 1 µM
  EXPECT_EQ(kg::ingest(in.cfg).samples.sig_id, (std::vector<std::string>{"S1", "S3", "S5"}));
  in.cfg.ingest.doses.clear();
  in.cfg.ingest.times = {6.0};
  EXPECT_EQ(kg::ingest(in.cfg).samples.sig_id, (std::vector<std::string>{"S2"}));
}

TEST(Ingest, ReplicateSignaturesAreAveragedIntoOneSample) {
  auto in = make_inputs();
  // S5 becomes a replicate of S1: aspirin in A375 at 10 µM for 24 h.
  in.cfg.inputs.sig_info = put(in.dir, "sig_rep.txt",
      "sig_id\tpert_id\tpert_iname\tpert_type\tcell_id\tpert_idose\tpert_itime\n"
      "S1\tBRD-A\taspirin\ttrt_cp\tA375\t10 µM\t24 h\n"
      "S2\tBRD-B\tibuprofen\ttrt_cp\tA375\t1 µM\t6 h\n"
      "S3\tBRD-C\tnovelmol\ttrt_cp\tMCF7\t10 µM\t24 h\n"
      "S5\tBRD-A\taspirin\ttrt_cp\tA375\t10 µM\t24 h\n");
  auto r = kg::ingest(in.cfg);  // replicates: mean (the default)
  EXPECT_EQ(r.samples.sig_id, (std::vector<std::string>{"S1", "S2", "S3"}));
  EXPECT_EQ(r.stats.replicates_merged, 1);
  // gene 5742 is GCTX row 2: S1 (column 0) = 2, S5 (column 4) = 42 -> 22
  EXPECT_FLOAT_EQ(r.samples.y.row(0)[0], 22.f);
  EXPECT_FLOAT_EQ(r.samples.y.row(1)[0], 12.f);  // S2 untouched
  in.cfg.ingest.replicates = "all";
  auto all = kg::ingest(in.cfg);
  EXPECT_EQ(all.samples.num_signatures(), 4);
  EXPECT_EQ(all.stats.replicates_merged, 0);
}

}  // namespace
