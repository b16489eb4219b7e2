// Tests of the delimited-text scanner, Table, and the quoting writer: every quoting and
// line-ending case, gzip input, Latin-1 conversion, each error, and real LINCS/DrugBank files.
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "io/text.hpp"

#include "support/kgtest.hpp"

namespace fs = std::filesystem;
using kg::text::for_each_record;
using kg::text::read_table;

namespace {

using kgtest::error_of;
using kgtest::real_dir;
using kgtest::tmp_file;

struct Rec {
  std::vector<std::string> f;
  int64_t line;
};

std::vector<Rec> records(const std::string& path, char delim = ',') {
  std::vector<Rec> out;
  kg::text::ReadOptions opt;
  opt.delim = delim;
  opt.what = "test";
  for_each_record(path, opt, [&](const std::vector<std::string_view>& f, int64_t line) {
    out.push_back({std::vector<std::string>(f.begin(), f.end()), line});
  });
  return out;
}

}  // namespace

TEST(Text, QuotingCases) {
  auto p = tmp_file("quote.csv",
                    "a,b,c\n"
                    "\"x,y\",\"say \"\"hi\"\"\",plain\n"
                    "\"two\nlines\",,\"\"\n"
                    "last,\"q\",end\n");
  auto r = records(p);
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[1].f, (std::vector<std::string>{"x,y", "say \"hi\"", "plain"}));
  EXPECT_EQ(r[1].line, 2);
  EXPECT_EQ(r[2].f, (std::vector<std::string>{"two\nlines", "", ""}));
  EXPECT_EQ(r[2].line, 3);
  EXPECT_EQ(r[3].f, (std::vector<std::string>{"last", "q", "end"}));
  EXPECT_EQ(r[3].line, 5);  // the quoted line break took line 4
}

TEST(Text, QuoteInsideUnquotedFieldIsLiteral) {
  auto r = records(tmp_file("lit.csv", "5'-x\"y,z\n"));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].f, (std::vector<std::string>{"5'-x\"y", "z"}));
}

TEST(Text, LineEndingsAgree) {
  for (std::string eol : {"\n", "\r\n", "\r"}) {
    auto p = tmp_file("eol.csv", "h1,h2" + eol + "1,\"a" + eol + "b\"" + eol + eol + "3,4");
    auto r = records(p);
    ASSERT_EQ(r.size(), 3u) << "eol size " << eol.size();
    EXPECT_EQ(r[1].f[1], "a" + eol + "b");
    EXPECT_EQ(r[1].line, 2);
    EXPECT_EQ(r[2].f, (std::vector<std::string>{"3", "4"}));
    EXPECT_EQ(r[2].line, 5);  // line 4 is blank and skipped
  }
}

TEST(Text, EmptyAndTrailingFields) {
  auto r = records(tmp_file("empty.csv", "a,,c\na,b,\n,\n"));
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].f.size(), 3u);
  EXPECT_EQ(r[1].f, (std::vector<std::string>{"a", "b", ""}));
  EXPECT_EQ(r[2].f, (std::vector<std::string>{"", ""}));
  auto eof = records(tmp_file("eofdelim.csv", "a,b,"));
  ASSERT_EQ(eof.size(), 1u);
  EXPECT_EQ(eof[0].f.size(), 3u);
  EXPECT_TRUE(records(tmp_file("nothing.csv", "")).empty());
}

TEST(Text, BomIsSkipped) {
  auto r = records(tmp_file("bom.csv", "\xEF\xBB\xBFid,name\n1,x\n"));
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].f[0], "id");
}

TEST(Text, Latin1BecomesUtf8) {
  // 0xB5 is Latin-1 µ; C2 B5 is the same character in UTF-8 and must pass unchanged.
  auto p = tmp_file("latin1.tsv",
                    "dose\tname\n10 \xB5M\t\"caf\xE9 \"\"x\"\"\"\n10 \xC2\xB5M\tna\xEFve \xC2\xB5\n");
  auto r = records(p, '\t');
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[1].f[0], "10 \xC2\xB5M");
  EXPECT_EQ(r[1].f[1], "caf\xC3\xA9 \"x\"");
  EXPECT_EQ(r[2].f[0], "10 \xC2\xB5M");
  EXPECT_EQ(r[2].f[1], "na\xC3\xAFve \xC2\xB5");  // mixed in one field
}

