// Compounds for the demo: scaffold = real ring system A + linker + real ring system B;
// compounds add acyclic substituents on A and B, so their Bemis-Murcko scaffold is the
// scaffold itself (scaffold groups are even in size, so scaffold splits are predictable).
#include "synth/compounds.hpp"

#include <fmt/format.h>

#include <set>

#include "chem/chem.hpp"
#include "core/error.hpp"
#include "synth/rng.hpp"

namespace kg::synth {
namespace {

// Ring systems with one substituent slot {0}; A ends on the atom the linker binds to.
const std::vector<std::string> kRingA{"c1cc{0}ccc1",      "c1cnc{0}cc1",     "c1ccc2cc{0}ccc2c1",
                                      "c1cc2cc{0}[nH]c2cc1", "c1ccc2nc{0}ccc2c1", "c1sc{0}cc1",
                                      "s1cnc{0}c1",        "c1cc{0}oc1",      "C1CC{0}CCN1"};
const std::vector<std::string> kLinker{"", "C", "CC", "C(=O)N", "NC(=O)", "O", "CO", "N", "S(=O)(=O)N"};
const std::vector<std::string> kRingB{"c3ccc{0}cc3", "c3ccnc{0}c3", "C3CCN{0}CC3", "C3CCOCC3{0}",
                                      "c3cc{0}c4ccccc4n3", "c3cnc{0}nc3", "C3CC3{0}"};
const std::vector<std::string> kSubst{"",   "C",       "CC",   "O",   "OC",     "F",  "Cl",
                                      "N",  "C(F)(F)F", "C(=O)O", "C#N", "CN(C)C", "CCO", "Br"};
const std::vector<std::string> kStems{"ab", "ben", "cor", "dal", "el", "fen", "gal", "hex", "ima", "lor",
                                      "mor", "nal", "or", "pra", "quin", "ros", "sel", "tor", "val", "zan"};
const std::vector<std::string> kSuffix{"tinib", "olol", "pril", "sartan", "azole", "statin", "mycin",
                                       "vir", "afil", "oxacin", "setron", "dipine", "tidine", "lukast"};

std::string fill(const std::string& tmpl, const std::string& s) {
  return fmt::format(fmt::runtime(tmpl), s.empty() ? std::string() : "(" + s + ")");
}

std::string scaffold_smiles(int64_t k, const std::string& sa, const std::string& sb) {
  int64_t a = k % int64_t(kRingA.size()), rest = k / int64_t(kRingA.size());
  int64_t l = rest % int64_t(kLinker.size()), b = (rest / int64_t(kLinker.size())) % int64_t(kRingB.size());
  return fill(kRingA[size_t(a)], sa) + kLinker[size_t(l)] + fill(kRingB[size_t(b)], sb);
}

}  // namespace

int32_t n_groups() { return int32_t(kSubst.size()); }

std::vector<ChemCompound> draw_compounds(int64_t n, int64_t n_scaffolds, uint64_t seed) {
  int64_t max_scaffolds = int64_t(kRingA.size() * kLinker.size() * kRingB.size());
  if (n_scaffolds > max_scaffolds)
    fail("config key \"synth.n_scaffolds\": at most {} scaffolds are available, got {}", max_scaffolds, n_scaffolds);
  Rng rng(seed, 301);
  std::vector<ChemCompound> out;
  std::set<std::string> smiles_seen, names_seen;
  // Scaffold order is shuffled per seed so different seeds use different ring systems.
  std::vector<int64_t> pick(static_cast<size_t>(max_scaffolds));
  for (int64_t i = 0; i < max_scaffolds; ++i) pick[size_t(i)] = i;
  rng.shuffle(pick);
  for (int64_t i = 0, tries = 0; int64_t(out.size()) < n; ++tries) {
    KG_CHECK(tries < 100 * n + 1000, "cannot draw {} distinct compounds", n);
    int32_t k = int32_t(i < n_scaffolds ? i : rng.below(n_scaffolds));
    std::array<int32_t, 2> groups{int32_t(rng.below(int64_t(kSubst.size()))), int32_t(rng.below(int64_t(kSubst.size())))};
    std::string raw = scaffold_smiles(pick[size_t(k)], kSubst[size_t(groups[0])], kSubst[size_t(groups[1])]);
    auto mol = chem::parse_smiles(raw);
    KG_CHECK(mol.has_value(), "generated SMILES does not parse: {}", raw);
    std::string smi = chem::canonical_smiles(*mol);
    if (!smiles_seen.insert(smi).second) continue;
    // Names share a suffix per scaffold, like drug classes.
    std::string name;
    do {
      name = kStems[size_t(rng.below(int64_t(kStems.size())))] + kStems[size_t(rng.below(int64_t(kStems.size())))] +
             kSuffix[size_t(k % int64_t(kSuffix.size()))];
      if (names_seen.count(name)) name = kStems[size_t(rng.below(int64_t(kStems.size())))] + name;
    } while (names_seen.count(name));
    names_seen.insert(name);
    out.push_back({name, smi, chem::inchikey(*mol), k, groups});
    ++i;
  }
  return out;
}

}  // namespace kg::synth
