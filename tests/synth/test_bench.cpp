// Tests of the benchmark regimes (synth/bench.hpp, docs/BENCH.md): determinism, the shape of
// the medium-scale graph, and each mechanism recomputed from the written graph structures.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/error.hpp"
#include "support/kgtest.hpp"
#include "io/gctx.hpp"
#include "io/kgcsv.hpp"
#include "synth/bench.hpp"

namespace kg::synth {
namespace {

Config small_config(const std::string& regime, int64_t seed = 5) {
  Config c;
  c.synth.regime = regime;
  c.synth.seed = seed;
  c.synth.n_drugs = 80;
  c.synth.n_cells = 4;
  c.synth.n_proteins = 400;
  c.synth.n_pathways = 30;
  c.synth.n_scaffolds = 12;
  c.synth.n_other = 400;
  c.synth.targets_per_drug = 3;
  c.synth.doses = {1.11, 10.0};
  c.synth.times = {6.0, 24.0};
  c.synth.noise = 0.9;
  c.synth.n_controls = 2;
  return c;
}

// configs/bench/*.yaml's synth section.
Config medium_config(const std::string& regime) {
  Config c;
  c.synth.regime = regime;
  c.synth.seed = 11;
  c.synth.n_drugs = 800;
  c.synth.n_cells = 12;
  c.synth.n_proteins = 4000;
  c.synth.n_pathways = 300;
  c.synth.n_scaffolds = 120;
  c.synth.n_other = 8000;
  c.synth.targets_per_drug = 3;
  c.synth.primekg_drug_frac = 0.8;
  c.synth.doses = {0.37, 1.11, 3.33, 10.0};
  c.synth.times = {6.0, 24.0};
  c.synth.noise = 0.5;
  c.synth.n_controls = 4;
  return c;
}

using kgtest::slurp;
std::string out_dir(const std::string& name) { return kgtest::fresh_dir("bench_" + name); }

// Gene and pathway indices of the graph's nodes, and the edges of one relation (+ display).
struct GraphView {
  std::map<int32_t, int32_t> gene_of, pathway_of;
  explicit GraphView(const Kg& kg) {
    for (size_t g = 0; g < kg.gene_node.size(); ++g) gene_of[kg.gene_node[g]] = int32_t(g);
    for (size_t p = 0; p < kg.pathway_node.size(); ++p) pathway_of[kg.pathway_node[p]] = int32_t(p);
  }
  static std::vector<std::pair<int32_t, int32_t>> edges(const Kg& kg, const std::string& rel,
                                                        const std::string& display = "") {
    std::vector<std::pair<int32_t, int32_t>> out;
    for (const auto& e : kg.edges) {
      const auto& r = kg.relations[size_t(e.rel)];
      if (r.name == rel && (display.empty() || r.display == display)) out.push_back({e.x, e.y});
    }
    return out;
  }
  // Pathways of each gene, read from pathway_protein edges.
  std::vector<std::vector<int32_t>> gene_pathways(const Kg& kg) const {
    std::vector<std::vector<int32_t>> out(kg.gene_node.size());
    for (auto [x, y] : edges(kg, "pathway_protein")) out[size_t(gene_of.at(y))].push_back(pathway_of.at(x));
    for (auto& v : out) std::sort(v.begin(), v.end());
    return out;
  }
};

// Noise-free signal from its documented parts, given the activation a and the gates s.
void expect_signal_matches(const Bench& b, const h5::Matrix<float>& a) {
  const BenchTruth& t = b.truth;
  const World& w = b.data.world;
  const int64_t L = t.n_landmarks, P = a.cols;
  // Not a vacuous match: most compounds activate something and every part has a scale.
  int64_t active = 0;
  for (int64_t d = 0; d < a.rows; ++d)
    active += std::any_of(a.row(d), a.row(d) + P, [](float x) { return x != 0.0f; });
  EXPECT_GT(active, a.rows / 2);
  EXPECT_GT(t.k_target, 0);
  EXPECT_GT(t.k_chem, 0);
  EXPECT_GT(t.k_generic, 0);
  double worst = 0;
  for (int64_t i = 0; i < int64_t(w.signatures.size()); i += 7) {
    const auto& sig = w.signatures[size_t(i)];
    const double r = t.efficacy[size_t(sig.drug)] * bench_response_scale(t, sig.drug, sig.dose, sig.time);
    for (int64_t g = 0; g < L; g += 5) {
      double T = 0;
      for (int64_t p = 0; p < P; ++p) T += double(a.row(sig.drug)[p]) * t.gate.row(sig.cell)[p] * t.program.row(p)[g];
      double want = r * (t.k_target * T + t.k_chem * t.chem.row(sig.drug)[g] + t.k_generic * t.generic.row(sig.cell)[g]);
      worst = std::max(worst, std::fabs(want - w.signal.row(i)[g]));
    }
  }
  EXPECT_LT(worst, 1e-4);
}

TEST(Bench, SameSeedGivesIdenticalFiles) {
  auto a = out_dir("a"), b = out_dir("b"), c = out_dir("c");
  write_demo(make_bench(small_config("context")).data, a);
  write_demo(make_bench(small_config("context")).data, b);
  write_demo(make_bench(small_config("context", 6)).data, c);
  for (const char* f : {DemoFiles::kg_csv, DemoFiles::sig_info, DemoFiles::gene_info, DemoFiles::cell_info,
                        DemoFiles::pert_info, DemoFiles::drugbank_vocab})
    EXPECT_EQ(slurp(a + "/" + f), slurp(b + "/" + f)) << f;
  // GCTX (HDF5 files carry object times): the same ids, metadata and values.
  auto matrix = [](const std::string& path) {
    GctxFile g(path);
    std::vector<int64_t> rows(size_t(g.num_rows())), cols(size_t(g.num_cols()));
    for (size_t i = 0; i < rows.size(); ++i) rows[i] = int64_t(i);
    for (size_t i = 0; i < cols.size(); ++i) cols[i] = int64_t(i);
    return std::make_tuple(g.row_ids(), g.col_ids(), g.cols().fields, g.read(rows, cols).data);
  };
  for (const char* f : {DemoFiles::signatures, DemoFiles::controls})
    EXPECT_TRUE(matrix(a + "/" + f) == matrix(b + "/" + f)) << f;
  EXPECT_NE(slurp(a + "/" + DemoFiles::kg_csv), slurp(c + "/" + DemoFiles::kg_csv));
  EXPECT_FALSE(matrix(a + "/" + DemoFiles::signatures) == matrix(c + "/" + DemoFiles::signatures));
}

TEST(Bench, BadRegimeAndSizesNameTheKey) {
  try {
    Config::load("", {"synth.regime=pathway9"});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("synth.regime"), std::string::npos) << e.what();
  }
  Config c = small_config("pathway2");
  c.synth.n_pathways = 10;
  try {
    make_bench(c);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("synth.n_pathways"), std::string::npos) << e.what();
  }
  c = small_config("pathway2");
  c.synth.targets_per_drug = 9;
  EXPECT_THROW(make_bench(c), Error);
}

