// Tests of the LINCS metadata readers/writers and the DrugBank vocabulary: known answers read
// off the real files (python csv), hand-written beta/GSE92742 tables, errors and round trips.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "io/lincs.hpp"

#include "support/kgtest.hpp"

namespace fs = std::filesystem;

namespace {

using kgtest::error_of;
using kgtest::tmp_file;

const kg::Compound* find_pert(const kg::PertInfo& p, const std::string& id) {
  for (const auto& c : p.rows)
    if (c.pert_id == id) return &c;
  return nullptr;
}

}  // namespace

// ---- value parsing ---------------------------------------------------------------------------

TEST(LincsValues, Doses) {
  EXPECT_DOUBLE_EQ(kg::dose_to_um("500", "nM"), 0.5);
  EXPECT_DOUBLE_EQ(kg::dose_to_um("1", "mM"), 1000);
  EXPECT_DOUBLE_EQ(kg::dose_to_um("10", "\xC2\xB5M"), 10);  // micro sign U+00B5
  EXPECT_DOUBLE_EQ(kg::dose_to_um("10", "\xCE\xBCM"), 10);  // Greek mu U+03BC
  EXPECT_DOUBLE_EQ(kg::dose_to_um("2.5", "UM"), 2.5);
  EXPECT_DOUBLE_EQ(kg::dose_to_um("20", "pM"), 20e-6);
  EXPECT_TRUE(std::isnan(kg::dose_to_um("1", "ng/uL")));
  EXPECT_TRUE(std::isnan(kg::dose_to_um("-666", "um")));
  EXPECT_TRUE(std::isnan(kg::dose_to_um("10", "-666")));
  EXPECT_TRUE(std::isnan(kg::dose_to_um("ten", "um")));
  EXPECT_DOUBLE_EQ(kg::idose_to_um("10 \xC2\xB5M"), 10);
  EXPECT_DOUBLE_EQ(kg::idose_to_um("10.0 um"), 10);
  EXPECT_DOUBLE_EQ(kg::idose_to_um("500nM"), 0.5);
  EXPECT_DOUBLE_EQ(kg::idose_to_um(" 0.25 uM "), 0.25);
  EXPECT_TRUE(std::isnan(kg::idose_to_um("-666")));
  EXPECT_TRUE(std::isnan(kg::idose_to_um("10")));
}

// Parsing with the reason for a value that is there but unusable (ingest's error).
TEST(LincsValues, DosesAndTimesWithTheirUnits) {
  EXPECT_DOUBLE_EQ(kg::parse_dose("10", "uM").value, 10);
  EXPECT_DOUBLE_EQ(kg::parse_dose("10", "nM").value, 0.01);
  EXPECT_DOUBLE_EQ(kg::parse_dose("2", "mM").value, 2000);
  EXPECT_DOUBLE_EQ(kg::parse_dose("0.001", "M").value, 1000);
  EXPECT_DOUBLE_EQ(kg::parse_idose("1e-3 M").value, 1000);
  EXPECT_DOUBLE_EQ(kg::parse_idose("500nM").value, 0.5);
  EXPECT_DOUBLE_EQ(kg::parse_time("90", "min").value, 1.5);
  EXPECT_DOUBLE_EQ(kg::parse_time("2", "d").value, 48);
  EXPECT_DOUBLE_EQ(kg::parse_itime("30 min").value, 0.5);
  EXPECT_DOUBLE_EQ(kg::parse_itime("24h").value, 24);
  EXPECT_DOUBLE_EQ(kg::parse_dose("0", "uM").value, 0);  // zero is a dose (a vehicle)
  // missing: NaN and no error, whatever the unit
  for (auto q : {kg::parse_dose("-666", "uM"), kg::parse_dose("", ""), kg::parse_dose("NA", "mg/mL"),
                 kg::parse_idose("-666"), kg::parse_time("nan", "h"), kg::parse_itime("")}) {
    EXPECT_TRUE(std::isnan(q.value));
    EXPECT_EQ(q.error, "");
  }
  auto bad = [](kg::Quantity q, const std::string& want) {
    EXPECT_TRUE(std::isnan(q.value));
    EXPECT_EQ(q.error, want);
  };
  bad(kg::parse_dose("ten", "uM"), "pert_dose \"ten\" is not a number");
  bad(kg::parse_dose("10", "mg/mL"), "pert_dose_unit \"mg/mL\" is not a molar concentration (pM, nM, uM/µM, mM, M)");
  bad(kg::parse_dose("-5", "uM"), "pert_dose \"-5\" is negative");
  bad(kg::parse_dose("inf", "uM"), "pert_dose \"inf\" is not a finite number");
  bad(kg::parse_dose("10", "-666"), "pert_dose \"10\" has no unit (pert_dose_unit is missing)");
  bad(kg::parse_dose("10 uM", "uM"), "pert_dose \"10 uM\" is not a number");
  bad(kg::parse_time("soon", "h"), "pert_time \"soon\" is not a number");
  bad(kg::parse_time("6", "fortnights"), "pert_time_unit \"fortnights\" is not a duration (h, min, d)");
  bad(kg::parse_time("-24", "h"), "pert_time \"-24\" is negative");
  bad(kg::parse_idose("ten uM"), "pert_idose \"ten uM\" is not a number and a unit");
  bad(kg::parse_idose("10"), "pert_idose \"10\" has no unit");
  bad(kg::parse_idose("10 mg/mL"),
      "pert_idose \"10 mg/mL\": unit \"mg/mL\" is not a molar concentration (pM, nM, uM/µM, mM, M)");
  bad(kg::parse_idose("-1 uM"), "pert_idose \"-1 uM\": \"-1\" is negative");
  bad(kg::parse_itime("a day"), "pert_itime \"a day\" is not a number and a unit");
}

