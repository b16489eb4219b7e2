// Tests of the PrimeKG kg.csv reader and writer: the real PrimeKG subset (known counts and
// rows), header and row errors, and a byte-exact, round-tripping writer.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/error.hpp"
#include "io/kgcsv.hpp"

#include "support/kgtest.hpp"

namespace fs = std::filesystem;

namespace {

using kgtest::error_of;
using kgtest::real_dir;
using kgtest::tmp_file;

const char* kHeader =
    "relation,display_relation,x_index,x_id,x_type,x_name,x_source,y_index,y_id,y_type,y_name,"
    "y_source";

// An owning copy of a row, for comparisons after the callback.
struct Edge {
  std::vector<std::string> s;
  int64_t xi, yi, line;
  bool operator==(const Edge& o) const { return s == o.s && xi == o.xi && yi == o.yi; }
};

std::vector<Edge> read_all(const std::string& p) {
  std::vector<Edge> out;
  kg::read_kg_csv(p, [&](const kg::KgRow& r) {
    out.push_back({{std::string(r.relation), std::string(r.display_relation), std::string(r.x_id),
                    std::string(r.x_type), std::string(r.x_name), std::string(r.x_source),
                    std::string(r.y_id), std::string(r.y_type), std::string(r.y_name),
                    std::string(r.y_source)},
                   r.x_index, r.y_index, r.line});
  });
  return out;
}

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST(KgCsv, RealPrimeKgSubset) {
  std::string p = real_dir() + "/primekg-subset-arnold117/test_edges.csv";
  if (!fs::exists(p)) GTEST_SKIP() << "real data absent: " << p;
  auto e = read_all(p);  // has an extra trailing column, relation_standard
  ASSERT_EQ(e.size(), 7696u);
  std::map<std::string, int> by_display;
  int64_t index_sum = 0;
  for (const auto& x : e) {
    ++by_display[x.s[1]];
    index_sum += x.xi + x.yi;
  }
  EXPECT_EQ(by_display["target"], 4921);
  EXPECT_EQ(by_display["enzyme"], 1607);
  EXPECT_EQ(by_display["transporter"], 885);
  EXPECT_EQ(by_display["carrier"], 283);
  EXPECT_EQ(index_sum, 183238141);  // python csv: sum of x_index + y_index
  EXPECT_EQ(e[0].s, (std::vector<std::string>{"drug_protein", "enzyme", "DB00847", "drug",
                                              "Cysteamine", "DrugBank", "4353", "gene/protein",
                                              "MPO", "NCBI"}));
  EXPECT_EQ(e[0].xi, 14248);
  EXPECT_EQ(e[0].yi, 4818);
  EXPECT_EQ(e[0].line, 2);
  EXPECT_EQ(e[10].line, 12);  // the first name with a comma, quoted in the file
  EXPECT_EQ(e[10].s[8], "3-Carbamimidamido-1,1-diphenylurea");
  EXPECT_EQ(e[10].yi, 16133);
  EXPECT_EQ(e.back().s[4], "Mersalyl");
  EXPECT_EQ(e.back().line, 7697);
}

TEST(KgCsv, RealRoundTripThroughWriter) {
  std::string p = real_dir() + "/primekg-subset-arnold117/val_edges.csv";
  if (!fs::exists(p)) GTEST_SKIP() << "real data absent: " << p;
  std::string out = ::testing::TempDir() + "kgcsv_roundtrip.csv";
  kg::KgCsvWriter w(out);
  kg::read_kg_csv(p, [&](const kg::KgRow& r) { w.add(r); });
  EXPECT_EQ(w.rows(), 7696);
  w.commit();
  EXPECT_EQ(read_all(out), read_all(p));
}

TEST(KgCsv, WriterQuotesAsPrimeKg) {
  std::string dir = ::testing::TempDir() + "kgcsv_w/";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string p = dir + "kg.csv";
  {
    kg::KgCsvWriter w(p);
    w.add("drug_protein", "target", 29, "2147", "gene/protein", "F2", "NCBI", 16133, "DB07120",
          "drug", "3-Carbamimidamido-1,1-diphenylurea", "DrugBank");
  }
  EXPECT_TRUE(fs::is_empty(dir)) << "an uncommitted writer must leave nothing";
  kg::KgCsvWriter w(p);
  w.add("drug_protein", "target", 29, "2147", "gene/protein", "F2", "NCBI", 16133, "DB07120",
        "drug", "3-Carbamimidamido-1,1-diphenylurea", "DrugBank");
  w.add("disease_disease", "parent-child", -0, "1", "disease", "say \"x\"", "MONDO", 9, "2",
        "disease", "plain", "MONDO");
  w.commit();
  EXPECT_EQ(slurp(p), std::string(kHeader) +
                          "\n"
                          "drug_protein,target,29,2147,gene/protein,F2,NCBI,16133,DB07120,drug,"
                          "\"3-Carbamimidamido-1,1-diphenylurea\",DrugBank\n"
                          "disease_disease,parent-child,0,1,disease,\"say \"\"x\"\"\",MONDO,9,2,"
                          "disease,plain,MONDO\n");
  auto e = read_all(p);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[1].s[4], "say \"x\"");
}

