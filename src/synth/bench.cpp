// Assembles a bench dataset (synth/bench.hpp): identities of genes, compounds and cell lines,
// then the graph (bench_graph.cpp) and the responses (bench_response.cpp), and its summary.
#include "synth/bench.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "core/error.hpp"
#include "synth/compounds.hpp"
#include "synth/rng.hpp"

namespace kg::synth {
namespace {

enum Stream : uint64_t { kIds = 601 };

void check_sizes(const SynthConfig& s, const BenchShape& shape) {
  if (s.n_pathways < 24)
    fail("config key \"synth.n_pathways\": bench regimes need at least 24 pathways (a hierarchy of top-level and leaf pathways), got {}", s.n_pathways);
  if (s.n_pathways > 5000) fail("config key \"synth.n_pathways\": at most 5000 pathways, got {}", s.n_pathways);
  if (s.n_proteins < 200 + shape.n_hubs)
    fail("config key \"synth.n_proteins\": bench regimes need at least {} proteins besides the landmarks, got {}",
         200 + shape.n_hubs, s.n_proteins);
  if (s.n_other < 200) fail("config key \"synth.n_other\": bench regimes need at least 200 context nodes, got {}", s.n_other);
  if (s.targets_per_drug > shape.max_targets)
    fail("config key \"synth.targets_per_drug\": bench regimes draw 1-{} targets per compound; the mean {} is above that",
         shape.max_targets, s.targets_per_drug);
  if (s.doses.empty()) fail("config key \"synth.doses\": needs at least one dose");
  if (s.times.empty()) fail("config key \"synth.times\": needs at least one time");
  for (double d : s.doses)
    if (d <= 0) fail("config key \"synth.doses\": bench doses must be positive (a Hill curve), got {}", d);
  for (double t : s.times)
    if (t <= 0) fail("config key \"synth.times\": bench times must be positive, got {}", t);
}

double median(std::vector<int64_t> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return double(v[v.size() / 2]);
}

}  // namespace

Regime parse_regime(const std::string& name) {
  for (Regime r : {Regime::pathway2, Regime::ppi3, Regime::context, Regime::hubs, Regime::null_graph})
    if (name == regime_name(r)) return r;
  fail("config key \"synth.regime\": \"{}\" is not a bench regime (pathway2, ppi3, context, hubs, null_graph)", name);
  return Regime::pathway2;
}

const char* regime_name(Regime r) {
  switch (r) {
    case Regime::pathway2: return "pathway2";
    case Regime::ppi3: return "ppi3";
    case Regime::context: return "context";
    case Regime::hubs: return "hubs";
    case Regime::null_graph: return "null_graph";
  }
  return "?";
}

Bench make_bench(const Config& cfg, uint64_t graph_seed, const BenchShape& shape) {
  const SynthConfig& s = cfg.synth;
  check_sizes(s, shape);
  Bench b;
  b.truth.regime = parse_regime(s.regime);
  Demo& d = b.data;
  d.genes = landmark_genes(cfg.inputs.gene_table);
  {
    std::set<std::string> used;
    for (const auto& g : d.genes) used.insert(g.entrez);
    for (int64_t j = 0, k = 0; j < s.n_proteins; ++k) {
      std::string id = fmt::format("{}", 5000000 + k);
      if (used.count(id)) continue;
      d.genes.push_back({id, fmt::format("SYNP{:05d}", j + 1), fmt::format("synthetic protein {}", j + 1)});
      ++j;
    }
  }
  // Compounds: the LINCS ones, as many PrimeKG-only drugs (DrugBank has far more drugs than a
  // LINCS screen shares with it) and vocabulary-only distractors.
  const int64_t D = s.n_drugs, n_kg_only = D, n_vocab_only = std::max<int64_t>(5, D / 5);
  auto chem = draw_compounds(D + n_kg_only + n_vocab_only, s.n_scaffolds, uint64_t(s.seed));
  auto brd = brd_ids(D, uint64_t(s.seed), kIds);
  for (int64_t i = 0; i < int64_t(chem.size()); ++i) {
    Compound c;
    c.iname = lower(chem[size_t(i)].name);
    c.drug_name = capitalise(c.iname);
    c.smiles = chem[size_t(i)].smiles;
    c.inchikey = chem[size_t(i)].inchikey;
    c.scaffold = chem[size_t(i)].scaffold;
    c.groups = chem[size_t(i)].groups;
    if (i < D) {
      c.pert_id = brd[size_t(i)];
      d.compounds.push_back(c);
    } else if (i < D + n_kg_only) {
      d.kg_only.push_back(c);
    } else {
      d.vocab_only.push_back(c);
    }
  }
  d.cells = make_cell_lines(s.n_cells);
  make_bench_graph(b, cfg, graph_seed ? graph_seed : uint64_t(s.seed), shape);
  make_bench_responses(b, cfg, shape);
  return b;
}

std::string bench_summary(const Bench& b) {
  const Kg& kg = b.data.kg;
  const BenchTruth& t = b.truth;
  // Protein neighbourhoods: all kg.csv neighbours of each gene node, and its pathway share.
  std::vector<int64_t> deg(kg.nodes.size(), 0), pathway_deg(kg.nodes.size(), 0);
  std::map<int32_t, int64_t> hub_drugs;
  std::set<int32_t> hub_nodes;
  for (int32_t h : t.hubs) hub_nodes.insert(kg.gene_node[size_t(h)]);
  for (const auto& e : kg.edges) {
    ++deg[size_t(e.x)], ++deg[size_t(e.y)];
    const auto& rel = kg.relations[size_t(e.rel)].name;
    if (rel == "pathway_protein") ++pathway_deg[size_t(e.x)], ++pathway_deg[size_t(e.y)];
    if (rel == "drug_protein" && hub_nodes.count(e.y)) ++hub_drugs[e.y];
  }
  std::vector<int64_t> pdeg, hdeg;
  int64_t all = 0, pw = 0;
  for (int32_t v : kg.gene_node) {
    pdeg.push_back(deg[size_t(v)]);
    all += deg[size_t(v)];
    pw += pathway_deg[size_t(v)];
  }
  for (auto [v, n] : hub_drugs) hdeg.push_back(n);
  std::sort(pdeg.begin(), pdeg.end());
  int64_t D = int64_t(t.targets.size()), matched = 0, inert = 0, n_t = 0, n_matched_t = 0, listed = 0;
  for (int64_t d = 0; d < D; ++d) {
    const bool in_kg = b.data.world.compound_in_kg[size_t(d)];
    matched += in_kg;
    inert += t.inert[size_t(d)];
    n_t += int64_t(t.targets[size_t(d)].size());
    if (in_kg) n_matched_t += int64_t(t.targets[size_t(d)].size());
    for (auto l : t.target_listed[size_t(d)]) listed += l;
  }
  std::string s = fmt::format("bench regime {}: frozen mechanism, docs/BENCH.md\n", regime_name(t.regime));
  s += fmt::format("  protein degree (kg.csv neighbours): median {}, p90 {}, max {}; pathway_protein {:.1f}% of protein edges\n",
                   median(pdeg), pdeg[pdeg.size() * 9 / 10], pdeg.back(), 100.0 * double(pw) / double(std::max<int64_t>(all, 1)));
  s += fmt::format("  compounds: {} ({:.1f}% PrimeKG drugs, {} nearly inert); {} primary targets, {:.1f}% of the PrimeKG "
                   "drugs' ones listed in kg.csv\n", D, 100.0 * double(matched) / double(std::max<int64_t>(D, 1)), inert, n_t,
                   100.0 * double(listed) / double(std::max<int64_t>(n_matched_t, 1)));
  std::map<int32_t, int64_t> in_clusters;
  std::set<int32_t> homes(t.scaffold_home.begin(), t.scaffold_home.end());
  int64_t slots = 0, shared = 0;
  for (const auto& c : t.scaffold_cluster)
    for (int32_t g : c) ++in_clusters[g], ++slots;
  for (const auto& c : t.scaffold_cluster)
    for (int32_t g : c) shared += in_clusters[g] > 1;
  s += fmt::format("  home clusters: {} scaffolds on {} home pathways; {:.1f}% of cluster proteins in another scaffold's cluster\n",
                   t.scaffold_cluster.size(), homes.size(), 100.0 * double(shared) / double(std::max<int64_t>(slots, 1)));
  s += fmt::format("  ADME hubs: {}, drug_protein degree median {}, max {}\n", t.hubs.size(), median(hdeg),
                   hdeg.empty() ? 0 : *std::max_element(hdeg.begin(), hdeg.end()));
  s += fmt::format("  noise ceiling (mean per-signature Pearson of noise-free vs observed): top dose {:.3f}, "
                   "top dose + longest time {:.3f}, all {:.3f}\n", t.ceiling_top, t.ceiling_top_24h, t.ceiling_all);
  return s;
}

}  // namespace kg::synth