// Shares one medium-scale instance of a regime between tests (a few seconds each).
const Bench& medium(const std::string& regime) {
  static std::map<std::string, Bench> cache;
  auto it = cache.find(regime);
  if (it == cache.end()) it = cache.emplace(regime, make_bench(medium_config(regime))).first;
  return it->second;
}

TEST(Bench, MediumGraphIsDenseTypedAndMostlyIrrelevant) {
  const Bench& b = medium("pathway2");
  const Kg& kg = b.data.kg;
  EXPECT_GE(kg.nodes.size(), 12000u);
  EXPECT_LE(kg.nodes.size(), 18000u);
  EXPECT_GE(2 * kg.edges.size(), 250000u);
  EXPECT_LE(2 * kg.edges.size(), 360000u);
  std::set<std::string> types, rels;
  for (const auto& n : kg.nodes) types.insert(n.type);
  EXPECT_EQ(types.size(), 10u);
  for (const auto& r : kg.relations) rels.insert(r.name);
  EXPECT_EQ(rels.size(), 30u);  // all of PrimeKG's relation names
  for (const auto& r : kg.relations)
    if (r.name == "drug_protein")
      EXPECT_TRUE(std::set<std::string>({"target", "enzyme", "transporter", "carrier"}).count(r.display)) << r.display;

  // Protein neighbourhoods: median in the dozens, a heavy tail, pathways a small share.
  std::vector<int64_t> deg(kg.nodes.size(), 0);
  int64_t pathway_ends = 0, protein_ends = 0;
  std::set<int32_t> genes(kg.gene_node.begin(), kg.gene_node.end());
  for (const auto& e : kg.edges) {
    ++deg[size_t(e.x)], ++deg[size_t(e.y)];
    bool pw = kg.relations[size_t(e.rel)].name == "pathway_protein";
    for (int32_t v : {e.x, e.y})
      if (genes.count(v)) ++protein_ends, pathway_ends += pw;
  }
  for (size_t v = 0; v < deg.size(); ++v) EXPECT_GT(deg[v], 0) << "node " << v << " has no edge";
  std::vector<int64_t> pdeg;
  for (int32_t v : kg.gene_node) pdeg.push_back(deg[size_t(v)]);
  std::sort(pdeg.begin(), pdeg.end());
  const int64_t med = pdeg[pdeg.size() / 2], p99 = pdeg[pdeg.size() * 99 / 100];
  EXPECT_GE(med, 20);
  EXPECT_LT(med, 100);
  EXPECT_GT(p99, 5 * med);
  EXPECT_LT(double(pathway_ends) / double(protein_ends), 0.10);

  // Compounds: ~20% unmatched, ~10% nearly inert, 1-6 targets with ~15% unlisted.
  int64_t D = int64_t(b.data.compounds.size()), matched = 0, inert = 0, n_t = 0, listed = 0, in_kg_targets = 0;
  for (int64_t d = 0; d < D; ++d) {
    matched += b.data.world.compound_in_kg[size_t(d)];
    inert += b.truth.inert[size_t(d)];
    EXPECT_GE(b.truth.targets[size_t(d)].size(), 1u);
    EXPECT_LE(b.truth.targets[size_t(d)].size(), 6u);
    for (size_t i = 0; i < b.truth.targets[size_t(d)].size(); ++i)
      if (b.data.world.compound_in_kg[size_t(d)]) ++in_kg_targets, listed += b.truth.target_listed[size_t(d)][i];
    n_t += int64_t(b.truth.targets[size_t(d)].size());
  }
  EXPECT_NEAR(double(matched) / double(D), 0.8, 0.04);
  EXPECT_NEAR(double(inert) / double(D), 0.1, 0.03);
  EXPECT_NEAR(double(listed) / double(in_kg_targets), 0.85, 0.03);

  // A held-out scaffold mostly hits proteins no other scaffold's compounds target, in
  // pathways other scaffolds' targets are in (what a scaffold split tests).
  const auto& compounds = b.data.compounds;
  int64_t new_targets = 0, seen_pathways = 0, pathway_slots = 0;
  for (int64_t k = 0; k < int64_t(b.truth.scaffold_home.size()); ++k) {
    std::set<int32_t> other_targets, other_pathways;
    for (int64_t e = 0; e < D; ++e)
      if (compounds[size_t(e)].scaffold != k)
        for (int32_t g : b.truth.targets[size_t(e)]) {
          other_targets.insert(g);
          for (int32_t p : b.truth.gene_pathways[size_t(g)]) other_pathways.insert(p);
        }
    for (int64_t e = 0; e < D; ++e)
      if (compounds[size_t(e)].scaffold == k)
        for (int32_t g : b.truth.targets[size_t(e)]) {
          new_targets += !other_targets.count(g);
          for (int32_t p : b.truth.gene_pathways[size_t(g)]) ++pathway_slots, seen_pathways += other_pathways.count(p);
        }
  }
  EXPECT_GT(double(new_targets) / double(n_t), 0.70);  // 0.755 at seed 11
  EXPECT_GT(double(seen_pathways) / double(pathway_slots), 0.9);  // 0.989

  // ADME hubs: bound by many drugs (~15% of ~1,440 drug nodes each), never a primary target.
  std::map<int32_t, int64_t> hub_deg;
  for (auto [x, y] : GraphView::edges(kg, "drug_protein"))
    for (int32_t h : b.truth.hubs)
      if (y == kg.gene_node[size_t(h)]) ++hub_deg[h];
  ASSERT_EQ(hub_deg.size(), b.truth.hubs.size());
  for (auto [h, n] : hub_deg) EXPECT_GT(n, 150) << "hub " << h;
  for (const auto& ts : b.truth.targets)
    for (int32_t g : ts) EXPECT_FALSE(std::count(b.truth.hubs.begin(), b.truth.hubs.end(), g));

  // Signatures ~10-12k; the noise ceiling at the top dose in the intended band.
  EXPECT_GE(b.data.world.signatures.size(), 9000u);
  EXPECT_LE(b.data.world.signatures.size(), 13000u);
  EXPECT_GT(b.truth.ceiling_top, 0.6);
  EXPECT_LT(b.truth.ceiling_top, 0.75);
}

