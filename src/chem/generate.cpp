// Demo compound generator: picks scaffolds (library ring systems, then linked pairs), decorates
// ring carbons with acyclic substituents, and checks every compound against its scaffold.
#include "chem/generate.hpp"

#include <GraphMol/GraphMol.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "chem/chem.hpp"
#include "core/error.hpp"

namespace kg::chem {
namespace {

// SplitMix64: tiny, fast and identical everywhere (std:: distributions are not).
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed ^ 0x6b67706572742d63ULL) {}
  uint64_t next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  size_t below(size_t n) { return size_t((unsigned __int128)next() * n >> 64); }
  double uniform() { return double(next() >> 11) * 0x1.0p-53; }
  template <typename T>
  void shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
  }

 private:
  uint64_t s_;
};

// A scaffold ready to decorate: the molecule and its decoration sites.
struct Template {
  std::string smiles;  // canonical
  std::unique_ptr<RDKit::RWMol> mol;
  std::vector<unsigned> sites;  // ring carbons with at least one H
};

Template make_template(const std::string& smiles) {
  auto m = parse_smiles(smiles);
  KG_CHECK(m.has_value(), "scaffold SMILES does not parse: {}", smiles);
  Template t;
  t.smiles = canonical_smiles(*m);
  KG_CHECK(murcko_scaffold(*m) == t.smiles, "{} is not its own Murcko scaffold", smiles);
  t.mol = std::make_unique<RDKit::RWMol>(m->rdkit());
  const RDKit::RingInfo* rings = t.mol->getRingInfo();
  for (const RDKit::Atom* a : t.mol->atoms())
    if (a->getAtomicNum() == 6 && rings->numAtomRings(a->getIdx()) > 0 && a->getTotalNumHs() > 0)
      t.sites.push_back(a->getIdx());
  KG_CHECK(!t.sites.empty(), "scaffold {} has no decoration site", smiles);
  return t;
}

// Bonds `frag` (its atom `head`) to atom `at` of `mol`; returns the index `frag`'s atom
// `tail` got in `mol`.
unsigned attach(RDKit::RWMol& mol, unsigned at, const RDKit::ROMol& frag, unsigned head,
                unsigned tail) {
  const unsigned offset = mol.getNumAtoms();
  mol.insertMol(frag);
  mol.addBond(at, offset + head, RDKit::Bond::SINGLE);
  return offset + tail;
}

// Canonical SMILES of a sanitised edit of a template, or "" when RDKit rejects it.
std::string finish(RDKit::RWMol& mol) {
  try {
    RDKit::MolOps::sanitizeMol(mol);
  } catch (...) {
    return "";
  }
  return RDKit::MolToSmiles(mol);
}

struct Linker {
  const char* smiles;  // "" = a direct bond
  unsigned head, tail;
};
const Linker kLinkers[] = {{"", 0, 0},     {"C", 0, 0},        {"CC", 0, 1},
                           {"O", 0, 0},    {"N", 0, 0},        {"C(=O)N", 0, 2},
                           {"OC", 0, 1},   {"S(=O)(=O)N", 0, 3}, {"NC(=O)N", 0, 3}};

// Scaffolds beyond the library: two library ring systems joined through a linker.
std::vector<std::string> linked_scaffolds(const std::vector<Template>& lib, size_t count,
                                          std::unordered_set<std::string>& seen, Rng& rng) {
  std::vector<std::string> out;
  for (size_t tries = 0; out.size() < count; ++tries) {
    if (tries > 200 * count + 1000) fail("cannot build {} distinct linked scaffolds", count);
    const Template& a = lib[rng.below(lib.size())];
    const Template& b = lib[rng.below(lib.size())];
    const Linker& l = kLinkers[rng.below(std::size(kLinkers))];
    RDKit::RWMol m(*a.mol);
    unsigned end = a.sites[rng.below(a.sites.size())];
    if (*l.smiles) {
      auto lm = parse_smiles(l.smiles);
      KG_CHECK(lm.has_value());
      end = attach(m, end, lm->rdkit(), l.head, l.tail);
    }
    attach(m, end, *b.mol, b.sites[rng.below(b.sites.size())], 0);
    std::string smi = finish(m);
    if (smi.empty() || !seen.insert(smi).second) continue;
    out.push_back(std::move(smi));
  }
  return out;
}

// Real drug-name stems, one per scaffold slot, so that a scaffold reads like a drug class.
const char* const kSuffixes[] = {"nib",   "zole",   "pril",  "sartan", "olol",  "azepam",
                                 "mycin", "vir",    "profen", "dipine", "oxacin", "triptan",
                                 "setron", "lukast", "gliptin", "statin", "azine", "idine",
                                 "afil",  "tidine", "conazole", "parin", "semide", "tacrine"};
const char* const kOnsets[] = {"b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t",
                               "v", "z", "br", "cl", "tr", "pr", "fl", "gr", "qu", "x"};
const char* const kVowels[] = {"a", "e", "i", "o", "u", "ae", "ia", "o"};

