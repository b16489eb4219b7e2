// Builds the demo PrimeKG graph (see synth/kg.hpp) and writes it as kg.csv.
#include "synth/kg.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "core/error.hpp"
#include "io/kgcsv.hpp"
#include "synth/rng.hpp"

namespace kg::synth {
namespace {

enum Stream : uint64_t { kDistractors = 101, kContext };

// Collects undirected edges per relation without duplicates, relations in order of first use.
class EdgeSet {
 public:
  void add(const std::string& rel, const std::string& display, int32_t x, int32_t y) {
    auto it = index_.find(rel);
    if (it == index_.end()) {
      it = index_.emplace(rel, int32_t(rels_.size())).first;
      rels_.push_back({rel, display});
      edges_.emplace_back();
    }
    if (x != y) edges_[size_t(it->second)].insert({x, y});
  }
  void finish(Kg& kg) {
    kg.relations = rels_;
    for (size_t r = 0; r < edges_.size(); ++r)
      for (auto [x, y] : edges_[r]) kg.edges.push_back({int32_t(r), x, y});
  }

 private:
  std::map<std::string, int32_t> index_;
  std::vector<KgRelation> rels_;
  std::vector<std::set<std::pair<int32_t, int32_t>>> edges_;
};

template <typename T>
const T& pick(const std::vector<T>& v, Rng& rng) {
  return v[size_t(rng.below(int64_t(v.size())))];
}

int32_t add_node(Kg& kg, const std::string& type, std::string id, std::string name) {
  kg.nodes.push_back({type, std::move(id), std::move(name), source_of(type)});
  return int32_t(kg.nodes.size() - 1);
}

// Targets of a PrimeKG-only drug, drawn like a compound's (home pathway ~75%).
std::vector<int32_t> distractor_targets(const World& w, double mean, Rng& rng) {
  const auto& home = w.pathway_genes[size_t(rng.below(w.n_pathways))];
  int64_t n = std::min<int64_t>(rng.count(mean, 1), w.n_genes);
  std::set<int32_t> t;
  while (int64_t(t.size()) < n)
    t.insert(rng.chance(0.75) ? pick(home, rng) : int32_t(rng.below(w.n_genes)));
  return {t.begin(), t.end()};
}

// Genes biased to one pathway (how disease, process and phenotype annotations cluster).
std::vector<int32_t> focused_genes(const World& w, const Kg& kg, int64_t n, int32_t pathway,
                                   double focus, Rng& rng) {
  std::vector<int32_t> out;
  for (int64_t i = 0; i < n; ++i) {
    int32_t g = rng.chance(focus) ? pick(w.pathway_genes[pathway], rng) : int32_t(rng.below(w.n_genes));
    out.push_back(kg.gene_node[g]);
  }
  return out;
}

// A random forest over nodes[first..): each node after the first quarter gets a parent.
void add_hierarchy(EdgeSet& es, const std::string& rel, const std::vector<int32_t>& nodes, Rng& rng) {
  int64_t roots = std::max<int64_t>(1, int64_t(nodes.size()) / 4);
  for (size_t i = size_t(roots); i < nodes.size(); ++i)
    es.add(rel, "parent-child", nodes[i], nodes[size_t(rng.below(int64_t(i)))]);
}

void add_context(Kg& kg, EdgeSet& es, const World& w, const SynthConfig& cfg,
                 const std::map<std::string, std::vector<int32_t>>& ctx,
                 const std::vector<int32_t>& drug_nodes, const std::vector<int32_t>& drug_home) {
  Rng rng(uint64_t(cfg.seed), kContext);
  const auto& disease = ctx.at("disease");
  const auto& pheno = ctx.at("effect/phenotype");
  const auto& bp = ctx.at("biological_process");
  const auto& anat = ctx.at("anatomy");
  const auto& expo = ctx.at("exposure");
  std::vector<int32_t> disease_focus;
  for (int32_t d : disease) {
    int32_t p = int32_t(rng.below(w.n_pathways));
    disease_focus.push_back(p);
    for (int32_t g : focused_genes(w, kg, 3 + rng.below(6), p, 0.7, rng))
      es.add("disease_protein", "associated with", d, g);
    for (int64_t k = 0, n = pheno.empty() ? 0 : 1 + rng.below(4); k < n; ++k)
      es.add("disease_phenotype_positive", "phenotype present", d, pick(pheno, rng));
  }
  add_hierarchy(es, "disease_disease", disease, rng);
  for (int32_t f : pheno)
    for (int32_t g : focused_genes(w, kg, 1 + rng.below(2), int32_t(rng.below(w.n_pathways)), 0.5, rng))
      es.add("phenotype_protein", "associated with", f, g);
  add_hierarchy(es, "phenotype_phenotype", pheno, rng);
  for (int32_t b : bp)
    for (int32_t g : focused_genes(w, kg, 4 + rng.below(7), int32_t(rng.below(w.n_pathways)), 0.8, rng))
      es.add("bioprocess_protein", "interacts with", b, g);
  add_hierarchy(es, "bioprocess_bioprocess", bp, rng);
  for (const char* t : {"molecular_function", "cellular_component"}) {
    std::string rel = std::string(t) == "molecular_function" ? "molfunc_protein" : "cellcomp_protein";
    for (int32_t m : ctx.at(t))
      for (int64_t k = 0, n = 3 + rng.below(4); k < n; ++k)
        es.add(rel, "interacts with", m, kg.gene_node[size_t(rng.below(w.n_genes))]);
  }
  for (int32_t a : anat) {
    for (int64_t k = 0; k < 20; ++k)
      es.add("anatomy_protein_present", "expression present", a, kg.gene_node[size_t(rng.below(w.n_genes))]);
    if (rng.chance(0.3))
      es.add("anatomy_protein_absent", "expression absent", a, kg.gene_node[size_t(rng.below(w.n_genes))]);
  }
  add_hierarchy(es, "anatomy_anatomy", anat, rng);
  for (int32_t e : expo) {
    for (int64_t k = 0, n = 2 + rng.below(3); k < n; ++k)
      es.add("exposure_protein", "interacts with", e, kg.gene_node[size_t(rng.below(w.n_genes))]);
    if (!disease.empty()) es.add("exposure_disease", "linked to", e, pick(disease, rng));
  }
  // Drugs: indications lean to diseases of their home pathway, side effects are random.
  for (size_t i = 0; i < drug_nodes.size(); ++i) {
    if (!disease.empty() && rng.chance(0.6)) {
      std::vector<int32_t> near;
      for (size_t k = 0; k < disease.size(); ++k)
        if (disease_focus[k] == drug_home[i]) near.push_back(disease[k]);
      es.add("indication", "indication", drug_nodes[i], near.empty() ? pick(disease, rng) : pick(near, rng));
    }
    if (!disease.empty() && rng.chance(0.2))
      es.add("contraindication", "contraindication", drug_nodes[i], pick(disease, rng));
    for (int64_t k = 0, n = pheno.empty() ? 0 : rng.below(4); k < n; ++k)
      es.add("drug_effect", "side effect", drug_nodes[i], pick(pheno, rng));
    if (rng.chance(0.3)) {  // symmetric: store each pair once
      int32_t other = pick(drug_nodes, rng);
      es.add("drug_drug", "synergistic interaction", std::min(drug_nodes[i], other), std::max(drug_nodes[i], other));
    }
  }
}

}  // namespace

std::vector<std::pair<std::string, int64_t>> context_counts(int64_t n_other) {
  std::vector<std::pair<std::string, double>> f{
      {"disease", 0.30}, {"effect/phenotype", 0.25}, {"biological_process", 0.20},
      {"molecular_function", 0.06}, {"cellular_component", 0.06}, {"anatomy", 0.08},
      {"exposure", 0.05}};
  std::vector<std::pair<std::string, int64_t>> out;
  int64_t used = 0;
  for (auto& [t, share] : f) {
    int64_t n = int64_t(double(n_other) * share);
    out.push_back({t, n});
    used += n;
  }
  out[0].second += n_other - used;
  return out;
}

Kg make_kg(const SynthConfig& cfg, const World& w, const KgInputs& in) {
  KG_CHECK(int64_t(in.genes.size()) == w.n_genes);
  KG_CHECK(in.compound_names.size() == w.compound_scaffold.size());
  Kg kg;
  EdgeSet es;
  for (const auto& g : in.genes) kg.gene_node.push_back(add_node(kg, "gene/protein", g.entrez, g.symbol));
  auto pnames = make_pathway_names(w.n_pathways);
  for (int64_t p = 0; p < w.n_pathways; ++p)
    kg.pathway_node.push_back(add_node(kg, "pathway", context_id("pathway", p), pnames[size_t(p)]));
  // Drugs: the LINCS compounds that are PrimeKG drugs, then PrimeKG-only distractors.
  std::vector<int32_t> drug_nodes, drug_home;
  kg.compound_node.assign(w.compound_scaffold.size(), -1);
  for (size_t d = 0; d < w.compound_scaffold.size(); ++d) {
    if (!w.compound_in_kg[d]) continue;
    kg.compound_node[d] = add_node(kg, "drug", in.compound_drugbank[d], in.compound_names[d]);
    drug_nodes.push_back(kg.compound_node[d]);
    drug_home.push_back(w.scaffold_home[size_t(w.compound_scaffold[d])]);
  }
  Rng drng(uint64_t(cfg.seed), kDistractors);
  for (size_t i = 0; i < in.distractor_names.size(); ++i) {
    kg.distractor_node.push_back(add_node(kg, "drug", in.distractor_drugbank[i], in.distractor_names[i]));
    kg.distractor_targets.push_back(distractor_targets(w, double(cfg.targets_per_drug), drng));
    drug_nodes.push_back(kg.distractor_node.back());
    drug_home.push_back(-1);
  }
  // Context nodes; anatomy and diseases include the cell lines' sites and diseases.
  std::vector<std::string> sites, diseases;
  for (const auto& c : in.cells) {
    sites.push_back(c.primary_site);
    diseases.push_back(c.disease);
  }
  std::map<std::string, std::vector<int32_t>> ctx;
  for (auto [type, n] : context_counts(cfg.n_other)) {
    const auto& req = type == "anatomy" ? sites : type == "disease" ? diseases : std::vector<std::string>{};
    std::set<std::string> distinct(req.begin(), req.end());
    n = std::max<int64_t>(n, int64_t(distinct.size()));
    auto names = make_names(type, n, req);
    for (int64_t i = 0; i < n; ++i) ctx[type].push_back(add_node(kg, type, context_id(type, i), names[size_t(i)]));
  }

  // The planted structure: pathway membership, PPI, targets.
  for (int32_t g = 0; g < w.n_genes; ++g)
    for (int32_t p : w.gene_pathways[g])
      es.add("pathway_protein", "interacts with", kg.pathway_node[p], kg.gene_node[g]);
  for (int64_t p = 0; p < w.n_pathways; ++p)
    if (w.pathway_parent[p] >= 0)
      es.add("pathway_pathway", "parent-child", kg.pathway_node[p], kg.pathway_node[w.pathway_parent[p]]);
  for (auto [a, b] : w.ppi) es.add("protein_protein", "ppi", kg.gene_node[a], kg.gene_node[b]);
  for (size_t d = 0; d < w.compound_targets.size(); ++d)
    if (kg.compound_node[d] >= 0)
      for (int32_t t : w.compound_targets[d]) es.add("drug_protein", "target", kg.compound_node[d], kg.gene_node[t]);
  for (size_t i = 0; i < kg.distractor_node.size(); ++i)
    for (int32_t t : kg.distractor_targets[i]) es.add("drug_protein", "target", kg.distractor_node[i], kg.gene_node[t]);
  add_context(kg, es, w, cfg, ctx, drug_nodes, drug_home);
  es.finish(kg);
  return kg;
}

void write_kg(const Kg& kg, const std::string& path) {
  KgCsvWriter out(path);
  // Per relation: every edge x->y, then every edge y->x, as PrimeKG lists both directions.
  size_t begin = 0;
  while (begin < kg.edges.size()) {
    size_t end = begin;
    while (end < kg.edges.size() && kg.edges[end].rel == kg.edges[begin].rel) ++end;
    const auto& r = kg.relations[size_t(kg.edges[begin].rel)];
    for (int dir = 0; dir < 2; ++dir)
      for (size_t e = begin; e < end; ++e) {
        int32_t x = dir ? kg.edges[e].y : kg.edges[e].x, y = dir ? kg.edges[e].x : kg.edges[e].y;
        const auto &a = kg.nodes[size_t(x)], &b = kg.nodes[size_t(y)];
        out.add(r.name, r.display, x, a.id, a.type, a.name, a.source, y, b.id, b.type, b.name, b.source);
      }
    begin = end;
  }
  out.commit();
}

}  // namespace kg::synth