TEST(Bench, HubsRegimeBindsEveryCompoundToSeveralHubs) {
  const Bench& b = medium("hubs");
  for (const auto& h : b.truth.drug_hubs) {
    EXPECT_GE(h.size(), 3u);
    EXPECT_LE(h.size(), 6u);
  }
  // Affinities spread over two decades here, one elsewhere.
  float lo = 1;
  for (const auto& a : b.truth.affinity)
    for (float x : a) lo = std::min(lo, x);
  EXPECT_LT(lo, 0.05f);
}

TEST(Bench, Pathway2SignalIsTheDocumentedFormula) {
  Bench b = make_bench(small_config("pathway2"));
  const Kg& kg = b.data.kg;
  GraphView view(kg);
  auto pw = view.gene_pathways(kg);
  const BenchTruth& t = b.truth;
  // a_dp = sum_t w_t member(t, p) / |pathways(t)|, memberships read from kg.csv's edges.
  h5::Matrix<float> a;
  a.rows = int64_t(t.targets.size()), a.cols = t.n_pathways;
  a.data.assign(size_t(a.rows * a.cols), 0.0f);
  for (int64_t d = 0; d < a.rows; ++d)
    for (size_t i = 0; i < t.targets[size_t(d)].size(); ++i) {
      const auto& ps = pw[size_t(t.targets[size_t(d)][i])];
      for (int32_t p : ps) a.row(d)[p] += t.affinity[size_t(d)][i] / float(ps.size());
    }
  for (size_t i = 0; i < a.data.size(); ++i) ASSERT_NEAR(a.data[i], t.activation.data[i], 1e-5) << i;
  expect_signal_matches(b, a);
  // The listed targets are exactly the compound's drug_protein/target edges.
  std::map<int32_t, std::set<int32_t>> shown;
  for (auto [x, y] : GraphView::edges(kg, "drug_protein", "target")) shown[x].insert(view.gene_of.at(y));
  for (size_t d = 0; d < t.targets.size(); ++d) {
    std::set<int32_t> want;
    for (size_t i = 0; i < t.targets[d].size(); ++i)
      if (t.target_listed[d][i]) want.insert(t.targets[d][i]);
    int32_t node = kg.compound_node[d];
    EXPECT_EQ(node >= 0 ? shown[node] : std::set<int32_t>{}, want) << "compound " << d;
  }
  // Mild cell sensitivity: gates near 1.
  for (float s : t.gate.data) EXPECT_TRUE(s > 0.2f && s < 5.0f);
}