// A signature's unusable dose or time is kept as a reason naming the column (the reader does
// not fail: rows of other perturbation types may use other units; ingest decides).
TEST(SigInfo, BadDoseOrTimeNamesTheColumn) {
  const std::string p = tmp_file("sig.txt",
                                 "sig_id\tpert_id\tpert_iname\tpert_type\tcell_id\tpert_dose\tpert_dose_unit\t"
                                 "pert_idose\tpert_time\tpert_time_unit\tpert_itime\n"
                                 "s1\tBRD-1\ta\ttrt_cp\tA375\t10\tuM\t10 uM\t24\th\t24 h\n"
                                 "s2\tBRD-1\ta\ttrt_cp\tA375\tten\tuM\t10 uM\t24\th\t24 h\n"
                                 "s3\tBRD-1\ta\ttrt_cp\tA375\t-666\t-666\t500 nM\t-666\t-666\t2 d\n"
                                 "s4\tBRD-1\ta\ttrt_sh\tA375\t1\tuL\t1 uL\t24\th\t24 h\n"
                                 "s5\tBRD-1\ta\ttrt_cp\tA375\t10\tuM\t10 uM\t-6\th\t-6 h\n");
  auto s = kg::read_sig_info(p);
  ASSERT_EQ(s.rows.size(), 5u);
  EXPECT_EQ(s.rows[0].bad_value, "");
  EXPECT_DOUBLE_EQ(s.rows[0].dose_um, 10);
  EXPECT_EQ(s.rows[1].bad_value, "column 6 (pert_dose): pert_dose \"ten\" is not a number");
  EXPECT_EQ(s.rows[2].bad_value, "");
  EXPECT_DOUBLE_EQ(s.rows[2].dose_um, 0.5);
  EXPECT_DOUBLE_EQ(s.rows[2].time_h, 48);
  EXPECT_EQ(s.rows[3].bad_value,
            "column 6 (pert_dose): pert_dose_unit \"uL\" is not a molar concentration (pM, nM, uM/µM, mM, M)");
  EXPECT_EQ(s.rows[4].bad_value, "column 9 (pert_time): pert_time \"-6\" is negative");
}

// A gene flagged landmark on two rows would be a column twice: an error naming both lines. A
// landmark's other probes (not flagged, as in probe-level tables) and repeated non-landmark
// ids are never read, and pass.
TEST(GeneInfo, RepeatedLandmarkNamesBothLines) {
  const std::string ok = tmp_file("ok.txt", "pr_gene_id\tpr_gene_symbol\tpr_is_lm\n5720\tPSME1\t1\n"
                                            "5720\tPSME1\t0\n7\tX\t0\n7\tX\t0\n");
  EXPECT_EQ(kg::read_gene_info(ok).rows.size(), 4u);
  const std::string p = tmp_file("genes.txt",
                                 "pr_gene_id\tpr_gene_symbol\tpr_is_lm\n5720\tPSME1\t1\n466\tATF1\t1\n"
                                 "5720\tPSME1\t1\n");
  kgtest::expect_error([&] { kg::read_gene_info(p); },
                       {"gene_info \"", "line 4: landmark gene 5720 is listed twice (first on line 2)"});
}

