// GCT text reader: every real .gct in shared/data/real (agreement with the matching .gctx,
// values read off by hand), missing values, line endings, Latin-1, and malformed files.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "io/gct.hpp"

#include "support/kgtest.hpp"

namespace fs = std::filesystem;

namespace {

using kgtest::expect_error;
using kgtest::real_dir;
using kgtest::tmp_file;

std::vector<int64_t> iota(int64_t n) {
  std::vector<int64_t> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[size_t(i)] = i;
  return v;
}

// A 2-gene x 3-sample #1.3 file with one row and two column metadata fields.
const char* kSmall =
    "#1.3\n"
    "2\t3\t1\t2\n"
    "id\tpr_gene_symbol\ts1\ts2\ts3\n"
    "pert_idose\tna\t10 \xB5M\t1 nM\t-666\n"
    "cell_id\tna\tA375\tA375\tMCF7\n"
    "g1\tPSME1\t1.5\t-666\t\n"
    "g2\tATF1\tNA\t+2e-1\t-3\n";

}  // namespace

// ---- the real files ----------------------------------------------------------------------

TEST(GctReal, MiniGctooAgreesWithItsGctx) {
  KG_REAL_FILE(p, "cmapPy/mini_gctoo_for_testing.gct");
  auto g = kg::read_gct(p);
  kg::GctxFile x(p + "x");
  EXPECT_EQ(g.rows.ids, x.row_ids());
  EXPECT_EQ(g.cols.ids, x.col_ids());
  // Every field, numbers included, reads the same from both (int64 3, float64 9.822065353).
  EXPECT_EQ(g.rows.fields, x.rows().fields);
  EXPECT_EQ(g.cols.fields, x.cols().fields);
  EXPECT_EQ(g.cols.fields.at("distil_nsample").back(), "111111");
  auto m = x.read(iota(6), iota(6));
  ASSERT_EQ(g.values.rows, 6);
  ASSERT_EQ(g.values.cols, 6);
  for (size_t k = 0; k < m.data.size(); ++k) EXPECT_NEAR(g.values.data[k], m.data[k], 1e-6) << k;
  EXPECT_FLOAT_EQ(g.values.row(1)[0], 2.0f);        // sample 2, gene 1: "2.0" on line 9
  EXPECT_FLOAT_EQ(g.values.row(0)[1], 4.3000002f);  // "4.300000190734863"
}

TEST(GctReal, L1000Level3Plate) {
  KG_REAL_FILE(p, "cmapPy/test_l1000.gct");
  auto g = kg::read_gct(p);
  ASSERT_EQ(g.rows.ids.size(), 978u);
  ASSERT_EQ(g.cols.ids.size(), 377u);
  EXPECT_EQ(g.rows.fields.size(), 11u);
  EXPECT_EQ(g.cols.fields.size(), 35u);
  EXPECT_EQ(g.rows.ids.front(), "200814_at");
  EXPECT_EQ(g.rows.ids.back(), "203897_at");
  EXPECT_EQ(g.cols.ids.back(), "LJP005_A375_24H_X1_B19:P24");
  EXPECT_EQ(g.rows.fields.at("pr_gene_id").back(), "57149");
  EXPECT_EQ(g.rows.fields.at("pr_gene_title").front(), "proteasome (prosome, macropain) activator subunit 1 (PA28 alpha)");
  EXPECT_EQ(g.cols.fields.at("pert_iname").back(), "trametinib");
  EXPECT_EQ(g.cols.fields.at("pert_idose").back(), "0.04 um");
  EXPECT_EQ(g.cols.fields.at("pert_dose").front(), "-666");  // metadata stays text
  EXPECT_FLOAT_EQ(g.values.row(0)[0], 11.3819f);
  EXPECT_FLOAT_EQ(g.values.row(376)[977], 5.1256f);
  EXPECT_FLOAT_EQ(g.values.row(188)[326], 5.1433f);
  EXPECT_FLOAT_EQ(g.values.row(1)[2], 5.9869f);
}

