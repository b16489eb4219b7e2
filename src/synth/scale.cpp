// PrimeKG-shaped kg.csv generator: per-type node tables, then per relation a number of
// random pairs with power-law endpoint choice, each written as two rows (x->y, y->x).
#include "synth/scale.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "io/kgcsv.hpp"

namespace kg::synth {

const std::vector<std::pair<std::string, int64_t>>& primekg_type_counts() {
  static const std::vector<std::pair<std::string, int64_t>> t{
      {"gene/protein", 27671},       {"drug", 7957},
      {"disease", 17080},            {"effect/phenotype", 15311},
      {"biological_process", 28642}, {"molecular_function", 11169},
      {"cellular_component", 4176},  {"pathway", 2516},
      {"anatomy", 14035},            {"exposure", 818}};
  return t;
}

const std::vector<ScaleRelation>& primekg_relations() {
  static const char *G = "gene/protein", *D = "drug", *DI = "disease", *P = "effect/phenotype",
                    *BP = "biological_process", *MF = "molecular_function",
                    *CC = "cellular_component", *PW = "pathway", *A = "anatomy", *E = "exposure";
  static const std::vector<ScaleRelation> r{
      {"protein_protein", "ppi", G, G, 642150},
      {"drug_protein", "target", D, G, 51306},
      {"contraindication", "contraindication", D, DI, 61350},
      {"indication", "indication", D, DI, 18776},
      {"off-label use", "off-label use", D, DI, 5136},
      {"drug_drug", "synergistic interaction", D, D, 2672628},
      {"phenotype_protein", "associated with", P, G, 6660},
      {"phenotype_phenotype", "parent-child", P, P, 37472},
      {"disease_phenotype_negative", "phenotype absent", DI, P, 2386},
      {"disease_phenotype_positive", "phenotype present", DI, P, 300634},
      {"disease_protein", "associated with", DI, G, 160822},
      {"disease_disease", "parent-child", DI, DI, 64388},
      {"drug_effect", "side effect", D, P, 129568},
      {"bioprocess_bioprocess", "parent-child", BP, BP, 105772},
      {"molfunc_molfunc", "parent-child", MF, MF, 27148},
      {"cellcomp_cellcomp", "parent-child", CC, CC, 9690},
      {"molfunc_protein", "interacts with", MF, G, 139060},
      {"cellcomp_protein", "interacts with", CC, G, 166804},
      {"bioprocess_protein", "interacts with", BP, G, 289610},
      {"exposure_protein", "interacts with", E, G, 2424},
      {"exposure_disease", "linked to", E, DI, 4608},
      {"exposure_exposure", "parent-child", E, E, 4140},
      {"exposure_bioprocess", "interacts with", E, BP, 3250},
      {"exposure_molfunc", "interacts with", E, MF, 90},
      {"exposure_cellcomp", "interacts with", E, CC, 20},
      {"pathway_pathway", "parent-child", PW, PW, 5070},
      {"pathway_protein", "interacts with", PW, G, 85292},
      {"anatomy_anatomy", "parent-child", A, A, 28064},
      {"anatomy_protein_present", "expression present", A, G, 3036406},
      {"anatomy_protein_absent", "expression absent", A, G, 39774}};
  return r;
}

namespace {

// splitmix64: small, fast and good enough for synthetic structure.
struct Rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double uniform() { return double(next() >> 11) * 0x1.0p-53; }
};

using TypeNodes = ScaleNodes;

const char* kWords[] = {"alpha",  "beta",    "kinase",  "receptor", "acute",  "chronic",
                        "type",   "syndrome", "cell",   "membrane", "binding", "activity",
                        "nuclear", "factor",  "protein", "response", "lymph",  "cardiac",
                        "renal",  "neural",  "signal",  "transport", "growth", "complex"};

std::string node_name(Rng& rng, const std::string& type, int64_t i) {
  const size_t W = sizeof kWords / sizeof *kWords;
  std::string n = fmt::format("{} {} {}", kWords[rng.next() % W], kWords[rng.next() % W], i);
  // PrimeKG names often hold commas ("carcinoma, squamous cell"): those must be quoted.
  if (type == "disease" || type == "effect/phenotype" || rng.next() % 20 == 0)
    if (rng.next() % 3 == 0) n += fmt::format(", {} {}", kWords[rng.next() % W], i % 7);
  return n;
}

std::string node_id(const std::string& type, int64_t i) {
  if (type == "drug") return fmt::format("DB{:05d}", i + 1);
  if (type == "pathway") return fmt::format("R-HSA-{}", 100000 + i);
  if (type == "exposure") return fmt::format("D{:06d}", i + 1);
  return std::to_string(1000 + i);
}

std::string source_of(const std::string& type) {
  if (type == "gene/protein") return "NCBI";
  if (type == "drug") return "DrugBank";
  if (type == "disease") return "MONDO";
  if (type == "effect/phenotype") return "HPO";
  if (type == "pathway") return "REACTOME";
  if (type == "anatomy") return "UBERON";
  if (type == "exposure") return "CTD";
  return "GO";
}

std::vector<TypeNodes> make_nodes(Rng& rng, double scale) {
  std::vector<TypeNodes> out;
  int64_t first = 0;
  for (const auto& [type, count] : primekg_type_counts()) {
    TypeNodes t;
    t.type = type;
    t.source = source_of(type);
    t.first = first;
    const int64_t n = std::max<int64_t>(1, std::llround(double(count) * scale));
    for (int64_t i = 0; i < n; ++i) {
      t.id.push_back(node_id(type, i));
      t.name.push_back(node_name(rng, type, i));
    }
    first += n;
    out.push_back(std::move(t));
  }
  return out;
}

// Skewed choice: u^3 puts most edges on the first nodes (hubs), like PrimeKG's degrees.
int64_t pick(Rng& rng, int64_t n) { return std::min(n - 1, int64_t(double(n) * std::pow(rng.uniform(), 3.0))); }

const TypeNodes& nodes_of(const std::vector<TypeNodes>& all, const char* type) {
  for (const auto& t : all)
    if (t.type == type) return t;
  return all.front();  // unreachable: the relation table names only the ten types
}

Rng node_rng(uint64_t seed) { return Rng{seed * 0x2545f4914f6cdd1dull + 1}; }

}  // namespace