TEST(LincsValues, TimesAndInchikeys) {
  EXPECT_DOUBLE_EQ(kg::itime_to_h("24 h"), 24);
  EXPECT_DOUBLE_EQ(kg::itime_to_h("30 m"), 0.5);
  EXPECT_DOUBLE_EQ(kg::itime_to_h("2 d"), 48);
  EXPECT_DOUBLE_EQ(kg::time_to_h("6", "h"), 6);
  EXPECT_TRUE(std::isnan(kg::time_to_h("6", "fortnights")));
  EXPECT_TRUE(std::isnan(kg::itime_to_h("")));
  EXPECT_EQ(kg::normalize_inchikey("InChIKey=YSXKPIUOCJLQIE-UHFFFAOYSA-N"),
            "YSXKPIUOCJLQIE-UHFFFAOYSA-N");
  EXPECT_EQ(kg::normalize_inchikey("YSXKPIUOCJLQIE-UHFFFAOYSA-N"), "YSXKPIUOCJLQIE-UHFFFAOYSA-N");
  EXPECT_EQ(kg::normalize_inchikey("-666"), "");
  EXPECT_EQ(kg::normalize_inchikey("NA"), "");
  EXPECT_TRUE(kg::is_inchikey("YSXKPIUOCJLQIE-UHFFFAOYSA-N"));
  for (const char* bad : {"", "YSXKPIUOCJLQIE", "YSXKPIUOCJLQIE-UHFFFAOYSA", "ysxkpiuocjlqie-UHFFFAOYSA-N",
                          "YSXKPIUOCJLQIE_UHFFFAOYSA-N", "YSXKPIUOCJLQIE-UHFFFAOYSA-NN", "YSXKPIUOCJLQI1-UHFFFAOYSA-N"})
    EXPECT_FALSE(kg::is_inchikey(bad)) << bad;
}

// ---- signatures ------------------------------------------------------------------------------

TEST(SigInfo, RealNdis) {
  KG_REAL_FILE(p, "cmapM/siginfo_NDIS.txt");
  auto s = kg::read_sig_info(p);
  EXPECT_EQ(s.format, "sig_info");
  ASSERT_EQ(s.rows.size(), 72u);
  const auto& r = s.rows[0];
  EXPECT_EQ(r.sig_id, "NDIS.BASE001_XC_24H:500:BRD-A19037878:UNAFFECTED");
  EXPECT_EQ(r.pert_id, "BRD-A19037878");
  EXPECT_EQ(r.pert_name, "trichostatin-a");
  EXPECT_EQ(r.pert_type, "trt_poscon");
  EXPECT_EQ(r.cell_id, "XC");
  EXPECT_DOUBLE_EQ(r.dose_um, 2.5);
  EXPECT_DOUBLE_EQ(r.time_h, 24);
  EXPECT_TRUE(r.quality_ok);
  int no_dose = 0;
  for (const auto& x : s.rows) no_dose += std::isnan(x.dose_um);
  EXPECT_EQ(no_dose, 36);  // the 36 control signatures have pert_dose -666
  EXPECT_EQ(s.rows.back().pert_name, "DMSO");
}

TEST(SigInfo, RealContestWithUtf8Micro) {
  KG_REAL_FILE(p, "cmapM/contest_sig_info.txt");
  auto s = kg::read_sig_info(p);  // only pert_idose "10 µM" and pert_itime "6 h"
  ASSERT_EQ(s.rows.size(), 10u);
  const auto& r = s.rows.back();
  EXPECT_EQ(r.sig_id, "CPC005_A375_6H:BRD-K62929068-001-03-3:10");
  EXPECT_EQ(r.pert_name, "6-benzylaminopurine");
  EXPECT_EQ(r.pert_type, "trt_cp");
  EXPECT_EQ(r.cell_id, "A375");
  EXPECT_DOUBLE_EQ(r.dose_um, 10);
  EXPECT_DOUBLE_EQ(r.time_h, 6);
}