TEST(Text, TsvWithQuotes) {
  auto r = records(tmp_file("q.tsv", "a\tb\n\"dp52,dp53\"\t\"x\ty\"\n"), '\t');
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1].f, (std::vector<std::string>{"dp52,dp53", "x\ty"}));
}

TEST(Text, UnterminatedQuoteNamesFileAndLine) {
  auto p = tmp_file("unterm.csv", "a,b\n1,2\n3,\"open\nmore\n");
  auto msg = error_of([&] { records(p); });
  EXPECT_NE(msg.find("test \"" + p + "\": line 5: unterminated quoted field (opened on line 3)"),
            std::string::npos)
      << msg;
}

TEST(Text, GarbageAfterClosingQuote) {
  auto p = tmp_file("garbage.csv", "a,b\n\"x\"y,2\n");
  auto msg = error_of([&] { records(p); });
  EXPECT_NE(msg.find("\"" + p + "\": line 2: unexpected character 'y' after a closing quote"),
            std::string::npos)
      << msg;
}

TEST(Text, MissingFile) {
  auto msg = error_of([] { records("/nonexistent/x.csv"); });
  EXPECT_NE(msg.find("test \"/nonexistent/x.csv\": cannot open"), std::string::npos) << msg;
}

TEST(Table, ColumnsAndSniffedDelimiter) {
  auto t = read_table(tmp_file("t.tsv", "id\tname\n1\ta,b\n2\tc\n"));
  EXPECT_EQ(t.header(), (std::vector<std::string>{"id", "name"}));
  ASSERT_EQ(t.num_rows(), 2u);
  EXPECT_EQ(t.column("name")[0], "a,b");  // tab-delimited: the comma is data
  EXPECT_EQ(t.line(1), 3);
  EXPECT_EQ(t.find("nope"), nullptr);
  EXPECT_EQ(t.find_any({"nope", "id"}), &t.column("id"));
  auto c = read_table(tmp_file("t.csv", "id,name\n1,\"a,b\"\n"));
  EXPECT_EQ(c.column("name")[0], "a,b");
}

TEST(Table, KeepsOnlyRequestedColumns) {
  auto p = tmp_file("keep.tsv", "id\tname\tjunk\n1\tx\tzzz\n2\ty\tqqq\n");
  auto t = read_table(p, 0, "table", {"id", "junk", "absent"});
  EXPECT_TRUE(t.has("name"));  // in the file ...
  EXPECT_EQ(t.find("name"), nullptr);  // ... but not stored
  ASSERT_EQ(t.column("junk").size(), 2u);
  EXPECT_EQ(t.column("junk")[1], "qqq");
  EXPECT_EQ(t.column("id")[0], "1");
  auto bad = tmp_file("keep_bad.tsv", "id\tname\n1\tx\n2\n");
  EXPECT_NE(error_of([&] { read_table(bad, 0, "table", {"id"}); })
                .find("line 3: expected 2 fields (as the header), got 1"),
            std::string::npos);  // dropped columns are still counted
}

TEST(Table, MissingColumnListsPresentOnes) {
  auto p = tmp_file("m.tsv", "id\tname\n1\tx\n");
  auto t = read_table(p, '\t', "gene_info");
  auto msg = error_of([&] { t.column("symbol"); });
  EXPECT_EQ(msg, "gene_info \"" + p + "\": no column \"symbol\" (columns: id, name)");
}

TEST(Table, WrongFieldCount) {
  auto p = tmp_file("wrong.tsv", "a\tb\tc\n1\t2\t3\n1\t2\n");
  auto msg = error_of([&] { read_table(p, '\t', "sig_info"); });
  EXPECT_EQ(msg, "sig_info \"" + p + "\": line 3: expected 3 fields (as the header), got 2");
}