TEST(Bench, Ppi3GoesThroughInteractionPartners) {
  Bench b = make_bench(small_config("ppi3"));
  const Kg& kg = b.data.kg;
  GraphView view(kg);
  auto pw = view.gene_pathways(kg);
  std::vector<std::vector<int32_t>> nb(kg.gene_node.size());
  for (auto [x, y] : GraphView::edges(kg, "protein_protein"))
    nb[size_t(view.gene_of.at(x))].push_back(view.gene_of.at(y)), nb[size_t(view.gene_of.at(y))].push_back(view.gene_of.at(x));
  const BenchTruth& t = b.truth;
  h5::Matrix<float> a;
  a.rows = int64_t(t.targets.size()), a.cols = t.n_pathways;
  a.data.assign(size_t(a.rows * a.cols), 0.0f);
  for (int64_t d = 0; d < a.rows; ++d)
    for (size_t i = 0; i < t.targets[size_t(d)].size(); ++i) {
      const int32_t g = t.targets[size_t(d)][i];
      const double w = t.affinity[size_t(d)][i];
      for (int32_t p : pw[size_t(g)]) a.row(d)[p] += float(0.3 * w / double(pw[size_t(g)].size()));
      for (int32_t n : nb[size_t(g)])
        for (int32_t p : pw[size_t(n)]) a.row(d)[p] += float(w / double(nb[size_t(g)].size()) / double(pw[size_t(n)].size()));
    }
  for (size_t i = 0; i < a.data.size(); ++i) ASSERT_NEAR(a.data[i], t.activation.data[i], 1e-4) << i;
  expect_signal_matches(b, a);
}