TEST(SigInfo, RealTestBuildWithoutDoseOrType) {
  KG_REAL_FILE(p, "cmapM/test_build_siginfo.txt");
  auto s = kg::read_sig_info(p);  // cell_iname + pert_iname, no pert_type/dose/time columns
  ASSERT_EQ(s.rows.size(), 5u);
  EXPECT_EQ(s.rows[0].sig_id, "Trametinib_42MGBA_24h_0.25uM_vs_DMSO_42MGBA_24h");
  EXPECT_EQ(s.rows[0].cell_id, "42MGBA");
  EXPECT_EQ(s.rows[4].cell_id, "647V");
  EXPECT_EQ(s.rows[4].pert_name, "trametinib");
  EXPECT_EQ(s.rows[4].pert_type, "");
  EXPECT_TRUE(std::isnan(s.rows[0].dose_um));
  EXPECT_TRUE(std::isnan(s.rows[0].time_h));
}

TEST(SigInfo, RealLjpCrOnly) {
  KG_REAL_FILE(p, "cmapPy/LJP_row_metadata.txt");
  auto s = kg::read_sig_info(p);  // CR line ends; `id` instead of sig_id
  ASSERT_EQ(s.rows.size(), 358u);
  EXPECT_EQ(s.rows[0].sig_id, "LJP007_MCF7_24H:TRT_POSCON:BRD-K81418486:10");
  EXPECT_DOUBLE_EQ(s.rows[0].dose_um, 10);
  EXPECT_EQ(s.rows[2].pert_type, "ctl_vehicle");
  EXPECT_TRUE(std::isnan(s.rows[2].dose_um));
  const auto& last = s.rows.back();
  EXPECT_EQ(last.pert_name, "dasatinib");
  EXPECT_EQ(last.cell_id, "MCF7");
  EXPECT_DOUBLE_EQ(last.dose_um, 3.329999924);
  EXPECT_DOUBLE_EQ(last.time_h, 24);
  int cp = 0;
  for (const auto& x : s.rows) cp += x.pert_type == "trt_cp";
  EXPECT_EQ(cp, 353);
}

TEST(SigInfo, BetaGeneration) {
  // The CMap 2020 column names and order (a subset of siginfo_beta's columns).
  auto p = tmp_file("siginfo_beta.txt",
                    "bead_batch\tnearest_dose\tpert_dose\tpert_dose_unit\tpert_idose\tpert_time\t"
                    "pert_time_unit\tpert_itime\tcmap_name\tpert_id\tpert_type\tcell_iname\t"
                    "qc_pass\tis_hiq\tsig_id\n"
                    "b17\t10\t10\tuM\t10 uM\t24\th\t24 h\tvorinostat\tBRD-K81418486\ttrt_cp\t"
                    "MCF7\t1\t1\tREP.A001_MCF7_24H:A03\n"
                    "b17\t0.04\t40\tnM\t40 nM\t6\th\t6 h\tbortezomib\tBRD-K88510285\ttrt_cp\t"
                    "A549\t1\t0\tREP.A001_A549_6H:B04\n"
                    "b17\t\t\t\t\t24\th\t24 h\tDMSO\tDMSO\tctl_vehicle\tA549\t0\t1\t"
                    "CVD001_A549_24H:C01\n"
                    "b17\t\t2\tmM\t\t96\th\t96 h\tmetformin\tBRD-K79602928\ttrt_cp\tPC3\t\t\t"
                    "P1:D02\n"
                    "b17\t\t1\tng/uL\t\t3\th\t3 h\tINS\tBRD-U0001\ttrt_lig\tPC3\t1\t1\tP1:E02\n");
  auto s = kg::read_sig_info(p);
  EXPECT_EQ(s.format, "siginfo_beta");
  ASSERT_EQ(s.rows.size(), 5u);
  EXPECT_EQ(s.rows[0].pert_name, "vorinostat");
  EXPECT_EQ(s.rows[0].cell_id, "MCF7");
  EXPECT_EQ(s.rows[0].sig_id, "REP.A001_MCF7_24H:A03");
  EXPECT_DOUBLE_EQ(s.rows[0].dose_um, 10);
  EXPECT_TRUE(s.rows[0].quality_ok);
  EXPECT_DOUBLE_EQ(s.rows[1].dose_um, 0.04);
  EXPECT_DOUBLE_EQ(s.rows[1].time_h, 6);
  EXPECT_FALSE(s.rows[1].quality_ok);  // is_hiq 0
  EXPECT_TRUE(std::isnan(s.rows[2].dose_um));
  EXPECT_FALSE(s.rows[2].quality_ok);  // qc_pass 0
  EXPECT_DOUBLE_EQ(s.rows[3].dose_um, 2000);
  EXPECT_TRUE(s.rows[3].quality_ok);  // flags missing: no evidence against it
  EXPECT_TRUE(std::isnan(s.rows[4].dose_um));  // ng/uL is not a molar dose
}