TEST(GctReal, Modzs272GctAndGctxAgree) {
  KG_REAL_FILE(p, "cmapR/modzs_n272x978.gct");
  auto g = kg::read_gct(p);
  kg::GctxFile x(real_dir() + "/cmapR/modzs_n272x978.gctx");
  EXPECT_EQ(g.rows.ids, x.row_ids());
  EXPECT_EQ(g.cols.ids, x.col_ids());
  auto xr = x.rows();
  auto xc = x.cols();
  // The text repeats the ids as an "id" field; it is dropped, leaving what the gctx has.
  EXPECT_EQ(g.rows.fields.count("id"), 0u);
  EXPECT_EQ(g.cols.fields.count("id"), 0u);
  EXPECT_EQ(g.rows.fields.size(), xr.fields.size());
  EXPECT_EQ(g.cols.fields.size(), xc.fields.size());
  for (const char* k : {"pr_gene_id", "pr_gene_symbol", "pr_gene_title", "is_lm", "is_bing"})
    EXPECT_EQ(g.rows.fields.at(k), xr.fields.at(k)) << k;
  for (const char* k : {"cell_id", "pert_id", "pert_iname", "pert_itime", "pert_type", "is_gold",
                        "distil_nsample", "distil_cc_q75", "brew_prefix"})
    EXPECT_EQ(g.cols.fields.at(k), xc.fields.at(k)) << k;
  // The text has the dose written as "<b5>"; the gctx has the Latin-1 byte, read as µ.
  EXPECT_EQ(g.cols.fields.at("pert_idose").front(), "10 <b5>M");
  EXPECT_EQ(xc.fields.at("pert_idose").front(), "10 \xC2\xB5M");
  // The text rounds to 4 decimals.
  auto m = x.read(iota(978), iota(272));
  ASSERT_EQ(g.values.data.size(), m.data.size());
  double worst = 0;
  for (size_t k = 0; k < m.data.size(); ++k) worst = std::max(worst, double(std::fabs(g.values.data[k] - m.data[k])));
  EXPECT_LE(worst, 5.0e-5 + 1e-6);
  EXPECT_GT(worst, 1e-6);  // they are not bit-identical: the text really was rounded
  EXPECT_FLOAT_EQ(g.values.row(136)[326], -8.9951f);
}

TEST(GctReal, Modzs25x50AnnouncesMoreColumnMetadataThanItHas) {
  // Line 2 says 15 column-metadata lines, but only "brew_prefix" is there: the reader takes
  // 14 gene lines as metadata and then runs out of data rows. It must say so, not guess.
  KG_REAL_FILE(p, "cmapR/modzs_n25x50.gct");
  expect_error([&] { kg::read_gct(p); }, {"GCT \"" + p + "\"", "line 55", "file ends before data row 37 of 50"});
}

TEST(GctReal, EveryGctFileIsCovered) {
  if (!fs::exists(real_dir())) GTEST_SKIP() << "real data absent";
  std::vector<std::string> names;
  for (const auto& e : fs::recursive_directory_iterator(real_dir()))
    if (e.path().extension() == ".gct") names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  // Each of these has its own test above; a new file should get one too.
  EXPECT_EQ(names, (std::vector<std::string>{"mini_gctoo_for_testing.gct", "modzs_n25x50.gct",
                                             "modzs_n272x978.gct", "test_l1000.gct"}));
}

// ---- small files ---------------------------------------------------------------------------

