// Tests for kg::chem: known InChIKeys, scaffolds and Morgan bit counts (expected values computed
// independently with RDKit's Python API / taken from PubChem), and the real LINCS tables.
#include <gtest/gtest.h>


#include <thread>

#include "chem/chem.hpp"
#include "core/error.hpp"

namespace kg::chem {
namespace {

Mol must_parse(const std::string& smi) {
  auto m = parse_smiles(smi);
  EXPECT_TRUE(m.has_value()) << smi;
  if (!m) throw std::runtime_error("unparsable test SMILES " + smi);
  return std::move(*m);
}

std::string key_of(const std::string& smi) { return inchikey(must_parse(smi)); }

size_t count_on(const std::vector<uint8_t>& bits) {
  size_t n = 0;
  for (uint8_t b : bits) n += b;
  return n;
}

TEST(Chem, InchiKeyKnownAnswers) {
  EXPECT_EQ(key_of("CCO"), "LFQSCWFLJHTTHZ-UHFFFAOYSA-N");                    // ethanol
  EXPECT_EQ(key_of("CC(=O)Oc1ccccc1C(=O)O"), "BSYNRYMUTXBXSQ-UHFFFAOYSA-N");  // aspirin
  EXPECT_EQ(key_of("Cn1cnc2c1c(=O)n(C)c(=O)n2C"), "RYYVLZVUVIJVGH-UHFFFAOYSA-N");  // caffeine
  EXPECT_EQ(key_of("CC(C)Cc1ccc(cc1)C(C)C(=O)O"), "HEFNNWSXXWATRW-UHFFFAOYSA-N");  // ibuprofen
  EXPECT_EQ(inchi(must_parse("CCO")), "InChI=1S/C2H6O/c1-2-3/h3H,2H2,1H3");
}

TEST(Chem, InchiKeyStereo) {
  // Tetrahedral centres with an implicit H, both senses (L- and D-alanine).
  EXPECT_EQ(key_of("C[C@@H](C(=O)O)N"), "QNAYBMKLOCPYGJ-REOHCLBHSA-N");
  EXPECT_EQ(key_of("C[C@H](C(=O)O)N"), "QNAYBMKLOCPYGJ-UWTATZPHSA-N");
  // The same centre written from another atom order must give the same key.
  EXPECT_EQ(key_of("N[C@@H](C)C(=O)O"), "QNAYBMKLOCPYGJ-REOHCLBHSA-N");
  // Double bonds: trans and cis 2-butene, trans 1-chloro-2-fluoroethene.
  EXPECT_EQ(key_of("C/C=C/C"), "IAQRGUVFOMOMEM-ONEGZZNKSA-N");
  EXPECT_EQ(key_of("C/C=C\\C"), "IAQRGUVFOMOMEM-ARJAWSKDSA-N");
  EXPECT_EQ(key_of("F/C=C/Cl"), "MTKHTBWXSHYCGS-OWOJBTEDSA-N");
  // Three-coordinate centre with a lone pair (sulfoxide), and a sugar with five centres.
  EXPECT_EQ(key_of("C[S@@](=O)c1ccccc1"), "JXTGICXCHWMCPM-SECBINFHSA-N");
  EXPECT_EQ(key_of("OC[C@H]1O[C@@H](O)[C@H](O)[C@@H](O)[C@@H]1O"),
            "WQZGKKKJIJFFOK-VFUOTHLCSA-N");
  // Four-neighbour centres, some opening ring closures (LINCS steroids and camptothecin).
  EXPECT_EQ(key_of("CC[C@@]12CC[C@@H]3[C@H](CCC4=CC(=O)CC[C@@H]34)[C@H]1CC[C@@]2(O)C#C"),
            "WWYNJERNGUHSAO-ZWMUSQMVSA-N");
  EXPECT_EQ(key_of("CC[C@@]1(O)C(=O)OCc2c1cc3-c4nc5ccc(O)cc5cc4Cn3c2=O"),
            "HAWSQZCWOQZXHI-FQEVSTJZSA-N");
  EXPECT_EQ(key_of("N[C@@](CC1c2ccccc2Oc3ccccc13)([C@H]4C[C@@H]4C(=O)O)C(=O)O"),
            "VLZBRVJVCCNPRJ-KPHUOKFYSA-N");
  EXPECT_EQ(key_of("C[C@](F)(Cl)Br"), key_of("F[C@@](C)(Cl)Br"));
  EXPECT_NE(key_of("C[C@](F)(Cl)Br"), key_of("C[C@@](F)(Cl)Br"));
}

TEST(Chem, ParseStripsCxsmilesAndRejectsBadInput) {
  EXPECT_EQ(strip_cxsmiles("CCO |c:1|"), "CCO");
  EXPECT_EQ(strip_cxsmiles("  c1ccccc1 benzene"), "c1ccccc1");
  auto m = parse_smiles("CCO |c:1|");
  ASSERT_TRUE(m);
  EXPECT_EQ(canonical_smiles(*m), "CCO");
  EXPECT_EQ(m->num_atoms(), 3u);
  EXPECT_FALSE(parse_smiles(""));
  EXPECT_FALSE(parse_smiles("   "));
  EXPECT_FALSE(parse_smiles("C1CC"));        // unclosed ring
  EXPECT_FALSE(parse_smiles("C(C"));         // unbalanced branch
  EXPECT_FALSE(parse_smiles("CC(C)(C)(C)C"));  // pentavalent carbon
  EXPECT_FALSE(parse_smiles("c1cccc1"));     // cannot be kekulized
  EXPECT_FALSE(parse_smiles("not a smiles"));
  EXPECT_FALSE(canonical_smiles(std::string_view("Xx")));
  EXPECT_FALSE(morgan_bits(std::string_view("C1CC")));
}

TEST(Chem, CanonicalSmilesIsOrderIndependent) {
  EXPECT_EQ(*canonical_smiles(std::string_view("OCC")), "CCO");
  EXPECT_EQ(*canonical_smiles(std::string_view("Cn1cnc2c1c(=O)n(C)c(=O)n2C")),
            "Cn1c(=O)c2c(ncn2C)n(C)c1=O");
  EXPECT_EQ(*canonical_smiles(std::string_view("C1=CC=CC=C1")), "c1ccccc1");
  EXPECT_EQ(*canonical_smiles(std::string_view("N[C@@H](C)C(=O)O")), "C[C@H](N)C(=O)O");
}

TEST(Chem, MurckoScaffold) {
  EXPECT_EQ(murcko_scaffold(must_parse("CC(=O)Oc1ccccc1C(=O)O")), "c1ccccc1");       // aspirin
  EXPECT_EQ(murcko_scaffold(must_parse("CC(C)Cc1ccc(cc1)C(C)C(=O)O")), "c1ccccc1");  // ibuprofen
  EXPECT_EQ(murcko_scaffold(must_parse("CCO")), "");
  EXPECT_EQ(murcko_scaffold(must_parse("CC(C)(C)C(=O)OCC")), "");
  EXPECT_EQ(murcko_scaffold(must_parse("CC1CCCCC1")), "C1CCCCC1");
  // Exocyclic double bonds stay; N-substituents go and the ring N gets its H back.
  EXPECT_EQ(murcko_scaffold(must_parse("Cn1cnc2c1c(=O)n(C)c(=O)n2C")),
            "O=c1[nH]c(=O)c2[nH]cnc2[nH]1");
  EXPECT_EQ(murcko_scaffold(must_parse("Cn1ccc2ccccc21")), "c1ccc2[nH]ccc2c1");
  // Linkers between rings are part of the scaffold.
  EXPECT_EQ(murcko_scaffold(must_parse("Cc1ccc(CCc2ccccn2)cc1")), "c1ccc(CCc2ccccn2)cc1");
}

TEST(Chem, MorganBitCounts) {
  // Counts from RDKit Python GetMorganFingerprintAsBitVect(mol, r, n).GetNumOnBits().
  struct Case { const char* smi; size_t r2n2048, r1n1024; };
  const Case cases[] = {{"CCO", 6, 6},
                        {"CC(=O)Oc1ccccc1C(=O)O", 24, 16},
                        {"Cn1cnc2c1c(=O)n(C)c(=O)n2C", 25, 16},
                        {"CC(C)Cc1ccc(cc1)C(C)C(=O)O", 25, 17},
                        {"O=c1ccc2ccccc2o1", 20, 11}};
  for (const Case& c : cases) {
    auto fp = morgan_bits(must_parse(c.smi), 2, 2048);
    ASSERT_EQ(fp.size(), 2048u);
    EXPECT_EQ(count_on(fp), c.r2n2048) << c.smi;
    EXPECT_EQ(count_on(*morgan_bits(std::string_view(c.smi), 1, 1024)), c.r1n1024) << c.smi;
  }
  // Exact positions for ethanol (radius 2, 2048 bits).
  auto eth = morgan_bits(must_parse("CCO"));
  std::vector<int> on;
  for (int i = 0; i < 2048; ++i)
    if (eth[i]) on.push_back(i);
  EXPECT_EQ(on, (std::vector<int>{80, 222, 294, 807, 1057, 1410}));
}

TEST(Chem, Tanimoto) {
  auto a = morgan_bits(must_parse("CC(=O)Oc1ccccc1C(=O)O"));
  auto b = morgan_bits(must_parse("CC(C)Cc1ccc(cc1)C(C)C(=O)O"));
  EXPECT_DOUBLE_EQ(tanimoto(a, a), 1.0);
  EXPECT_DOUBLE_EQ(tanimoto(a, b), tanimoto(b, a));
  EXPECT_GT(tanimoto(a, b), 0.0);
  EXPECT_LT(tanimoto(a, b), 1.0);
  EXPECT_DOUBLE_EQ(tanimoto(pack(a), pack(b)), tanimoto(a, b));
  EXPECT_DOUBLE_EQ(tanimoto(pack(a), pack(a)), 1.0);
  // Hand example: {0,1,2} vs {1,2,3} -> 2/4.
  std::vector<uint8_t> x{1, 1, 1, 0, 0}, y{0, 1, 1, 1, 0}, z(5, 0);
  EXPECT_DOUBLE_EQ(tanimoto(x, y), 0.5);
  EXPECT_DOUBLE_EQ(tanimoto(pack(x), pack(y)), 0.5);
  EXPECT_DOUBLE_EQ(tanimoto(x, z), 0.0);
  EXPECT_DOUBLE_EQ(tanimoto(z, z), 1.0);
  EXPECT_THROW(tanimoto(x, std::vector<uint8_t>(4, 0)), kg::InternalError);
}

TEST(Chem, BadSmilesAreSilent) {
  // parse_smiles turns RDKit's loggers on (InitLogs) and then off; nothing may reach stderr.
  testing::internal::CaptureStderr();
  EXPECT_FALSE(parse_smiles("C1CC"));
  EXPECT_FALSE(parse_smiles("CC(C)(C)(C)C"));
  EXPECT_FALSE(parse_smiles("c1cccc1"));
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}

TEST(Chem, ConcurrentUseMatchesSerial) {
  const std::vector<std::string> smiles = {"CC(=O)Oc1ccccc1C(=O)O", "Cn1cnc2c1c(=O)n(C)c(=O)n2C",
                                           "C[C@@H](C(=O)O)N",
                                           "OC[C@H]1O[C@@H](O)[C@H](O)[C@@H](O)[C@@H]1O"};
  auto work = [&](size_t i) {
    auto m = must_parse(smiles[i % smiles.size()]);
    return canonical_smiles(m) + murcko_scaffold(m) + inchikey(m) +
           std::to_string(count_on(morgan_bits(m)));
  };
  std::vector<std::string> serial(64), threaded(64);
  for (size_t i = 0; i < 64; ++i) serial[i] = work(i);
  std::vector<std::thread> pool;
  for (size_t t = 0; t < 4; ++t)
    pool.emplace_back([&, t] {
      for (size_t i = t; i < 64; i += 4) threaded[i] = work(i);
    });
  for (auto& th : pool) th.join();
  EXPECT_EQ(serial, threaded);
}

TEST(Chem, InchiRejectsDummyAtoms) {
  EXPECT_THROW(inchikey(must_parse("*CC")), kg::Error);
}

}  // namespace
}  // namespace kg::chem