TEST(Table, DuplicateColumnAndEmptyFile) {
  auto p = tmp_file("dup.csv", "a,b,a\n");
  EXPECT_NE(error_of([&] { read_table(p); }).find("line 1: duplicate column \"a\""),
            std::string::npos);
  auto e = tmp_file("empty.tsv", "");
  EXPECT_NE(error_of([&] { read_table(e); }).find("empty file"), std::string::npos);
}

TEST(Table, GzipIsReadTransparently) {
  std::string content = "id\tv\n";
  for (int i = 0; i < 20000; ++i) content += std::to_string(i) + "\tx" + std::to_string(i * 7) + "\n";
  std::string gz = ::testing::TempDir() + "kgtext_t.tsv.gz";
  gzFile g = gzopen(gz.c_str(), "wb");
  ASSERT_NE(g, nullptr);
  ASSERT_EQ(gzwrite(g, content.data(), unsigned(content.size())), int(content.size()));
  gzclose(g);
  auto t = read_table(gz);
  ASSERT_EQ(t.num_rows(), 20000u);
  EXPECT_EQ(t.column("v")[12345], "x86415");
  EXPECT_EQ(t.line(19999), 20001);
}

TEST(Writer, QuotesOnlyWhenNeeded) {
  std::string out;
  kg::text::write_delimited_field(out, "plain", ',');
  out += '|';
  kg::text::write_delimited_field(out, "a,b", ',');
  out += '|';
  kg::text::write_delimited_field(out, "say \"hi\"", ',');
  out += '|';
  kg::text::write_delimited_field(out, "a,b", '\t');
  out += '|';
  kg::text::write_delimited_field(out, "two\nlines", '\t');
  EXPECT_EQ(out, "plain|\"a,b\"|\"say \"\"hi\"\"\"|a,b|\"two\nlines\"");
}

TEST(Writer, RoundTripAndAtomicity) {
  std::string dir = ::testing::TempDir() + "kgtext_writer/";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string p = dir + "out.csv";
  {
    kg::text::DelimitedWriter w(p, ',', "test");
    w.row({"id", "name"});
    w.row({"1", "Dornase alfa, recombinant"});
    w.row({"2", "x \"y\"\nz"});
    // Destroyed without commit: nothing may remain in the directory.
  }
  EXPECT_TRUE(fs::is_empty(dir));
  {
    kg::text::DelimitedWriter w(p, ',', "test");
    w.row({"id", "name"});
    w.row({"1", "Dornase alfa, recombinant"});
    w.row({"2", "x \"y\"\nz"});
    EXPECT_FALSE(fs::exists(p));
    w.commit();
  }
  auto t = read_table(p);
  ASSERT_EQ(t.num_rows(), 2u);
  EXPECT_EQ(t.column("name")[0], "Dornase alfa, recombinant");
  EXPECT_EQ(t.column("name")[1], "x \"y\"\nz");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
}

TEST(Real, CrOnlyLjpMetadata) {
  std::string p = real_dir() + "/cmapPy/LJP_row_metadata.txt";
  if (!fs::exists(p)) GTEST_SKIP() << "real data absent: " << p;
  auto t = read_table(p);
  ASSERT_EQ(t.num_rows(), 358u);
  EXPECT_EQ(t.header().size(), 49u);
  EXPECT_EQ(t.column("bead_set")[0], "dp52,dp53");  // quoted in the TSV
  EXPECT_EQ(t.column("id")[357], "LJP007_MCF7_24H:TRT_CP:BRD-K49328571:3.33");
  EXPECT_EQ(t.column("distil_wt")[357], "0.50,0.50");
  EXPECT_EQ(t.line(357), 359);
}

TEST(Real, CrlfDrugbankVocabulary) {
  std::string p = real_dir() + "/drugbank-vocabulary/drugbank_vocabulary.csv";
  if (!fs::exists(p)) GTEST_SKIP() << "real data absent: " << p;
  auto t = read_table(p);
  ASSERT_EQ(t.num_rows(), 13339u);
  EXPECT_EQ(t.column("DrugBank ID")[2], "DB00003");
  EXPECT_EQ(t.column("Synonyms")[2].substr(0, 46), "Deoxyribonuclease (human clone 18-1 protein mo");
  EXPECT_EQ(t.column("Common name")[0], "Lepirudin");
}