TEST(SigInfo, Latin1MicroAndRoundTrip) {
  auto p = tmp_file("sig_latin1.txt",
                    "sig_id\tpert_id\tpert_iname\tpert_type\tcell_id\tpert_idose\tpert_itime\n"
                    "S1\tBRD-1\tatorvastatin\ttrt_cp\tA375\t10 \xB5M\t6 h\n"
                    "S2\tBRD-2\tvemurafenib\ttrt_cp\tPC3\t0.5 \xB5M\t24 h\n");
  auto s = kg::read_sig_info(p);
  ASSERT_EQ(s.rows.size(), 2u);
  EXPECT_DOUBLE_EQ(s.rows[0].dose_um, 10);
  EXPECT_DOUBLE_EQ(s.rows[1].dose_um, 0.5);
  s.rows[1].quality_ok = false;
  std::string out = ::testing::TempDir() + "kglincs_sig_out.txt";
  kg::write_sig_info(out, s);
  auto back = kg::read_sig_info(out);
  ASSERT_EQ(back.rows.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(back.rows[i].sig_id, s.rows[i].sig_id);
    EXPECT_EQ(back.rows[i].pert_name, s.rows[i].pert_name);
    EXPECT_EQ(back.rows[i].cell_id, s.rows[i].cell_id);
    EXPECT_DOUBLE_EQ(back.rows[i].dose_um, s.rows[i].dose_um);
    EXPECT_DOUBLE_EQ(back.rows[i].time_h, s.rows[i].time_h);
    EXPECT_EQ(back.rows[i].quality_ok, s.rows[i].quality_ok);
  }
  std::ifstream in(out);
  std::string header, first;
  std::getline(in, header);
  std::getline(in, first);
  EXPECT_EQ(first, "S1\tBRD-1\tatorvastatin\ttrt_cp\tA375\t10\t\xC2\xB5M\t10 \xC2\xB5M\t6\th\t6 h\t1");
}

TEST(SigInfo, UnknownLayoutAndBadFlag) {
  auto p = tmp_file("sig_bad.txt", "a\tb\n1\t2\n");
  EXPECT_EQ(error_of([&] { kg::read_sig_info(p); }).rfind("sig_info \"" + p +
                                                          "\": no known layout fits the header; "
                                                          "expected GSE92742/GSE70138 sig_info",
                                                          0),
            0u);
  EXPECT_NE(error_of([&] { kg::read_sig_info(p); }).find("columns present: a, b"),
            std::string::npos);
  auto q = tmp_file("sig_flag.txt",
                    "sig_id\tpert_id\tcmap_name\tcell_iname\tis_hiq\nS\tP\tN\tC\t1\nT\tP\tN\tC\tmaybe\n");
  EXPECT_EQ(error_of([&] { kg::read_sig_info(q); }),
            "sig_info \"" + q + "\": line 3: is_hiq \"maybe\" is not a boolean (1/0, True/False)");
}

// ---- genes -----------------------------------------------------------------------------------

TEST(GeneInfo, RealRowMeta) {
  KG_REAL_FILE(p, "cmapM/row_meta_n978.txt");
  auto g = kg::read_gene_info(p);
  EXPECT_EQ(g.format, "row_meta");
  ASSERT_EQ(g.rows.size(), 978u);
  EXPECT_EQ(g.rows[0].gene_id, "5720");
  EXPECT_EQ(g.rows[0].symbol, "PSME1");
  EXPECT_EQ(g.rows.back().gene_id, "874");
  EXPECT_EQ(g.rows.back().symbol, "CBR3");
  for (const auto& x : g.rows) ASSERT_TRUE(x.is_landmark);
}

TEST(GeneInfo, RealDhimmelGzip) {
  KG_REAL_FILE(p, "dhimmel-lincs/geneinfo.tsv.gz");
  auto g = kg::read_gene_info(p);
  EXPECT_EQ(g.format, "dhimmel geneinfo");
  ASSERT_EQ(g.rows.size(), 36590u);
  int lm = 0;
  for (const auto& x : g.rows) lm += x.is_landmark;
  EXPECT_EQ(lm, 1171);  // is_lm True (epsilon + deltap), not the canonical 978
  EXPECT_EQ(g.rows[26184].symbol, "PSME1");
  EXPECT_EQ(g.rows[26184].gene_id, "5720");
  EXPECT_TRUE(g.rows[26184].is_landmark);
  EXPECT_EQ(g.rows[26184].title, "proteasome (prosome, macropain) activator subunit 1 (PA28 alpha)");
  EXPECT_EQ(g.rows[0].gene_id, "100510314///100510451///27341///91695");
  EXPECT_EQ(g.rows[0].symbol, "");
}