TEST(Gct, MissingValuesLatin1AndMetadata) {
  auto g = kg::read_gct(tmp_file("small.gct", kSmall));
  EXPECT_EQ(g.rows.ids, (std::vector<std::string>{"g1", "g2"}));
  EXPECT_EQ(g.cols.ids, (std::vector<std::string>{"s1", "s2", "s3"}));
  EXPECT_EQ(g.rows.fields.at("pr_gene_symbol"), (std::vector<std::string>{"PSME1", "ATF1"}));
  EXPECT_EQ(g.cols.fields.at("pert_idose"), (std::vector<std::string>{"10 \xC2\xB5M", "1 nM", "-666"}));
  EXPECT_EQ(g.cols.fields.at("cell_id")[2], "MCF7");
  ASSERT_EQ(g.values.rows, 3);  // samples
  ASSERT_EQ(g.values.cols, 2);  // genes
  EXPECT_FLOAT_EQ(g.values.row(0)[0], 1.5f);
  EXPECT_TRUE(std::isnan(g.values.row(1)[0]));  // -666
  EXPECT_TRUE(std::isnan(g.values.row(2)[0]));  // empty
  EXPECT_TRUE(std::isnan(g.values.row(0)[1]));  // NA
  EXPECT_FLOAT_EQ(g.values.row(1)[1], 0.2f);    // "+2e-1"
  EXPECT_FLOAT_EQ(g.values.row(2)[1], -3.0f);
  // Tiny or huge values are not errors: they become 0 and infinity, as strtod gives them.
  auto t = kg::read_gct(tmp_file("range.gct", "#1.3\n1\t2\t0\t0\nid\ta\tb\nr\t1e-60\t-1e60\n"));
  EXPECT_EQ(t.values.row(0)[0], 0.0f);
  EXPECT_TRUE(std::isinf(t.values.row(1)[0]) && t.values.row(1)[0] < 0);
}

TEST(Gct, CrlfAndCrLineEndingsReadTheSame) {
  std::string crlf, cr;
  for (const char* c = kSmall; *c; ++c) {
    crlf += *c == '\n' ? std::string("\r\n") : std::string(1, *c);
    cr += *c == '\n' ? '\r' : *c;
  }
  auto a = kg::read_gct(tmp_file("lf.gct", kSmall));
  auto b = kg::read_gct(tmp_file("crlf.gct", crlf));
  auto c = kg::read_gct(tmp_file("cr.gct", cr));
  for (const auto* o : {&b, &c}) {
    EXPECT_EQ(o->rows.ids, a.rows.ids);
    EXPECT_EQ(o->cols.fields, a.cols.fields);
    EXPECT_EQ(o->rows.fields, a.rows.fields);
    EXPECT_EQ(o->values.data[0], a.values.data[0]);
    EXPECT_EQ(o->values.data[5], a.values.data[5]);
  }
}