std::vector<ScaleNodes> primekg_like_nodes(double scale, uint64_t seed) {
  Rng rng = node_rng(seed);
  return make_nodes(rng, scale);
}

ScaleStats write_primekg_like(const std::string& path, double scale, uint64_t seed) {
  Rng rng = node_rng(seed);  // names first, then edges from the same stream
  auto nodes = make_nodes(rng, scale);
  ScaleStats st;
  for (const auto& t : nodes) st.nodes += int64_t(t.id.size());
  KgCsvWriter w(path);
  std::vector<char> used(size_t(st.nodes), 0);
  auto add_pair = [&](const ScaleRelation& r, const TypeNodes& X, int64_t x, const TypeNodes& Y, int64_t y) {
    auto xs = size_t(x), ys = size_t(y);
    used[size_t(X.first + x)] = used[size_t(Y.first + y)] = 1;
    w.add(r.name, r.display, X.first + x, X.id[xs], X.type, X.name[xs], X.source,
          Y.first + y, Y.id[ys], Y.type, Y.name[ys], Y.source);
    w.add(r.name, r.display, Y.first + y, Y.id[ys], Y.type, Y.name[ys], Y.source,
          X.first + x, X.id[xs], X.type, X.name[xs], X.source);
  };
  for (const auto& r : primekg_relations()) {
    const TypeNodes& X = nodes_of(nodes, r.x_type);
    const TypeNodes& Y = nodes_of(nodes, r.y_type);
    const auto nx = int64_t(X.id.size()), ny = int64_t(Y.id.size());
    const int64_t pairs = std::max<int64_t>(1, std::llround(double(r.rows / 2) * scale));
    for (int64_t p = 0; p < pairs; ++p) {
      int64_t x = pick(rng, nx), y = pick(rng, ny);
      if (&X == &Y && x == y && ny > 1) y = (y + 1) % ny;  // no self loops
      add_pair(r, X, x, Y, y);
    }
  }
  // Every PrimeKG node has an edge (kg.csv is the only place nodes appear): give each node the
  // skew left out one edge, in the first relation that has its type at one end.
  for (const auto& t : nodes) {
    const ScaleRelation* rel = nullptr;
    for (const auto& r : primekg_relations())
      if (t.type == r.x_type || t.type == r.y_type) { rel = &r; break; }
    for (int64_t i = 0; i < int64_t(t.id.size()); ++i) {
      if (used[size_t(t.first + i)] || !rel) continue;
      const bool as_x = t.type == rel->x_type;
      const TypeNodes& O = nodes_of(nodes, as_x ? rel->y_type : rel->x_type);
      int64_t o = pick(rng, int64_t(O.id.size()));
      if (&O == &t && o == i) o = (o + 1) % int64_t(O.id.size());
      if (as_x) add_pair(*rel, t, i, O, o);
      else add_pair(*rel, O, o, t, i);
    }
  }
  st.rows = w.rows();
  w.commit();
  return st;
}

}  // namespace kg::synth