TEST(GeneInfo, BetaAndGse92742AndRoundTrip) {
  auto b = kg::read_gene_info(tmp_file("geneinfo_beta.txt",
                                       "gene_id\tgene_symbol\tensembl_id\tgene_title\tgene_type\t"
                                       "src\tfeature_space\n"
                                       "5720\tPSME1\tENSG1\tproteasome\tprotein-coding\tNCBI\tlandmark\n"
                                       "2\tA2M\tENSG2\talpha-2\tprotein-coding\tNCBI\tbest inferred\n"
                                       "9\tNAT1\tENSG3\tnat\tprotein-coding\tNCBI\tinferred\n"));
  EXPECT_EQ(b.format, "geneinfo_beta");
  ASSERT_EQ(b.rows.size(), 3u);
  EXPECT_TRUE(b.rows[0].is_landmark);
  EXPECT_FALSE(b.rows[1].is_landmark);
  EXPECT_EQ(b.rows[1].symbol, "A2M");
  auto g = kg::read_gene_info(tmp_file("gene_info.txt",
                                       "pr_gene_id\tpr_gene_symbol\tpr_gene_title\tpr_is_lm\t"
                                       "pr_is_bing\n780\tDDR1\tdiscoidin\t1\t1\n7849\tPAX8\tpaired\t0\t1\n"));
  EXPECT_EQ(g.format, "gene_info");
  EXPECT_TRUE(g.rows[0].is_landmark);
  EXPECT_FALSE(g.rows[1].is_landmark);
  std::string out = ::testing::TempDir() + "kglincs_gene_out.txt";
  kg::write_gene_info(out, b);
  auto back = kg::read_gene_info(out);
  EXPECT_EQ(back.format, "gene_info");
  ASSERT_EQ(back.rows.size(), 3u);
  EXPECT_EQ(back.rows[2].symbol, "NAT1");
  EXPECT_EQ(back.rows[2].title, "nat");
  EXPECT_TRUE(back.rows[0].is_landmark);
  EXPECT_FALSE(back.rows[2].is_landmark);
}

TEST(GeneInfo, UnknownLayout) {
  auto p = tmp_file("gene_bad.txt", "gene\tsymbol\n1\tA\n");
  auto msg = error_of([&] { kg::read_gene_info(p); });
  EXPECT_EQ(msg.rfind("gene_info \"" + p + "\": no known layout", 0), 0u) << msg;
  EXPECT_NE(msg.find("geneinfo_beta (gene_id, gene_symbol, feature_space)"), std::string::npos);
}

// ---- cells -----------------------------------------------------------------------------------

TEST(CellInfo, RealDhimmelGzip) {
  KG_REAL_FILE(p, "dhimmel-lincs/cellinfo.tsv.gz");
  auto c = kg::read_cell_info(p);
  EXPECT_EQ(c.format, "dhimmel cellinfo");
  ASSERT_EQ(c.rows.size(), 2541u);
  EXPECT_EQ(c.rows[0].cell_id, "HEK293T");
  EXPECT_EQ(c.rows[0].lineage, "kidney");
  EXPECT_EQ(c.rows[0].disease, "embryonal kidney");
  bool found = false;
  for (const auto& x : c.rows)
    if (x.cell_id == "A375") {
      found = true;
      EXPECT_EQ(x.lineage, "skin");
      EXPECT_EQ(x.disease, "melanoma");
    }
  EXPECT_TRUE(found);
}