TEST(Real, GzipPertinfo) {
  std::string p = real_dir() + "/dhimmel-lincs/pertinfo.tsv.gz";
  if (!fs::exists(p)) GTEST_SKIP() << "real data absent: " << p;
  auto t = read_table(p);
  EXPECT_EQ(t.num_rows(), 51385u);
  EXPECT_EQ(t.header().size(), 15u);
  EXPECT_EQ(t.column("pert_id")[0], "CSS001-ATTGCAT");
}

// ---- input limits ------------------------------------------------------------------------

namespace {

std::string scan_error(const std::string& bytes, size_t max_bytes, size_t max_fields) {
  kg::text::ReadOptions opt;
  opt.what = "test";
  opt.max_record_bytes = max_bytes;
  opt.max_fields = max_fields;
  return error_of([&] { for_each_record(bytes, "x.csv", opt, [](auto&, int64_t) {}); });
}

}  // namespace

TEST(TextLimits, LongRecordIsRefusedNamingFileAndLine) {
  std::string big(5000, 'x');
  EXPECT_EQ(scan_error("a,b\n" + big + ",y\n", 1000, 100),
            "test \"x.csv\": line 2: record longer than 1000 bytes");
  // A quoted field with line breaks: the line the record starts on.
  EXPECT_EQ(scan_error("a,b\n\"1\n2\n" + big + "\",y\n", 1000, 100),
            "test \"x.csv\": line 2: record longer than 1000 bytes");
  // Many short fields count too.
  std::string commas(1500, ',');
  EXPECT_EQ(scan_error("h\n" + commas + "\n", 1000, 1 << 20),
            "test \"x.csv\": line 2: record longer than 1000 bytes");
  // At the limit (line end excluded) it reads; so does a last record without a line end.
  std::string at(1000, 'x');
  EXPECT_EQ(scan_error(at + "\r\n" + at + "\n" + at, 1000, 100), "");
  EXPECT_EQ(scan_error(at + "y", 1000, 100), "test \"x.csv\": line 1: record longer than 1000 bytes");
}

TEST(TextLimits, TooManyFieldsAreRefused) {
  EXPECT_EQ(scan_error("a,b\n" + std::string(200, ',') + "\n", 1 << 20, 100),
            "test \"x.csv\": line 2: more than 100 fields in a record");
  EXPECT_EQ(scan_error(std::string(99, ',') + "\n", 1 << 20, 100), "");
}

TEST(TextLimits, DefaultsRefuseA17MiBFieldInATable) {
  std::string p = tmp_file("big.tsv", "id\tname\n1\t" + std::string(17 << 20, 'n') + "\n");
  kgtest::expect_error([&] { read_table(p, 0, "sig_info"); },
                       {"sig_info \"" + p + "\"", "line 2", "record longer than 16777216 bytes"});
}

TEST(TextLimits, GzipBombIsRefused) {
  // 128 MiB of one byte deflates to ~130 kB (1000x): refused after ~64 MiB inflated.
  std::string gz = ::testing::TempDir() + "kgtext_bomb.csv.gz";
  gzFile g = gzopen(gz.c_str(), "wb9");
  std::string block(1 << 20, 'a');
  for (int i = 0; i < 128; ++i) ASSERT_EQ(gzwrite(g, block.data(), unsigned(block.size())), int(block.size()));
  gzclose(g);
  kgtest::expect_error([&] { read_table(gz, 0, "kg.csv"); },
                       {"kg.csv \"" + gz + "\"", "gzip inflates to over 200x", "decompression bomb"});
  // An ordinary compressed table (~3x) of the same order reads.
  std::string ok = ::testing::TempDir() + "kgtext_ok.csv.gz";
  g = gzopen(ok.c_str(), "wb1");
  std::string rows = "id,v\n";
  for (int i = 0; i < 200000; ++i) rows += std::to_string(i * 7919 % 1000003) + "," + std::to_string(i) + "\n";
  gzwrite(g, rows.data(), unsigned(rows.size()));
  gzclose(g);
  EXPECT_EQ(read_table(ok).num_rows(), 200000u);
}
