// The bench graph (docs/BENCH.md, "Shared properties"): a dense PrimeKG-like graph of ~15k
// nodes and all 30 relations, in which the few edges a response travels along (targets,
// pathways, interaction partners, a cell line's disease genes) are a small share. Everything
// here draws from streams of `graph_seed`, so the tests can vary the graph alone.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core/error.hpp"
#include "synth/bench_graph.hpp"

namespace kg::synth {
using namespace bench_graph;
namespace {

int32_t add_node(Kg& kg, const std::string& type, std::string id, std::string name) {
  kg.nodes.push_back({type, std::move(id), std::move(name), source_of(type)});
  return int32_t(kg.nodes.size() - 1);
}

// 1, 2 or 3 (55/30/15%): pathways per annotated gene, as in Reactome's lowest level.
int64_t n_memberships(Rng& rng) {
  double u = rng.uniform();
  return u < 0.55 ? 1 : u < 0.85 ? 2 : 3;
}

// Leaf pathways: sizes spread log-normally; landmarks are all annotated, other proteins 55%.
void make_pathways(BenchTruth& t, int64_t top, uint64_t seed) {
  Rng rng(seed, kPathways);
  const int64_t P = t.n_pathways, G = t.n_genes;
  t.pathway_parent.assign(size_t(P), -1);
  for (int64_t p = top; p < P; ++p)  // every top-level pathway gets a child first
    t.pathway_parent[size_t(p)] = int32_t(p - top < top ? p - top : rng.below(top));
  std::vector<double> size_w(static_cast<size_t>(P), 0.0);
  for (int64_t p = top; p < P; ++p) size_w[size_t(p)] = std::exp(0.8 * rng.normal());
  Weighted leaf(size_w);
  t.gene_pathways.assign(size_t(G), {});
  for (int64_t g = 0; g < G; ++g) {
    if (g >= t.n_landmarks && !rng.chance(0.55)) continue;
    std::set<int32_t> ps;
    for (int64_t n = n_memberships(rng); int64_t(ps.size()) < n;) ps.insert(leaf.draw(rng));
    t.gene_pathways[size_t(g)].assign(ps.begin(), ps.end());
  }
}

std::vector<std::vector<int32_t>> members_of(const BenchTruth& t) {
  std::vector<std::vector<int32_t>> m(static_cast<size_t>(t.n_pathways));
  for (int32_t g = 0; g < t.n_genes; ++g)
    for (int32_t p : t.gene_pathways[size_t(g)]) m[size_t(p)].push_back(g);
  return m;
}

// Heavy-tailed PPI (expected degree ~ Pareto weight, mean 20), a quarter of the edges inside a
// shared pathway: interaction partners are mostly in other pathways than their protein.
void make_ppi(BenchTruth& t, const std::vector<std::vector<int32_t>>& members, uint64_t seed) {
  Rng rng(seed, kPpi);
  const int64_t G = t.n_genes;
  std::vector<double> theta(static_cast<size_t>(G));
  for (auto& x : theta) x = std::min(60.0, std::pow(1.0 - rng.uniform(), -1.0 / 1.5));
  Weighted by_theta(theta);
  std::set<std::pair<int32_t, int32_t>> edges;
  const int64_t want = 10 * G;
  for (int64_t tries = 0; int64_t(edges.size()) < want && tries < 20 * want; ++tries) {
    int32_t a = by_theta.draw(rng), b;
    const auto& ps = t.gene_pathways[size_t(a)];
    if (!ps.empty() && rng.chance(0.25)) b = pick(members[size_t(pick(ps, rng))], rng);
    else b = by_theta.draw(rng);
    if (a != b) edges.insert({std::min(a, b), std::max(a, b)});
  }
  t.ppi_adj.assign(size_t(G), {});
  for (auto [a, b] : edges) t.ppi_adj[size_t(a)].push_back(b), t.ppi_adj[size_t(b)].push_back(a);
  for (auto& nb : t.ppi_adj) std::sort(nb.begin(), nb.end());
}

// Scaffold homes: ~3 scaffolds per home pathway, each with its own cluster of the home's
// members, so a new scaffold hits proteins no other scaffold's compounds aimed at while its
// pathway is shared. Homes are leaves big enough for 3 disjoint clusters (the largest leaves
// when too few are), as drug targets concentrate in large signalling pathways.
void make_homes(BenchTruth& t, const std::vector<std::vector<int32_t>>& members, int64_t K,
                const BenchShape& shape, uint64_t seed) {
  Rng rng(seed, kHomes);
  std::set<int32_t> hubs(t.hubs.begin(), t.hubs.end());
  const int64_t H = std::max<int64_t>(1, K / 3);
  std::vector<int32_t> leaves;
  for (int64_t p = 0; p < t.n_pathways; ++p)
    if (t.pathway_parent[size_t(p)] >= 0) leaves.push_back(int32_t(p));
  std::stable_sort(leaves.begin(), leaves.end(),
                   [&](int32_t a, int32_t b) { return members[size_t(a)].size() > members[size_t(b)].size(); });
  std::vector<int32_t> eligible;
  for (int32_t p : leaves)
    if (int64_t(members[size_t(p)].size()) >= 3 * shape.cluster_size) eligible.push_back(p);
  if (int64_t(eligible.size()) < H)
    eligible.assign(leaves.begin(), leaves.begin() + std::min<int64_t>(H, int64_t(leaves.size())));
  if (eligible.empty() || int64_t(members[size_t(eligible.back())].size()) < shape.cluster_size)
    fail("config key \"synth.n_proteins\": too few pathways have the {} members a home cluster needs; raise "
         "synth.n_proteins or lower synth.n_pathways / synth.n_scaffolds", shape.cluster_size);
  rng.shuffle(eligible);
  eligible.resize(size_t(std::min<int64_t>(int64_t(eligible.size()), H)));
  std::set<int32_t> taken;
  t.scaffold_home.assign(size_t(K), 0);
  t.scaffold_cluster.assign(size_t(K), {});
  for (int64_t k = 0; k < K; ++k) {
    int32_t home = eligible[size_t(k) % eligible.size()];
    t.scaffold_home[size_t(k)] = home;
    std::vector<int32_t> free, used;
    for (int32_t g : members[size_t(home)])
      if (!hubs.count(g)) (taken.count(g) ? used : free).push_back(g);
    rng.shuffle(free);
    rng.shuffle(used);
    free.insert(free.end(), used.begin(), used.end());  // reuse only when the pathway runs out
    for (int32_t g : free) {
      if (int64_t(t.scaffold_cluster[size_t(k)].size()) == shape.cluster_size) break;
      t.scaffold_cluster[size_t(k)].push_back(g);
      taken.insert(g);
    }
    std::sort(t.scaffold_cluster[size_t(k)].begin(), t.scaffold_cluster[size_t(k)].end());
  }
}

// ADME hubs: non-landmark proteins (CYPs, ABC/SLC transporters, albumin-like carriers).
void make_hubs(BenchTruth& t, const BenchShape& shape, uint64_t seed) {
  Rng rng(seed, kHubs);
  std::set<int32_t> h;
  while (int64_t(h.size()) < shape.n_hubs) h.insert(int32_t(t.n_landmarks + rng.below(t.n_genes - t.n_landmarks)));
  t.hubs.assign(h.begin(), h.end());
}

// Which compounds are PrimeKG drugs (stream kMatch), and DrugBank ids as the demo gives them:
// 15% of the matched compounds listed without InChIKey (name matching), 30% of the unmatched
// in DrugBank but not in PrimeKG.
void match_drugbank(Demo& d, const SynthConfig& s, uint64_t seed) {
  const int64_t D = int64_t(d.compounds.size());
  Rng match(seed, kMatch);
  d.world.compound_in_kg.assign(size_t(D), 0);
  for (int64_t i = 0; i < D; ++i) d.world.compound_in_kg[size_t(i)] = match.chance(s.primekg_drug_frac);
  int64_t next = 0;
  d.vocab_without_key.assign(size_t(D), 0);
  for (int64_t i = 0; i < D; ++i)
    if (d.world.compound_in_kg[size_t(i)]) {
      d.compounds[size_t(i)].drugbank = drugbank_id(next++);
      d.vocab_without_key[size_t(i)] = match.chance(0.15);
    }
  for (auto& c : d.kg_only) c.drugbank = drugbank_id(next++);
  for (auto& c : d.vocab_only) c.drugbank = drugbank_id(next++);
  for (int64_t i = 0; i < D; ++i)
    if (!d.world.compound_in_kg[size_t(i)] && match.chance(0.3)) d.compounds[size_t(i)].drugbank = drugbank_id(next++);
}

// The drug nodes (LINCS compounds that are PrimeKG drugs, then PrimeKG-only drugs) and each
// one's scaffold's home pathway.
struct DrugNodes {
  std::vector<int32_t> nodes, home;
};
DrugNodes add_drug_nodes(Kg& kg, const Demo& d, const BenchTruth& t) {
  const int64_t D = int64_t(d.compounds.size());
  DrugNodes out;
  kg.compound_node.assign(size_t(D), -1);
  for (int64_t i = 0; i < D; ++i)
    if (d.world.compound_in_kg[size_t(i)]) {
      const auto& c = d.compounds[size_t(i)];
      kg.compound_node[size_t(i)] = add_node(kg, "drug", c.drugbank, c.drug_name);
      out.nodes.push_back(kg.compound_node[size_t(i)]);
      out.home.push_back(t.scaffold_home[size_t(c.scaffold)]);
    }
  for (const auto& c : d.kg_only) {
    kg.distractor_node.push_back(add_node(kg, "drug", c.drugbank, c.drug_name));
    out.nodes.push_back(kg.distractor_node.back());
    out.home.push_back(t.scaffold_home[size_t(c.scaffold)]);
  }
  return out;
}

// Context nodes by type, in PrimeKG's shares of synth.n_other, each type holding at least the
// cell lines' sites (anatomy) or diseases (disease) among them.
ContextNodes add_context_nodes(Kg& kg, const Demo& d, const SynthConfig& s) {
  std::vector<std::string> sites, diseases;
  for (const auto& c : d.cells) sites.push_back(c.primary_site), diseases.push_back(c.disease);
  const std::vector<std::pair<std::string, double>> shares{
      {"disease", 0.32}, {"effect/phenotype", 0.28}, {"biological_process", 0.22}, {"molecular_function", 0.07},
      {"cellular_component", 0.04}, {"anatomy", 0.05}, {"exposure", 0.02}};
  std::map<std::string, std::vector<int32_t>> ctx;
  for (const auto& [type, share] : shares) {
    const auto& req = type == "anatomy" ? sites : type == "disease" ? diseases : std::vector<std::string>{};
    int64_t n = std::max<int64_t>(int64_t(double(s.n_other) * share), int64_t(std::set<std::string>(req.begin(), req.end()).size()) + 1);
    auto names = make_names(type, n, req);
    for (int64_t i = 0; i < n; ++i) ctx[type].push_back(add_node(kg, type, context_id(type, i), names[size_t(i)]));
  }
  return ContextNodes{ctx["disease"], ctx["effect/phenotype"], ctx["biological_process"],
                      ctx["molecular_function"], ctx["cellular_component"], ctx["anatomy"], ctx["exposure"]};
}

// The edges a response travels along besides targets: gene-pathway memberships, the pathway
// hierarchy, the PPI.
void add_structure_edges(Edges& es, const Kg& kg, const BenchTruth& t) {
  const int32_t r_pp = es.rel("protein_protein", "ppi"), r_path = es.rel("pathway_protein", "interacts with");
  const int32_t r_pwpw = es.rel("pathway_pathway", "parent-child");
  for (int32_t g = 0; g < t.n_genes; ++g)
    for (int32_t p : t.gene_pathways[size_t(g)]) es.add(r_path, kg.pathway_node[size_t(p)], kg.gene_node[size_t(g)]);
  for (int64_t p = 0; p < t.n_pathways; ++p)
    if (t.pathway_parent[size_t(p)] >= 0)
      es.add(r_pwpw, kg.pathway_node[size_t(p)], kg.pathway_node[size_t(t.pathway_parent[size_t(p)])]);
  for (int32_t a = 0; a < t.n_genes; ++a)
    for (int32_t nb : t.ppi_adj[size_t(a)])
      if (a < nb) es.add(r_pp, kg.gene_node[size_t(a)], kg.gene_node[size_t(nb)]);
}

// One compound's targets (sorted, no hubs): 1..max_targets, home_frac from its scaffold's
// cluster, affinities log-uniform over `decades` decades.
void draw_targets(const BenchTruth& t, int32_t scaffold, const SynthConfig& s, const BenchShape& shape,
                  double decades, const std::set<int32_t>& hubs, Rng& rng, std::vector<int32_t>& out,
                  std::vector<float>& w) {
  const auto& cluster = t.scaffold_cluster[size_t(scaffold)];
  int64_t n = std::min<int64_t>(rng.count(double(s.targets_per_drug), 1), shape.max_targets);
  std::set<int32_t> ts;
  while (int64_t(ts.size()) < n) {
    int32_t g = rng.chance(shape.home_frac) ? pick(cluster, rng) : int32_t(rng.below(t.n_genes));
    if (!hubs.count(g)) ts.insert(g);
  }
  out.assign(ts.begin(), ts.end());
  w.clear();
  for (size_t i = 0; i < out.size(); ++i) w.push_back(float(std::pow(10.0, -decades * rng.uniform())));
}

// Targets (stream kTargets) of the LINCS compounds, then of the PrimeKG-only drugs; affinities
// over two decades in `hubs`, one elsewhere; 15% of a LINCS compound's true targets unlisted.
void add_target_edges(Edges& es, Kg& kg, BenchTruth& t, const Demo& d, const SynthConfig& s,
                      const BenchShape& shape, uint64_t seed) {
  const int64_t D = int64_t(d.compounds.size());
  Rng rng(seed, kTargets);
  const double decades = t.regime == Regime::hubs ? 2.0 : 1.0;
  const std::set<int32_t> hubs(t.hubs.begin(), t.hubs.end());
  const int32_t r_target = es.rel("drug_protein", "target");
  t.targets.assign(size_t(D), {});
  t.affinity.assign(size_t(D), {});
  t.target_listed.assign(size_t(D), {});
  for (int64_t i = 0; i < D; ++i) {
    draw_targets(t, d.compounds[size_t(i)].scaffold, s, shape, decades, hubs, rng, t.targets[size_t(i)],
                 t.affinity[size_t(i)]);
    for (int32_t g : t.targets[size_t(i)]) {
      bool listed = rng.chance(1.0 - shape.missing_target) && kg.compound_node[size_t(i)] >= 0;
      t.target_listed[size_t(i)].push_back(listed);
      if (listed) es.add(r_target, kg.compound_node[size_t(i)], kg.gene_node[size_t(g)]);
    }
  }
  std::vector<float> w;
  for (size_t j = 0; j < d.kg_only.size(); ++j) {
    kg.distractor_targets.emplace_back();
    draw_targets(t, d.kg_only[j].scaffold, s, shape, decades, hubs, rng, kg.distractor_targets.back(), w);
    for (int32_t g : kg.distractor_targets.back()) es.add(r_target, kg.distractor_node[j], kg.gene_node[size_t(g)]);
  }
}

// ADME hub edges (stream kHubEdges): half enzymes, a third transporters, the rest carriers.
// `hubs`: every drug binds 3-6 of them; elsewhere each with probability hub_bind.
void add_hub_edges(Edges& es, const Kg& kg, BenchTruth& t, int64_t D, const BenchShape& shape, uint64_t seed) {
  Rng rng(seed, kHubEdges);
  const int64_t H = int64_t(t.hubs.size());
  std::vector<int32_t> rel(static_cast<size_t>(H));
  for (int64_t h = 0; h < H; ++h)
    rel[size_t(h)] = es.rel("drug_protein", h < H / 2 ? "enzyme" : h < H / 2 + H / 3 ? "transporter" : "carrier");
  t.drug_hubs.assign(size_t(D), {});
  auto bind = [&](int32_t node, std::vector<int32_t>* keep) {
    std::set<int32_t> chosen;
    if (t.regime == Regime::hubs) {
      for (int64_t n = 3 + rng.below(4); int64_t(chosen.size()) < std::min(n, H);) chosen.insert(int32_t(rng.below(H)));
    } else {
      for (int64_t h = 0; h < H; ++h)
        if (rng.chance(shape.hub_bind)) chosen.insert(int32_t(h));
    }
    for (int32_t h : chosen) {
      if (node >= 0) es.add(rel[size_t(h)], node, kg.gene_node[size_t(t.hubs[size_t(h)])]);
      if (keep) keep->push_back(t.hubs[size_t(h)]);
    }
  };
  for (int64_t i = 0; i < D; ++i) bind(kg.compound_node[size_t(i)], &t.drug_hubs[size_t(i)]);
  for (int32_t v : kg.distractor_node) bind(v, nullptr);
}

}  // namespace

// Each step draws from its own stream of `seed`; nodes and relations are numbered in the order
// the steps add them, so the order is part of the frozen output.
void make_bench_graph(Bench& b, const Config& cfg, uint64_t seed, const BenchShape& shape) {
  const SynthConfig& s = cfg.synth;
  BenchTruth& t = b.truth;
  Demo& d = b.data;
  Kg& kg = d.kg;
  t.n_landmarks = 978;
  t.n_genes = int64_t(d.genes.size());
  t.n_pathways = s.n_pathways;
  const int64_t top = std::max<int64_t>(2, t.n_pathways / 12);
  make_pathways(t, top, seed);
  auto members = members_of(t);
  make_ppi(t, members, seed);
  make_hubs(t, shape, seed);
  make_homes(t, members, s.n_scaffolds, shape, seed);

  // Nodes: genes, pathways, drugs, context nodes (the cell lines' sites and diseases among them).
  for (const auto& g : d.genes) kg.gene_node.push_back(add_node(kg, "gene/protein", g.entrez, g.symbol));
  auto pnames = make_pathway_names(t.n_pathways);
  for (int64_t p = 0; p < t.n_pathways; ++p)
    kg.pathway_node.push_back(add_node(kg, "pathway", context_id("pathway", p), pnames[size_t(p)]));
  match_drugbank(d, s, seed);
  const DrugNodes drugs = add_drug_nodes(kg, d, t);
  const ContextNodes cn = add_context_nodes(kg, d, s);

  Edges es;
  add_structure_edges(es, kg, t);
  add_target_edges(es, kg, t, d, s, shape, seed);
  add_hub_edges(es, kg, t, int64_t(d.compounds.size()), shape, seed);
  auto disease_focus = add_annotations(es, t, kg, cn, members, top, d.cells, shape, seed);
  add_drug_context(es, cn, drugs.nodes, drugs.home, disease_focus, seed);
  connect_isolated(es, kg, cn, t.n_genes, seed);
  es.finish(kg);
}

}  // namespace kg::synth
