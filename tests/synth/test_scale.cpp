// The PrimeKG-shaped kg.csv generator at a small scale: node counts per type, PrimeKG's 30
// relation names, every edge in both directions, quoted names, determinism.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "io/kgcsv.hpp"
#include "synth/scale.hpp"

namespace {

std::string slurp(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(PrimeKgLike, SmallInstanceHasPrimeKgShape) {
  const double scale = 0.01;
  const std::string path = ::testing::TempDir() + "primekg_like.csv";
  auto st = kg::synth::write_primekg_like(path, scale, 3);

  std::map<std::string, std::set<int64_t>> index_of_type;
  std::map<std::string, int64_t> rows_of_rel;
  std::multiset<std::tuple<int64_t, int64_t, std::string>> edges;
  int64_t rows = 0, quoted_commas = 0;
  kg::read_kg_csv(path, [&](const kg::KgRow& r) {
    ++rows;
    index_of_type[std::string(r.x_type)].insert(r.x_index);
    index_of_type[std::string(r.y_type)].insert(r.y_index);
    ++rows_of_rel[std::string(r.relation)];
    edges.emplace(r.x_index, r.y_index, std::string(r.relation));
    if (r.x_name.find(',') != std::string_view::npos) ++quoted_commas;
  });
  EXPECT_EQ(rows, st.rows);
  // 129,375 nodes at scale 1; each type's count scaled and rounded, every node on an edge
  int64_t nodes = 0;
  ASSERT_EQ(index_of_type.size(), 10u);
  for (const auto& [type, count] : kg::synth::primekg_type_counts()) {
    EXPECT_EQ(int64_t(index_of_type[type].size()), std::llround(double(count) * scale)) << type;
    nodes += int64_t(index_of_type[type].size());
  }
  EXPECT_EQ(nodes, st.nodes);
  EXPECT_EQ(kg::synth::primekg_relations().size(), 30u);
  ASSERT_EQ(rows_of_rel.size(), 30u);
  int64_t full = 0;
  for (const auto& r : kg::synth::primekg_relations()) {
    EXPECT_GE(rows_of_rel[r.name], 2 * std::max<int64_t>(1, std::llround(double(r.rows / 2) * scale))) << r.name;
    full += r.rows;
  }
  EXPECT_GT(full, 8000000);  // PrimeKG has ~8.1M rows
  EXPECT_LT(full, 8200000);
  EXPECT_GT(rows_of_rel["anatomy_protein_present"], rows_of_rel["exposure_cellcomp"]);
  for (const auto& [x, y, rel] : edges)  // both directions
    EXPECT_EQ(edges.count({y, x, rel}), edges.count({x, y, rel})) << x << " " << y << " " << rel;
  EXPECT_GT(quoted_commas, 0);
}

TEST(PrimeKgLike, DeterministicForTheSeed) {
  const std::string a = ::testing::TempDir() + "pkg_a.csv", b = ::testing::TempDir() + "pkg_b.csv",
                    c = ::testing::TempDir() + "pkg_c.csv";
  kg::synth::write_primekg_like(a, 0.002, 5);
  kg::synth::write_primekg_like(b, 0.002, 5);
  kg::synth::write_primekg_like(c, 0.002, 6);
  EXPECT_EQ(slurp(a), slurp(b));
  EXPECT_NE(slurp(a), slurp(c));
}

}  // namespace
