// kg::chem on the real LINCS tables: InChIKeys against LINCS pertinfo, CXSMILES rows of
// CIGER's drug_smiles.csv, and a check that bad rows cost nothing but a nullopt.
#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>
#include <sstream>

#include "chem/chem.hpp"
#include "core/error.hpp"

#include "support/kgtest.hpp"

namespace kg::chem {
namespace {

using kgtest::real_dir;

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, '\t')) out.push_back(field);
  if (!line.empty() && line.back() == '\t') out.emplace_back();
  return out;
}

// Reads a gzip text file line by line (lines here are well under 64 KiB).
std::vector<std::string> gz_lines(const std::string& path, size_t max_lines) {
  std::vector<std::string> lines;
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) return lines;
  std::vector<char> buf(1 << 16);
  while (lines.size() < max_lines && gzgets(f, buf.data(), int(buf.size()))) {
    std::string s(buf.data());
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    lines.push_back(std::move(s));
  }
  gzclose(f);
  return lines;
}

TEST(ChemReal, InchiKeysAgreeWithLincsPertinfo) {
  const std::string path = real_dir() + "/dhimmel-lincs/pertinfo.tsv.gz";
  if (!std::ifstream(path)) GTEST_SKIP() << "no real data at " << path;
  const auto lines = gz_lines(path, 100000);
  ASSERT_GT(lines.size(), 1u);
  const auto header = split_tabs(lines[0]);
  ASSERT_EQ(header.size(), 15u);
  ASSERT_EQ(header[12], "canonical_smiles");
  ASSERT_EQ(header[13], "inchi_key");

  size_t tried = 0, agree = 0, unparsed = 0;
  std::vector<std::string> misses;
  for (size_t i = 1; i < lines.size() && tried < 300; ++i) {
    const auto f = split_tabs(lines[i]);
    if (f.size() < 14 || f[12].empty() || f[13].empty()) continue;
    std::string want = f[13];
    const std::string prefix = "InChIKey=";
    if (want.compare(0, prefix.size(), prefix) == 0) want = want.substr(prefix.size());
    ++tried;
    auto mol = parse_smiles(f[12]);
    if (!mol) {
      ++unparsed;
      continue;
    }
    std::string got;
    try {
      got = inchikey(*mol);
    } catch (const kg::Error&) {
    }
    if (got == want) {
      ++agree;
    } else if (misses.size() < 20) {
      misses.push_back(f[0] + " " + f[12] + " want " + want + " got " + got);
    }
  }
  ASSERT_EQ(tried, 300u);
  std::string report;
  for (const auto& m : misses) report += "\n  " + m;
  // The required floor is 95% (285). Measured: 298; the two misses (BRD-K49448285,
  // BRD-K91601245) are LINCS keys of other structures (RDKit's own InChI gives our key). A
  // stereo bug once cost 6 rows and still passed 95%, so hold the measured figure.
  EXPECT_GE(agree, 298u) << "agree " << agree << "/300, unparsed " << unparsed << report;
  // Record the real rate so a regression below the floor is visible in the log.
  std::cout << report << "\n[ chem ] pertinfo InChIKey agreement " << agree << "/" << tried
            << ", unparsed " << unparsed << "\n";
}

TEST(ChemReal, CigerCxsmilesRowsParse) {
  const std::string path = real_dir() + "/CIGER/drug_smiles.csv";
  std::ifstream in(path);
  if (!in) GTEST_SKIP() << "no real data at " << path;
  size_t cx_rows = 0, parsed = 0, rows = 0, all_parsed = 0;
  std::string line;
  while (std::getline(in, line)) {
    ++rows;
    if (!line.empty() && line.back() == '\r') line.pop_back();  // the file has CRLF endings
    const size_t comma = line.find(',');
    ASSERT_NE(comma, std::string::npos) << "line " << rows;
    std::string smi = line.substr(comma + 1);
    if (smi.size() >= 2 && smi.front() == '"' && smi.back() == '"')
      smi = smi.substr(1, smi.size() - 2);
    const bool cx = smi.find(" |") != std::string::npos;
    auto mol = parse_smiles(smi);
    all_parsed += mol.has_value();
    if (cx) {
      ++cx_rows;
      if (mol) {
        ++parsed;
        EXPECT_EQ(canonical_smiles(*mol).find('|'), std::string::npos);
      }
    }
  }
  EXPECT_EQ(rows, 20068u);
  EXPECT_EQ(cx_rows, 75u);  // SOURCES.md: 75 rows carry CXSMILES extensions
  EXPECT_EQ(parsed, cx_rows);
  EXPECT_EQ(all_parsed, rows);  // every CIGER SMILES parses with RDKit 2022.09
  std::cout << "[ chem ] CIGER SMILES parsed " << all_parsed << "/" << rows << "\n";
}

}  // namespace
}  // namespace kg::chem