TEST(KgCsv, ReorderedHeaderNamesTheColumn) {
  auto p = tmp_file("reordered.csv",
                    "relation,display_relation,x_id,x_index,x_type,x_name,x_source,y_index,y_id,"
                    "y_type,y_name,y_source\n");
  auto msg = error_of([&] { read_all(p); });
  EXPECT_NE(msg.find("kg.csv \"" + p + "\": line 1: column 3 is \"x_id\" where \"x_index\" was "
                     "expected"),
            std::string::npos)
      << msg;
}

TEST(KgCsv, MissingColumnNamesIt) {
  auto p = tmp_file("missing.csv",
                    "relation,display_relation,x_index,x_id,x_type,x_name,x_source,y_index,y_id,"
                    "y_type,y_name\n");
  auto msg = error_of([&] { read_all(p); });
  EXPECT_NE(msg.find("kg.csv \"" + p + "\": line 1: missing column \"y_source\""),
            std::string::npos)
      << msg;
}

TEST(KgCsv, WrongFieldCount) {
  auto p = tmp_file("fields.csv", std::string(kHeader) +
                                      "\nr,d,1,a,t,n,s,2,b,t,n,s\n"
                                      "r,d,1,a,t\n");
  EXPECT_EQ(error_of([&] { read_all(p); }),
            "kg.csv \"" + p + "\": line 3: expected 12 fields, got 5");
}

TEST(KgCsv, NonIntegerIndex) {
  auto p = tmp_file("index.csv", std::string(kHeader) + "\nr,d,1,a,t,n,s,2x,b,t,n,s\n");
  EXPECT_EQ(error_of([&] { read_all(p); }),
            "kg.csv \"" + p + "\": line 2: y_index \"2x\" is not an integer");
  auto q = tmp_file("index2.csv", std::string(kHeader) + "\nr,d,,a,t,n,s,2,b,t,n,s\n");
  EXPECT_EQ(error_of([&] { read_all(q); }),
            "kg.csv \"" + q + "\": line 2: x_index \"\" is not an integer");
}

TEST(KgCsv, EmptyFile) {
  auto p = tmp_file("empty.csv", "");
  EXPECT_EQ(error_of([&] { read_all(p); }), "kg.csv \"" + p + "\": empty file (no header line)");
}

// A negative node index is no PrimeKG index; a header without rows would be an empty graph.
TEST(KgCsv, NegativeIndexAndHeaderOnly) {
  auto p = tmp_file("negative.csv", std::string(kHeader) + "\nr,d,-3,a,t,n,s,2,b,t,n,s\n");
  EXPECT_EQ(error_of([&] { read_all(p); }),
            "kg.csv \"" + p + "\": line 2: x_index -3 is negative (PrimeKG's node indices count from 0)");
  auto q = tmp_file("header.csv", std::string(kHeader) + "\n");
  EXPECT_EQ(error_of([&] { read_all(q); }),
            "kg.csv \"" + q + "\": a header and no edge (a graph needs at least one row)");
}
