// The bench graph's context (docs/BENCH.md, "Graph"): annotations of proteins by diseases,
// processes, functions, components, tissues and exposures, the ontology hierarchies, the cell
// lines' disease genes, and the drugs' clinical relations. Mostly irrelevant to any response,
// as in PrimeKG: only the cell lines' disease genes matter (the gating in `context`, and the
// controls' baselines).
#include <algorithm>

#include "core/error.hpp"
#include "synth/bench_graph.hpp"

namespace kg::synth::bench_graph {
namespace {

// Genes of one annotation: `focus` of them from a pathway's members, the rest uniform.
std::vector<int32_t> annotated(const BenchTruth& t, const std::vector<int32_t>& focus_members, int64_t n,
                               double focus, Rng& rng) {
  std::vector<int32_t> out;
  for (int64_t i = 0; i < n; ++i)
    out.push_back(!focus_members.empty() && rng.chance(focus) ? pick(focus_members, rng) : int32_t(rng.below(t.n_genes)));
  return out;
}

// A forest: the first `root_frac` of the nodes are roots, the others get an earlier parent.
void hierarchy(Edges& es, int32_t rel, const std::vector<int32_t>& nodes, double root_frac, Rng& rng,
               double second_parent = 0.0) {
  int64_t roots = std::max<int64_t>(1, int64_t(double(nodes.size()) * root_frac));
  for (size_t i = size_t(roots); i < nodes.size(); ++i) {
    es.add(rel, nodes[i], nodes[size_t(rng.below(int64_t(i)))]);
    if (rng.chance(second_parent)) es.add(rel, nodes[i], nodes[size_t(rng.below(int64_t(i)))]);
  }
}

}  // namespace

// Diseases, processes and phenotypes cluster on a focus pathway; a cell line's disease has
// disease_genes genes, 75% in 5 focus pathways, mostly home pathways.
std::map<int32_t, int32_t> add_annotations(Edges& es, BenchTruth& t, const Kg& kg, const ContextNodes& ctx,
                                           const std::vector<std::vector<int32_t>>& members, int64_t top,
                                           const std::vector<CellLine>& cells, const BenchShape& shape, uint64_t seed) {
  const auto &disease = ctx.disease, &pheno = ctx.pheno, &bp = ctx.bp, &mf = ctx.mf, &cc = ctx.cc, &anat = ctx.anat,
             &expo = ctx.expo;
  std::set<std::string> cell_diseases;
  for (const auto& c : cells) cell_diseases.insert(c.disease);
  Rng rng(seed, kAnnot);
  const int32_t leaves = int32_t(t.n_pathways - top);
  auto leaf = [&] { return int32_t(top + rng.below(leaves)); };
  std::vector<int32_t> homes(t.scaffold_home.begin(), t.scaffold_home.end());
  std::map<int32_t, int32_t> disease_focus;
  const int32_t r_dp = es.rel("disease_protein", "associated with");
  t.cell_disease_genes.assign(cells.size(), {});
  std::map<std::string, std::vector<int32_t>> genes_of_disease;
  for (int32_t v : disease) {
    const std::string& name = kg.nodes[size_t(v)].name;
    std::vector<int32_t> genes;
    if (cell_diseases.count(name)) {
      std::vector<int32_t> focus_members;
      for (int k = 0; k < 5; ++k) {
        int32_t p = rng.chance(0.7) ? pick(homes, rng) : leaf();
        focus_members.insert(focus_members.end(), members[size_t(p)].begin(), members[size_t(p)].end());
      }
      std::set<int32_t> g;
      while (int64_t(g.size()) < shape.disease_genes) for (int32_t x : annotated(t, focus_members, 1, 0.75, rng)) g.insert(x);
      genes.assign(g.begin(), g.end());
      genes_of_disease[name] = genes;
      disease_focus[v] = -1;
    } else {
      int32_t p = leaf();
      disease_focus[v] = p;
      genes = annotated(t, members[size_t(p)], rng.count(5.0, 1), 0.7, rng);
    }
    for (int32_t g : genes) es.add(r_dp, v, kg.gene_node[size_t(g)]);
  }
  for (size_t c = 0; c < cells.size(); ++c) t.cell_disease_genes[c] = genes_of_disease[cells[c].disease];
  const int32_t r_dpp = es.rel("disease_phenotype_positive", "phenotype present");
  const int32_t r_dpn = es.rel("disease_phenotype_negative", "phenotype absent");
  for (int32_t v : disease) {
    for (int64_t k = 0, n = rng.count(4.0, 1); k < n; ++k) es.add(r_dpp, v, pick(pheno, rng));
    if (rng.chance(0.05)) es.add(r_dpn, v, pick(pheno, rng));
  }
  const int32_t r_php = es.rel("phenotype_protein", "associated with");
  for (int32_t v : pheno)
    if (rng.chance(0.5)) es.add(r_php, v, kg.gene_node[size_t(rng.below(t.n_genes))]);
  const int32_t r_bp = es.rel("bioprocess_protein", "interacts with");
  for (int32_t v : bp)
    for (int32_t g : annotated(t, members[size_t(leaf())], rng.count(8.0, 2), 0.6, rng)) es.add(r_bp, v, kg.gene_node[size_t(g)]);
  const int32_t r_mf = es.rel("molfunc_protein", "interacts with"), r_cc = es.rel("cellcomp_protein", "interacts with");
  for (int32_t v : mf)
    for (int64_t k = 0, n = rng.count(6.0, 1); k < n; ++k) es.add(r_mf, v, kg.gene_node[size_t(rng.below(t.n_genes))]);
  for (int32_t v : cc)
    for (int64_t k = 0, n = rng.count(15.0, 1); k < n; ++k) es.add(r_cc, v, kg.gene_node[size_t(rng.below(t.n_genes))]);
  const int32_t r_ap = es.rel("anatomy_protein_present", "expression present"), r_aa = es.rel("anatomy_protein_absent", "expression absent");
  for (int32_t v : anat) {
    for (int64_t k = 0, n = rng.count(60.0, 10); k < n; ++k) es.add(r_ap, v, kg.gene_node[size_t(rng.below(t.n_genes))]);
    for (int64_t k = 0, n = rng.count(3.0, 0); k < n; ++k) es.add(r_aa, v, kg.gene_node[size_t(rng.below(t.n_genes))]);
  }
  hierarchy(es, es.rel("disease_disease", "parent-child"), disease, 0.1, rng);
  hierarchy(es, es.rel("phenotype_phenotype", "parent-child"), pheno, 0.1, rng);
  hierarchy(es, es.rel("bioprocess_bioprocess", "parent-child"), bp, 0.05, rng, 0.3);
  hierarchy(es, es.rel("molfunc_molfunc", "parent-child"), mf, 0.05, rng);
  hierarchy(es, es.rel("cellcomp_cellcomp", "parent-child"), cc, 0.1, rng);
  hierarchy(es, es.rel("anatomy_anatomy", "parent-child"), anat, 0.1, rng);
  hierarchy(es, es.rel("exposure_exposure", "parent-child"), expo, 0.3, rng);
  const int32_t r_ep = es.rel("exposure_protein", "interacts with"), r_ed = es.rel("exposure_disease", "linked to");
  const int32_t r_eb = es.rel("exposure_bioprocess", "interacts with"), r_em = es.rel("exposure_molfunc", "interacts with");
  const int32_t r_ec = es.rel("exposure_cellcomp", "interacts with");
  for (int32_t v : expo) {
    for (int64_t k = 0, n = rng.count(4.0, 1); k < n; ++k) es.add(r_ep, v, kg.gene_node[size_t(rng.below(t.n_genes))]);
    for (int64_t k = 0, n = rng.count(2.0, 1); k < n; ++k) es.add(r_ed, v, pick(disease, rng));
    es.add(r_eb, v, pick(bp, rng));
    if (rng.chance(0.1)) es.add(r_em, v, pick(mf, rng));
    if (rng.chance(0.05)) es.add(r_ec, v, pick(cc, rng));
  }

  return disease_focus;
}

void add_drug_context(Edges& es, const ContextNodes& ctx, const std::vector<int32_t>& drug_nodes,
                      const std::vector<int32_t>& drug_home, const std::map<int32_t, int32_t>& disease_focus,
                      uint64_t seed) {
  const auto &disease = ctx.disease, &pheno = ctx.pheno;
  {
    Rng drng(seed, kDrugs);
    std::map<int32_t, std::vector<int32_t>> disease_near;
    for (auto [v, p] : disease_focus)
      if (p >= 0) disease_near[p].push_back(v);
    const int32_t r_se = es.rel("drug_effect", "side effect"), r_ind = es.rel("indication", "indication");
    const int32_t r_ci = es.rel("contraindication", "contraindication"), r_off = es.rel("off-label use", "off-label use");
    const int32_t r_dd = es.rel("drug_drug", "synergistic interaction");
    for (size_t i = 0; i < drug_nodes.size(); ++i) {
      for (int64_t k = 0, n = drng.count(5.0, 1); k < n; ++k) es.add(r_se, drug_nodes[i], pick(pheno, drng));
      if (drng.chance(0.6)) {
        auto it = disease_near.find(drug_home[i]);
        es.add(r_ind, drug_nodes[i], it == disease_near.end() ? pick(disease, drng) : pick(it->second, drng));
      }
      if (drng.chance(0.7)) es.add(r_ci, drug_nodes[i], pick(disease, drng));
      if (drng.chance(0.15)) es.add(r_off, drug_nodes[i], pick(disease, drng));
      for (int64_t k = 0, n = drng.count(3.0, 0); k < n; ++k) {
        int32_t o = pick(drug_nodes, drng);
        es.add(r_dd, std::min(drug_nodes[i], o), std::max(drug_nodes[i], o));
      }
    }
  }
}

void connect_isolated(Edges& es, const Kg& kg, const ContextNodes& ctx, int64_t n_genes, uint64_t seed) {
  const auto &disease = ctx.disease, &pheno = ctx.pheno, &anat = ctx.anat;
  const int32_t r_ap = es.rel("anatomy_protein_present", "expression present");
  const int32_t r_dpp = es.rel("disease_phenotype_positive", "phenotype present");
  const int32_t r_bp = es.rel("bioprocess_protein", "interacts with"), r_mf = es.rel("molfunc_protein", "interacts with");
  const int32_t r_cc = es.rel("cellcomp_protein", "interacts with"), r_ep = es.rel("exposure_protein", "interacts with");
  // Never a pathway membership: that would change the truth.
  {
    Rng frng(seed, kFill);
    for (int32_t v = 0; v < int32_t(kg.nodes.size()); ++v) {
      if (es.degree(v) > 0) continue;
      const std::string& type = kg.nodes[size_t(v)].type;
      int32_t gene = kg.gene_node[size_t(frng.below(n_genes))];
      if (type == "gene/protein") es.add(r_ap, pick(anat, frng), v);
      else if (type == "drug") es.add(es.rel("drug_effect", "side effect"), v, pick(pheno, frng));
      else if (type == "disease") es.add(r_dpp, v, pick(pheno, frng));
      else if (type == "effect/phenotype") es.add(r_dpp, pick(disease, frng), v);
      else if (type == "biological_process") es.add(r_bp, v, gene);
      else if (type == "molecular_function") es.add(r_mf, v, gene);
      else if (type == "cellular_component") es.add(r_cc, v, gene);
      else if (type == "anatomy") es.add(r_ap, v, gene);
      else if (type == "exposure") es.add(r_ep, v, gene);
      else KG_CHECK(false, "bench graph: {} node {} has no edge", type, v);
    }
  }
}

}  // namespace kg::synth::bench_graph