TEST(CellInfo, BetaAndGse92742AndRoundTrip) {
  auto b = kg::read_cell_info(tmp_file("cellinfo_beta.txt",
                                       "cell_iname\tcellosaurus_id\tdonor_age\tprimary_disease\t"
                                       "cell_lineage\tcell_type\n"
                                       "A375\tCVCL_0132\t54\tskin cancer\tskin\ttumor\n"
                                       "HUVEC\tCVCL_2959\t-666\t\tendothelium\tnormal\n"));
  EXPECT_EQ(b.format, "cellinfo_beta");
  ASSERT_EQ(b.rows.size(), 2u);
  EXPECT_EQ(b.rows[0].disease, "skin cancer");
  EXPECT_EQ(b.rows[1].disease, "");
  EXPECT_EQ(b.rows[1].lineage, "endothelium");
  auto g = kg::read_cell_info(tmp_file("cell_info.txt",
                                       "cell_id\tcell_type\tprimary_site\tsubtype\n"
                                       "MCF7\ttumor\tbreast\tluminal\nPC3\ttumor\tprostate\t-666\n"));
  EXPECT_EQ(g.format, "cell_info");
  EXPECT_EQ(g.rows[0].lineage, "breast");
  EXPECT_EQ(g.rows[0].disease, "luminal");
  EXPECT_EQ(g.rows[1].disease, "");
  std::string out = ::testing::TempDir() + "kglincs_cell_out.txt";
  kg::write_cell_info(out, b);
  auto back = kg::read_cell_info(out);
  ASSERT_EQ(back.rows.size(), 2u);
  EXPECT_EQ(back.rows[0].cell_id, "A375");
  EXPECT_EQ(back.rows[0].disease, "skin cancer");
  EXPECT_EQ(back.rows[1].disease, "");
}

// ---- compounds -------------------------------------------------------------------------------

TEST(PertInfo, RealDhimmelGzip) {
  KG_REAL_FILE(p, "dhimmel-lincs/pertinfo.tsv.gz");
  auto c = kg::read_pert_info(p);
  EXPECT_EQ(c.format, "dhimmel pertinfo");
  ASSERT_EQ(c.rows.size(), 51385u);
  int keys = 0, cp = 0, unnamed = 0;
  for (const auto& x : c.rows) {
    keys += !x.inchikey.empty();
    cp += x.pert_type == "trt_cp";
    unnamed += x.name.empty();
  }
  EXPECT_EQ(keys, 20330);  // 20330 "InChIKey=..." values; 29 "-666" become ""
  EXPECT_EQ(cp, 20413);
  EXPECT_EQ(unnamed, 1);  // one pert_iname is -666
  const auto* b = find_pert(c, "BRD-A00546892");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->name, "biperiden");
  EXPECT_EQ(b->pert_type, "trt_cp");
  EXPECT_EQ(b->inchikey, "YSXKPIUOCJLQIE-UHFFFAOYSA-N");  // the "InChIKey=" prefix is gone
  EXPECT_EQ(b->smiles, "OC(CCN1CCCCC1)(C2CC3CC2C=C3)c4ccccc4");
}

TEST(PertInfo, RealTrtCpInput) {
  KG_REAL_FILE(p, "cmapM/trt_cp_input.csv");
  auto c = kg::read_pert_info(p);  // named .csv, tab-separated in fact
  EXPECT_EQ(c.format, "compound list");
  ASSERT_EQ(c.rows.size(), 10u);
  EXPECT_EQ(c.rows.back().pert_id, "BRD-A00520476");
  EXPECT_EQ(c.rows.back().name, "otenzepad");
  EXPECT_EQ(c.rows.back().smiles, "CCN(CC)CC1CCCCN1CC(=O)N2c3ccccc3C(=O)Nc4cccnc24");
  EXPECT_EQ(c.rows.back().inchikey, "");
}

TEST(PertInfo, BetaMergesTargetRowsAndCommaSeparated) {
  auto b = kg::read_pert_info(tmp_file("compoundinfo_beta.txt",
                                       "pert_id\tcmap_name\ttarget\tmoa\tcanonical_smiles\t"
                                       "inchi_key\tcompound_aliases\n"
                                       "BRD-K1\tbortezomib\tPSMB1\tproteasome inhibitor\tCC(C)C\t"
                                       "GXJABQQUPOEUTA-RDJZCZTQSA-N\t\n"
                                       "BRD-K1\tbortezomib\tPSMB5\tproteasome inhibitor\tCC(C)C\t"
                                       "GXJABQQUPOEUTA-RDJZCZTQSA-N\t\n"
                                       "BRD-K2\tmystery\t\t\t\t\t\n"));
  EXPECT_EQ(b.format, "compoundinfo_beta");
  ASSERT_EQ(b.rows.size(), 2u);
  EXPECT_EQ(b.repeated_rows, 1);
  EXPECT_EQ(b.rows[0].inchikey, "GXJABQQUPOEUTA-RDJZCZTQSA-N");
  EXPECT_EQ(b.rows[1].smiles, "");
  auto c = kg::read_pert_info(tmp_file("pert.csv",
                                       "pert_id,pert_iname,pert_type,canonical_smiles,inchi_key\n"
                                       "BRD-K3,\"a, b\",trt_cp,CCO,NA\n"));
  EXPECT_EQ(c.format, "pert_info");
  ASSERT_EQ(c.rows.size(), 1u);
  EXPECT_EQ(c.rows[0].name, "a, b");
  EXPECT_EQ(c.rows[0].inchikey, "");
  std::string out = ::testing::TempDir() + "kglincs_pert_out.txt";
  kg::write_pert_info(out, b);
  auto back = kg::read_pert_info(out);
  ASSERT_EQ(back.rows.size(), 2u);
  EXPECT_EQ(back.rows[0].name, "bortezomib");
  EXPECT_EQ(back.rows[0].inchikey, "GXJABQQUPOEUTA-RDJZCZTQSA-N");
  EXPECT_EQ(back.rows[0].smiles, "CC(C)C");
  EXPECT_EQ(back.rows[1].inchikey, "");
}