TEST(Gct, Version12HasOnlyADescription) {
  auto g = kg::read_gct(tmp_file("v12.gct", "#1.2\n2\t2\nName\tDescription\tA\tB\nx\tna\t1\t2\ny\tna\t3\t4\n"));
  EXPECT_EQ(g.rows.ids, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(g.cols.ids, (std::vector<std::string>{"A", "B"}));
  EXPECT_TRUE(g.cols.fields.empty());
  EXPECT_EQ(g.rows.fields.at("Description")[1], "na");
  EXPECT_EQ(g.values.row(1)[0], 2.0f);  // sample B, gene x
  EXPECT_EQ(g.values.row(0)[1], 3.0f);
}

TEST(Gct, ShortRowNamesFileAndLine) {
  std::string s = kSmall;
  s.replace(s.find("g2\tATF1\tNA\t+2e-1\t-3"), 19, "g2\tATF1\tNA");
  auto p = tmp_file("short.gct", s);
  expect_error([&] { kg::read_gct(p); }, {"GCT \"" + p + "\": line 7: expected 5 fields, got 3"});
}

TEST(Gct, MalformedHeadersAndValues) {
  auto p = tmp_file("v.gct", "#1.4\n1\t1\t0\t0\n");
  expect_error([&] { kg::read_gct(p); }, {"GCT \"" + p + "\": line 1: expected \"#1.3\" or \"#1.2\""});
  p = tmp_file("dims.gct", "#1.3\n2\tx\t0\t0\n");
  expect_error([&] { kg::read_gct(p); }, {"line 2: \"x\" is not a count"});
  p = tmp_file("dims3.gct", "#1.3\n2\t3\t0\n");
  expect_error([&] { kg::read_gct(p); }, {"line 2: expected 4 fields, got 3"});
  p = tmp_file("huge.gct", "#1.3\n100000000\t100000000\t0\t0\n");
  expect_error([&] { kg::read_gct(p); }, {"line 2:", "cannot fit"});
  p = tmp_file("nan.gct", "#1.3\n1\t2\t0\t0\nid\ta\tb\nr\t1.0\tabc\n");
  expect_error([&] { kg::read_gct(p); }, {"line 4: field 3: \"abc\" is not a number"});
  p = tmp_file("extra.gct", "#1.3\n1\t1\t0\t0\nid\ta\nr\t1\nq\t2\n\n");
  expect_error([&] { kg::read_gct(p); }, {"line 5: more lines than the 1 data rows"});
  p = tmp_file("dupfield.gct", "#1.3\n1\t1\t2\t0\nid\tx\tx\ta\nr\t1\t2\t3\n");
  expect_error([&] { kg::read_gct(p); }, {"line 3: duplicate row metadata field \"x\""});
  p = tmp_file("badid.gct", "#1.3\n1\t1\t1\t0\nid\tid\ta\nr\tq\t3\n");
  expect_error([&] { kg::read_gct(p); }, {"line 4: row metadata field \"id\" differs"});
  p = tmp_file("empty.gct", "");
  expect_error([&] { kg::read_gct(p); }, {"empty file"});
  expect_error([&] { kg::read_gct(::testing::TempDir() + "gct_absent.gct"); }, {"GCT \"", "cannot open"});
}

// Found by fuzz/fuzz_gct.cpp (kept in tests/fuzz/gct/): a field count that overflowed
// 1 + nrm + ncol, and a file with 0 columns (data rows with ids only).
TEST(Gct, FuzzFoundCountOverflowAndZeroColumns) {
  auto p = tmp_file("ovf.gct", "#1.3\n1\t1\t9223372036854775807\t0\nid\ta\n");
  expect_error([&] { kg::read_gct(p); }, {"line 2:", "cannot fit in a file of"});
  auto g = kg::read_gct(tmp_file("nocols.gct", "#1.3\n2\t0\t1\t0\nid\tsym\nr1\tA\nr2\tB\n"));
  EXPECT_EQ(g.rows.ids, (std::vector<std::string>{"r1", "r2"}));
  EXPECT_TRUE(g.values.data.empty());
}

TEST(Gct, TrailingTabsAndBlankLinesAreTolerated) {
  auto g = kg::read_gct(tmp_file("trail.gct", "#1.3\t\t\n1\t2\t0\t0\t\nid\ta\tb\t\nr\t1\t2\t\t\n\n\n"));
  EXPECT_EQ(g.cols.ids, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(g.values.row(1)[0], 2.0f);
}

TEST(Utf8, ValidKeptLatin1Converted) {
  EXPECT_TRUE(kg::is_utf8("10 \xC2\xB5M"));
  EXPECT_FALSE(kg::is_utf8("10 \xB5M"));
  EXPECT_FALSE(kg::is_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(kg::is_utf8("\xED\xA0\x80"));      // surrogate
  EXPECT_TRUE(kg::is_utf8("\xF0\x9F\x98\x80"));   // 4-byte
  EXPECT_EQ(kg::ensure_utf8("10 \xB5M"), "10 \xC2\xB5M");
  EXPECT_EQ(kg::ensure_utf8("caf\xE9"), "caf\xC3\xA9");
  EXPECT_EQ(kg::ensure_utf8("10 \xC2\xB5M"), "10 \xC2\xB5M");
}
