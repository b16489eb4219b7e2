// Tests for the demo compound generator: library sanity, determinism, uniqueness, scaffold
// preservation, scaffold counts, errors and speed at 20k compounds.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>

#include "chem/chem.hpp"
#include "chem/generate.hpp"
#include "core/error.hpp"

namespace kg::chem {
namespace {

TEST(Generate, LibraryScaffoldsAreTheirOwnMurckoScaffolds) {
  const auto& lib = scaffold_library();
  EXPECT_GE(lib.size(), 60u);
  std::set<std::string> canon;
  for (const ScaffoldDef& d : lib) {
    auto m = parse_smiles(d.smiles);
    ASSERT_TRUE(m) << d.name;
    EXPECT_EQ(murcko_scaffold(*m), canonical_smiles(*m)) << d.name;
    canon.insert(canonical_smiles(*m));
  }
  EXPECT_EQ(canon.size(), lib.size()) << "two library entries are the same ring system";
  // Spot checks that the names mean what they say.
  std::map<std::string, std::string> by_name;
  for (const ScaffoldDef& d : lib) by_name[d.name] = *canonical_smiles(std::string_view(d.smiles));
  EXPECT_EQ(by_name.at("benzene"), "c1ccccc1");
  EXPECT_EQ(by_name.at("indole"), "c1ccc2[nH]ccc2c1");
  EXPECT_EQ(inchikey(*parse_smiles(lib.front().smiles)), "UHOVQNZJYSORNB-UHFFFAOYSA-N");
}

TEST(Generate, SubstituentsAreAcyclic) {
  for (const char* s : substituent_library()) {
    auto m = parse_smiles(s);
    ASSERT_TRUE(m) << s;
    EXPECT_EQ(murcko_scaffold(*m), "") << s;
  }
}

void expect_valid(const std::vector<Compound>& cs, size_t n, size_t n_scaffolds) {
  ASSERT_EQ(cs.size(), n);
  std::set<std::string> smiles, names, keys;
  std::map<int32_t, std::string> scaffold_of;
  for (const Compound& c : cs) {
    auto m = parse_smiles(c.smiles);
    ASSERT_TRUE(m) << c.smiles;
    EXPECT_EQ(canonical_smiles(*m), c.smiles);
    EXPECT_EQ(murcko_scaffold(*m), c.scaffold_smiles) << c.smiles;
    EXPECT_NE(c.smiles, c.scaffold_smiles) << "every compound carries a substituent";
    EXPECT_EQ(inchikey(*m), c.inchikey);
    ASSERT_GE(c.scaffold_index, 0);
    ASSERT_LT(size_t(c.scaffold_index), n_scaffolds);
    auto [it, fresh] = scaffold_of.emplace(c.scaffold_index, c.scaffold_smiles);
    EXPECT_EQ(it->second, c.scaffold_smiles) << "scaffold index " << c.scaffold_index;
    EXPECT_GE(c.name.size(), 5u);
    EXPECT_TRUE(std::isupper(static_cast<unsigned char>(c.name[0]))) << c.name;
    smiles.insert(c.smiles);
    names.insert(c.name);
    keys.insert(c.inchikey);
  }
  EXPECT_EQ(smiles.size(), n);
  EXPECT_EQ(names.size(), n);
  EXPECT_EQ(keys.size(), n);
  EXPECT_EQ(scaffold_of.size(), n_scaffolds);
  std::set<std::string> distinct;
  for (auto& [i, s] : scaffold_of) distinct.insert(s);
  EXPECT_EQ(distinct.size(), n_scaffolds) << "two indices share one scaffold";
}

TEST(Generate, ValidUniqueAndScaffoldPreserving) {
  const auto cs = generate_compounds(600, 40, 7);
  expect_valid(cs, 600, 40);
  // Every scaffold comes from the library.
  std::set<std::string> lib;
  for (const ScaffoldDef& d : scaffold_library())
    lib.insert(*canonical_smiles(std::string_view(d.smiles)));
  for (const Compound& c : cs) EXPECT_TRUE(lib.count(c.scaffold_smiles)) << c.scaffold_smiles;
}

TEST(Generate, Deterministic) {
  const auto a = generate_compounds(300, 25, 42);
  const auto b = generate_compounds(300, 25, 42);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].smiles, b[i].smiles);
    EXPECT_EQ(a[i].scaffold_index, b[i].scaffold_index);
    EXPECT_EQ(a[i].scaffold_smiles, b[i].scaffold_smiles);
    EXPECT_EQ(a[i].inchikey, b[i].inchikey);
    EXPECT_EQ(a[i].name, b[i].name);
  }
  const auto c = generate_compounds(300, 25, 43);
  size_t same = 0;
  for (size_t i = 0; i < a.size(); ++i) same += a[i].smiles == c[i].smiles;
  EXPECT_LT(same, 30u) << "another seed should give other compounds";
}

TEST(Generate, SkewedButEveryScaffoldUsed) {
  const auto cs = generate_compounds(2000, 50, 3);
  std::vector<size_t> per(50, 0);
  for (const Compound& c : cs) ++per[size_t(c.scaffold_index)];
  for (size_t k = 0; k < per.size(); ++k) EXPECT_GE(per[k], 1u) << k;
  // Zipf-like weights 1/(k+1)^0.8: slot 0 gets far more than slot 49 (expected ~23x).
  EXPECT_GT(per[0], 5 * per[49]);
}

TEST(Generate, MoreScaffoldsThanTheLibraryUsesLinkedPairs) {
  const size_t n_scaffolds = scaffold_library().size() + 60;
  const auto cs = generate_compounds(400, n_scaffolds, 11);
  expect_valid(cs, 400, n_scaffolds);
}

TEST(Generate, EdgeCasesAndErrors) {
  EXPECT_TRUE(generate_compounds(0, 0, 1).empty());
  const auto one = generate_compounds(1, 1, 1);
  expect_valid(one, 1, 1);
  EXPECT_THROW(generate_compounds(5, 0, 1), kg::Error);
  EXPECT_THROW(generate_compounds(5, 6, 1), kg::Error);
}

TEST(Generate, TwentyThousandCompoundsInSeconds) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto cs = generate_compounds(20000, 60, 5);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(cs.size(), 20000u);
  std::set<std::string> smiles, keys, names;
  std::set<int32_t> scaffolds;
  for (const Compound& c : cs) {
    smiles.insert(c.smiles);
    keys.insert(c.inchikey);
    names.insert(c.name);
    scaffolds.insert(c.scaffold_index);
  }
  EXPECT_EQ(smiles.size(), 20000u);
  EXPECT_EQ(keys.size(), 20000u);
  EXPECT_EQ(names.size(), 20000u);
  EXPECT_EQ(scaffolds.size(), 60u);
  std::cout << "[ chem ] generate_compounds(20000, 60): " << s << " s\n";
  EXPECT_LT(s, 120.0) << "far slower than expected (seconds)";
}

}  // namespace
}  // namespace kg::chem