TEST(PertInfo, UnknownLayout) {
  auto p = tmp_file("pert_bad.txt", "pert_id\tpert_iname\n1\tA\n");  // a sig table, no chemistry
  auto msg = error_of([&] { kg::read_pert_info(p); });
  EXPECT_EQ(msg.rfind("pert_info \"" + p + "\": no known layout", 0), 0u) << msg;
}

// ---- DrugBank --------------------------------------------------------------------------------

TEST(Drugbank, RealVocabulary) {
  KG_REAL_FILE(p, "drugbank-vocabulary/drugbank_vocabulary.csv");
  auto v = kg::read_drugbank_vocab(p);
  ASSERT_EQ(v.rows.size(), 13339u);
  int keys = 0, no_syn = 0;
  const kg::DrugbankEntry* biperiden = nullptr;
  for (const auto& e : v.rows) {
    keys += !e.inchikey.empty();
    no_syn += e.synonyms.empty();
    if (e.id == "DB00810") biperiden = &e;
  }
  EXPECT_EQ(keys, 10634);
  EXPECT_EQ(no_syn, 7895);
  ASSERT_NE(biperiden, nullptr);
  EXPECT_EQ(biperiden->name, "Biperiden");
  EXPECT_EQ(biperiden->inchikey, "YSXKPIUOCJLQIE-UHFFFAOYSA-N");
  EXPECT_EQ(biperiden->cas, "514-65-8");
  ASSERT_EQ(biperiden->synonyms.size(), 7u);
  EXPECT_EQ(biperiden->synonyms[3], "Biperiden");
  const auto& cetuximab = v.rows[1];
  EXPECT_EQ(cetuximab.id, "DB00002");
  EXPECT_EQ(cetuximab.accessions, "BIOD00071 | BTD00071");
  ASSERT_EQ(cetuximab.synonyms.size(), 4u);
  EXPECT_EQ(cetuximab.synonyms[1], "C\xC3\xA9tuximab");
  EXPECT_EQ(cetuximab.synonyms[3].substr(cetuximab.synonyms[3].size() - 7), ", dimer");
  EXPECT_EQ(cetuximab.inchikey, "");

  std::string out = ::testing::TempDir() + "kglincs_drugbank_out.csv";
  kg::write_drugbank_vocab(out, v);
  auto back = kg::read_drugbank_vocab(out);
  ASSERT_EQ(back.rows.size(), v.rows.size());
  for (size_t i = 0; i < v.rows.size(); ++i) {
    ASSERT_EQ(back.rows[i].id, v.rows[i].id);
    ASSERT_EQ(back.rows[i].synonyms, v.rows[i].synonyms) << v.rows[i].id;
    ASSERT_EQ(back.rows[i].inchikey, v.rows[i].inchikey);
    ASSERT_EQ(back.rows[i].name, v.rows[i].name);
  }
}

TEST(Drugbank, WrongHeader) {
  auto p = tmp_file("db_bad.csv", "id,name\nDB1,x\n");
  auto msg = error_of([&] { kg::read_drugbank_vocab(p); });
  EXPECT_EQ(msg, "DrugBank vocabulary \"" + p +
                     "\": no known layout fits the header; expected DrugBank vocabulary "
                     "(DrugBank ID, Accession Numbers, Common name, CAS, UNII, Synonyms, Standard "
                     "InChI Key); columns present: id, name");
}
