// Assembles the demo in memory: gene and compound identities, the world, the graph.
#include "synth/demo.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "core/error.hpp"
#include "io/lincs.hpp"
#include "synth/compounds.hpp"
#include "synth/rng.hpp"

namespace kg::synth {
namespace {

constexpr int64_t kLandmarks = 978;
enum Stream : uint64_t { kIds = 201, kVocab };

void check_sizes(const SynthConfig& s) {
  if (s.n_pathways > kLandmarks)
    fail("config key \"synth.n_pathways\": {} pathways exceed the {} landmark genes", s.n_pathways, kLandmarks);
  if (s.n_proteins < s.n_pathways)
    fail("config key \"synth.n_proteins\": {} is below synth.n_pathways ({}); every pathway needs a protein",
         s.n_proteins, s.n_pathways);
  if (s.doses.empty()) fail("config key \"synth.doses\": needs at least one dose");
  if (s.times.empty()) fail("config key \"synth.times\": needs at least one time");
}


// The non-landmark proteins: generated NCBI-like ids that avoid the landmarks' ids.
void add_other_genes(std::vector<GeneIdentity>& genes, int64_t n) {
  std::set<std::string> used;
  for (const auto& g : genes) used.insert(g.entrez);
  for (int64_t j = 0, k = 0; j < n; ++k) {
    std::string id = fmt::format("{}", 5000000 + k);
    if (used.count(id)) continue;
    genes.push_back({id, fmt::format("SYNP{:05d}", j + 1), fmt::format("synthetic protein {}", j + 1)});
    ++j;
  }
}

}  // namespace

std::string lower(std::string s) {
  for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string capitalise(std::string s) {
  if (!s.empty()) s[0] = char(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

std::vector<std::string> brd_ids(int64_t n, uint64_t seed, uint64_t stream) {
  Rng rng(seed, stream);
  std::set<int64_t> used;
  std::vector<std::string> out;
  while (int64_t(out.size()) < n) {
    int64_t v = 10000000 + rng.below(89999999);
    if (used.insert(v).second) out.push_back(fmt::format("BRD-K{}", v));
  }
  return out;
}

std::vector<GeneIdentity> landmark_genes(const std::string& path) {
  std::vector<GeneIdentity> out;
  if (path.empty()) {
    for (int64_t i = 0; i < kLandmarks; ++i)
      out.push_back({fmt::format("{}", 1000 + 17 * i), fmt::format("SYNL{:03d}", i + 1),
                     fmt::format("synthetic landmark gene {}", i + 1)});
    return out;
  }
  GeneInfo table = read_gene_info(path);
  for (const auto& g : table.rows)
    if (g.is_landmark) out.push_back({g.gene_id, g.symbol, g.title});
  if (int64_t(out.size()) != kLandmarks)
    fail_file("gene table", path, "expected {} landmark genes, found {}", kLandmarks, out.size());
  return out;
}

Demo make_demo(const Config& cfg) {
  const SynthConfig& s = cfg.synth;
  check_sizes(s);
  Demo demo;
  demo.genes = landmark_genes(cfg.inputs.gene_table);
  add_other_genes(demo.genes, s.n_proteins);

  // Compounds: the LINCS ones, then PrimeKG-only and vocabulary-only distractors.
  int64_t D = s.n_drugs, n_kg_only = std::max<int64_t>(3, D / 10), n_vocab_only = std::max<int64_t>(5, D / 5);
  auto chem = draw_compounds(D + n_kg_only + n_vocab_only, s.n_scaffolds, uint64_t(s.seed));
  auto brd = brd_ids(D, uint64_t(s.seed), kIds);
  for (int64_t i = 0; i < int64_t(chem.size()); ++i) {
    Compound c;
    c.iname = lower(chem[i].name);
    c.drug_name = capitalise(c.iname);
    c.smiles = chem[i].smiles;
    c.inchikey = chem[i].inchikey;
    c.scaffold = chem[i].scaffold;
    c.groups = chem[i].groups;
    if (i < D) {
      c.pert_id = brd[size_t(i)];
      demo.compounds.push_back(c);
    } else if (i < D + n_kg_only) {
      demo.kg_only.push_back(c);
    } else {
      demo.vocab_only.push_back(c);
    }
  }
  std::vector<int32_t> scaffold;
  std::vector<Groups> groups;
  for (const auto& c : demo.compounds) {
    scaffold.push_back(c.scaffold);
    groups.push_back(c.groups);
  }
  WorldShape shape;
  shape.n_landmarks = kLandmarks;
  demo.world = make_world(s, scaffold, groups, n_groups(), shape);
  demo.cells = make_cell_lines(s.n_cells);

  // DrugBank ids: PrimeKG drugs first, then vocabulary-only entries. 15% of the matched
  // compounds are listed without InChIKey (name matching), 30% of the others are in DrugBank
  // but not in PrimeKG.
  Rng rng(uint64_t(s.seed), kVocab);
  int64_t next = 0;
  demo.vocab_without_key.assign(size_t(D), 0);
  for (int64_t d = 0; d < D; ++d)
    if (demo.world.compound_in_kg[d]) {
      demo.compounds[d].drugbank = drugbank_id(next++);
      demo.vocab_without_key[d] = rng.chance(0.15);
    }
  for (auto& c : demo.kg_only) c.drugbank = drugbank_id(next++);
  for (auto& c : demo.vocab_only) c.drugbank = drugbank_id(next++);
  for (int64_t d = 0; d < D; ++d)
    if (!demo.world.compound_in_kg[d] && rng.chance(0.3)) demo.compounds[d].drugbank = drugbank_id(next++);

  KgInputs in;
  in.genes = demo.genes;
  for (const auto& c : demo.compounds) {
    in.compound_names.push_back(c.drug_name);
    in.compound_drugbank.push_back(c.drugbank);
  }
  for (const auto& c : demo.kg_only) {
    in.distractor_names.push_back(c.drug_name);
    in.distractor_drugbank.push_back(c.drugbank);
  }
  in.cells = demo.cells;
  demo.kg = make_kg(s, demo.world, in);
  return demo;
}

}  // namespace kg::synth