std::string make_name(size_t slot, Rng& rng, std::unordered_set<std::string>& seen) {
  for (size_t syllables = 2;; ++syllables) {
    for (int attempt = 0; attempt < 20; ++attempt) {
      std::string name;
      for (size_t s = 0; s < syllables; ++s) {
        name += kOnsets[rng.below(std::size(kOnsets))];
        name += kVowels[rng.below(std::size(kVowels))];
      }
      name += kSuffixes[slot % std::size(kSuffixes)];
      name[0] = char(name[0] - 'a' + 'A');
      if (seen.insert(name).second) return name;
    }
  }
}

// Zipf-like share of the compounds beyond the first one per scaffold.
class SlotSampler {
 public:
  explicit SlotSampler(size_t n) : w_(n) {
    for (size_t i = 0; i < n; ++i) w_[i] = 1.0 / std::pow(double(i + 1), 0.8);
    rebuild();
  }
  bool empty() const { return cum_.empty() || cum_.back() <= 0; }
  size_t draw(Rng& rng) const {
    const double u = rng.uniform() * cum_.back();
    return size_t(std::upper_bound(cum_.begin(), cum_.end(), u) - cum_.begin());
  }
  void retire(size_t slot) { w_[slot] = 0, rebuild(); }

 private:
  void rebuild() {
    cum_.resize(w_.size());
    double c = 0;
    for (size_t i = 0; i < w_.size(); ++i) cum_[i] = (c += w_[i]);
  }
  std::vector<double> w_, cum_;
};

// One decorated copy of template t: 1-3 distinct sites, a random substituent on each.
std::string decorate(const Template& t, const std::vector<Mol>& subs, Rng& rng) {
  std::vector<unsigned> sites = t.sites;
  const size_t k = std::min(sites.size(), 1 + rng.below(3));
  for (size_t i = 0; i < k; ++i) std::swap(sites[i], sites[i + rng.below(sites.size() - i)]);
  RDKit::RWMol m(*t.mol);
  for (size_t i = 0; i < k; ++i) attach(m, sites[i], subs[rng.below(subs.size())].rdkit(), 0, 0);
  return finish(m);
}

}  // namespace

std::vector<Compound> generate_compounds(size_t n, size_t n_scaffolds, uint64_t seed) {
  if (n == 0) return {};
  if (n_scaffolds == 0) fail("cannot draw {} compounds from 0 scaffolds", n);
  if (n < n_scaffolds)
    fail("{} scaffolds need at least as many compounds, got {}", n_scaffolds, n);
  Rng rng(seed);

  // Scaffold slots: the library in a seeded order, then linked pairs when more are asked for.
  std::vector<Template> lib;
  for (const ScaffoldDef& d : scaffold_library()) lib.push_back(make_template(d.smiles));
  std::vector<size_t> order(lib.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  rng.shuffle(order);
  std::vector<Template> slots;
  std::unordered_set<std::string> scaffold_seen;
  for (const Template& t : lib) scaffold_seen.insert(t.smiles);
  for (size_t i = 0; i < std::min(n_scaffolds, lib.size()); ++i)
    slots.push_back(make_template(lib[order[i]].smiles));
  if (n_scaffolds > lib.size())
    for (const std::string& s : linked_scaffolds(lib, n_scaffolds - lib.size(), scaffold_seen, rng))
      slots.push_back(make_template(s));

  std::vector<Mol> subs;
  for (const char* s : substituent_library()) subs.push_back(*parse_smiles(s));

  std::vector<Compound> out;
  out.reserve(n);
  std::unordered_set<std::string> smiles_seen, keys_seen, names_seen;
  std::vector<size_t> misses(slots.size(), 0);
  SlotSampler sampler(slots.size());
  // A decoration that repeats an earlier compound, or only re-draws one as another tautomer
  // (2-hydroxyquinoline = quinolin-2-one: different SMILES, one InChIKey), is a miss; a
  // scaffold that keeps missing is full and stops being drawn.
  auto miss = [&](size_t slot) {
    if (++misses[slot] > 200 && out.size() >= slots.size()) {
      sampler.retire(slot);
      if (sampler.empty())
        fail("{} scaffolds hold fewer than {} distinct compounds", n_scaffolds, n);
    }
  };
  while (out.size() < n) {
    // The first compound of every scaffold comes first, so each scaffold is used.
    const size_t slot = out.size() < slots.size() ? out.size() : sampler.draw(rng);
    const Template& t = slots[slot];
    std::string smi = decorate(t, subs, rng);
    if (smi.empty() || !smiles_seen.insert(smi).second) {
      miss(slot);
      continue;
    }
    auto mol = parse_smiles(smi);
    KG_CHECK(mol.has_value(), "generated SMILES does not parse: {}", smi);
    KG_CHECK(canonical_smiles(*mol) == smi, "SMILES not canonical after a round trip: {}", smi);
    KG_CHECK(murcko_scaffold(*mol) == t.smiles, "{} lost its scaffold {}", smi, t.smiles);
    std::string key = inchikey(*mol);
    if (!keys_seen.insert(key).second) {
      miss(slot);
      continue;
    }
    misses[slot] = 0;
    Compound c;
    c.smiles = std::move(smi);
    c.scaffold_index = int32_t(slot);
    c.scaffold_smiles = t.smiles;
    c.inchikey = std::move(key);
    c.name = make_name(slot, rng, names_seen);
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace kg::chem