TEST(Bench, ContextGatesThroughCellLineDiseaseGenes) {
  Bench b = make_bench(small_config("context"));
  const Kg& kg = b.data.kg;
  GraphView view(kg);
  auto pw = view.gene_pathways(kg);
  std::map<std::string, int32_t> disease_node;
  for (size_t v = 0; v < kg.nodes.size(); ++v)
    if (kg.nodes[v].type == "disease") disease_node[kg.nodes[v].name] = int32_t(v);
  auto dp = GraphView::edges(kg, "disease_protein");
  int64_t strong = 0;
  for (size_t c = 0; c < b.data.cells.size(); ++c) {
    // cell_info's disease -> disease_protein -> pathway_protein: s_cp = 0.15 + 0.85 min(n, 2) / 2.
    int32_t dis = disease_node.at(b.data.cells[c].disease);
    std::vector<int64_t> n(size_t(b.truth.n_pathways), 0);
    for (auto [x, y] : dp)
      if (x == dis)
        for (int32_t p : pw[size_t(view.gene_of.at(y))]) ++n[size_t(p)];
    for (int64_t p = 0; p < b.truth.n_pathways; ++p) {
      double want = 0.15 + 0.85 * double(std::min<int64_t>(n[size_t(p)], 2)) / 2.0;
      ASSERT_NEAR(b.truth.gate.row(int64_t(c))[p], want, 1e-6) << "cell " << c << " pathway " << p;
      strong += n[size_t(p)] >= 2;
    }
  }
  EXPECT_GT(strong, 0);
  expect_signal_matches(b, b.truth.activation);
}

TEST(Bench, NullResponsesIgnoreTheGraphAndPathway2DoNot) {
  Bench a = make_bench(small_config("null_graph"), 101), b = make_bench(small_config("null_graph"), 202);
  bool graph_differs = a.data.kg.edges.size() != b.data.kg.edges.size();
  for (size_t i = 0; !graph_differs && i < a.data.kg.edges.size(); ++i)
    graph_differs = a.data.kg.edges[i].x != b.data.kg.edges[i].x || a.data.kg.edges[i].y != b.data.kg.edges[i].y;
  EXPECT_TRUE(graph_differs);
  EXPECT_EQ(a.data.world.signal.data, b.data.world.signal.data);
  EXPECT_EQ(a.data.world.y.data, b.data.world.y.data);
  EXPECT_EQ(a.data.world.controls.data, b.data.world.controls.data);
  Bench c = make_bench(small_config("pathway2"), 101), d = make_bench(small_config("pathway2"), 202);
  EXPECT_EQ(c.data.world.signatures.size(), d.data.world.signatures.size());
  EXPECT_NE(c.data.world.signal.data, d.data.world.signal.data);
}

}  // namespace
}  // namespace kg::synth
