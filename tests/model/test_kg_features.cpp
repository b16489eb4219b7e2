// kg_ridge's metapath features on a hand-built typed graph against hand-computed products
// (direction, row/sym normalisation, a hub, an unmatched compound, missing relations), its
// design blocks, the ridge recovering a planted signal, and edge_shuffle changing the features.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <map>

#include "graph/ops.hpp"
#include "model/baselines.hpp"
#include "model/kg_features.hpp"
#include "support/kgtest.hpp"

namespace kg {
namespace {

// A typed graph built edge by edge; every edge is added in both directions, as PrimeKG does.
struct TinyKg {
  Graph g;
  Samples s;
  std::map<std::string, int32_t> id;
  std::vector<int32_t> dst, src, rel;

  int32_t node(const std::string& name, const char* type) {
    const auto v = int32_t(g.node_type.size());
    const int t = node_type_index(type);
    int64_t local = 0;
    for (int32_t x : g.node_type) local += x == t;
    g.node_type.push_back(t), g.local_index.push_back(local);
    g.node_id.push_back(name), g.node_name.push_back(name), g.node_source.push_back("test");
    return id[name] = v;
  }
  void edge(const std::string& a, const std::string& b, const std::string& r) {
    int32_t ri = g.relation_index(r);
    if (ri < 0) g.relation_names.push_back(r), ri = int32_t(g.relation_names.size() - 1);
    for (auto [x, y] : {std::pair{a, b}, {b, a}}) dst.push_back(id.at(y)), src.push_back(id.at(x)), rel.push_back(ri);
  }
  void finish() {
    Graph::build_csr(g.num_nodes(), dst, src, rel, g.indptr);
    g.src = src, g.rel = rel;
    g.features.assign(node_type_names().size(), {});
    for (size_t t = 0; t < node_type_names().size(); ++t) {
      int64_t n = 0;
      for (int32_t x : g.node_type) n += x == int32_t(t);
      g.features[t] = {std::vector<float>(size_t(n), 1.f), n, 1};
    }
    g.validate("tiny kg");
  }
};

// d0 targets p0 and the hub p1 (also bound by d1); d2 has no edge (an unmatched compound).
// PPI p0-p2, p1-p3, p1-p2; pathways w0 = {p0, p2}, w1 = {p1, p3}; cell c0 has disease x0 with
// genes p2, p3; cell c1 is linked to nothing.
TinyKg tiny() {
  TinyKg k;
  for (auto d : {"d0", "d1", "d2"}) k.node(d, "drug");
  for (auto p : {"p0", "p1", "p2", "p3"}) k.node(p, "gene/protein");
  for (auto w : {"w0", "w1"}) k.node(w, "pathway");
  k.node("x0", "disease");
  for (auto c : {"c0", "c1"}) k.node(c, "cell_line");
  k.edge("d0", "p0", "drug_protein"), k.edge("d0", "p1", "drug_protein"), k.edge("d1", "p1", "drug_protein");
  k.edge("p0", "p2", "protein_protein"), k.edge("p1", "p3", "protein_protein"), k.edge("p1", "p2", "protein_protein");
  k.edge("w0", "p0", "pathway_protein"), k.edge("w0", "p2", "pathway_protein");
  k.edge("w1", "p1", "pathway_protein"), k.edge("w1", "p3", "pathway_protein");
  k.edge("c0", "x0", "cell_line_disease"), k.edge("x0", "p2", "disease_protein"), k.edge("x0", "p3", "disease_protein");
  k.finish();
  return k;
}

// The path vector as {node name: value}.
std::map<std::string, double> walk(const TinyKg& k, const std::string& from, const std::string& path, HopNorm n) {
  PathWalker w(k.g);
  const char* type = from[0] == 'c' ? "cell_line" : "drug";
  const SparseVec v = w.walk(k.id.at(from), w.resolve(path, type, "baseline.kg_blocks"), n);
  std::map<std::string, double> out;
  for (size_t i = 0; i < v.key.size(); ++i) out[k.g.node_name[size_t(v.key[i])]] = v.value[i];
  return out;
}

void expect_vec(const std::map<std::string, double>& got, const std::map<std::string, double>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (const auto& [k, v] : want) {
    ASSERT_TRUE(got.count(k)) << k;
    EXPECT_NEAR(got.at(k), v, 1e-12) << k;
  }
}

const std::string kTargetPathway = "drug_protein>pathway_protein";
const std::string kPartnerPathway = "drug_protein>protein_protein>pathway_protein";
const std::string kCellPathway = "cell_line_disease>disease_protein>pathway_protein";

TEST(KgFeatures, TwoHopProductsUnderEachNormalisation) {
  const TinyKg k = tiny();
  // none: d0 -> {p0, p1} -> {w0, w1}, one walk each.
  expect_vec(walk(k, "d0", kTargetPathway, HopNorm::none), {{"w0", 1}, {"w1", 1}});
  // row: 1/2 per target, each target in one pathway.
  expect_vec(walk(k, "d0", kTargetPathway, HopNorm::row), {{"w0", 0.5}, {"w1", 0.5}});
  // sym: d0->p0 1/sqrt(2*1), d0->p1 1/sqrt(2*2) (p1 is bound by two drugs: the hub counts
  // less), then p->w 1/sqrt(1*2) (both pathways have two members).
  expect_vec(walk(k, "d0", kTargetPathway, HopNorm::sym),
             {{"w0", 1 / std::sqrt(2.0) / std::sqrt(2.0)}, {"w1", 0.5 / std::sqrt(2.0)}});
  expect_vec(walk(k, "d1", kTargetPathway, HopNorm::row), {{"w1", 1}});
}

TEST(KgFeatures, ThreeHopsReachPartnersPathwaysOnly) {
  const TinyKg k = tiny();
  // none: d0 -> p0 -> p2; d0 -> p1 -> {p3, p2}: p2 twice, p3 once; p2 in w0, p3 in w1.
  expect_vec(walk(k, "d0", kPartnerPathway, HopNorm::none), {{"w0", 2}, {"w1", 1}});
  // row: p0 1/2 -> p2 1/2; p1 1/2 -> p3 1/4, p2 1/4.
  expect_vec(walk(k, "d0", kPartnerPathway, HopNorm::row), {{"w0", 0.75}, {"w1", 0.25}});
  expect_vec(walk(k, "c0", kCellPathway, HopNorm::none), {{"w0", 1}, {"w1", 1}});
}

TEST(KgFeatures, UnmatchedCompoundAndUnlinkedCellReachNothing) {
  const TinyKg k = tiny();
  EXPECT_TRUE(walk(k, "d2", kTargetPathway, HopNorm::row).empty());
  EXPECT_TRUE(walk(k, "c1", kCellPathway, HopNorm::sym).empty());
}

TEST(KgFeatures, MissingRelationOrWrongDirectionNamesTheKey) {
  const TinyKg k = tiny();
  PathWalker w(k.g);
  kgtest::expect_error([&] { w.resolve("drug_target>pathway_protein", "drug", "baseline.kg_blocks"); },
                       {"relation \"drug_target\"", "not in the graph", "baseline.kg_blocks", "drug_protein"});
  // pathway_protein leaves pathways and proteins, never a drug.
  kgtest::expect_error([&] { w.resolve("pathway_protein", "drug", "baseline.kg_blocks"); },
                       {"\"pathway_protein\"", "no edge leaving drug nodes", "baseline.kg_blocks"});
  kgtest::expect_error([] { parse_hop_norm("l2"); }, {"\"l2\"", "row"});
}

// Signatures (d0,c0), (d1,c0), (d2,c1), (d0,c1) with doses 10, 1, 10, 1 uM.
TinyKg tiny_with_samples() {
  TinyKg k = tiny();
  for (auto d : {"d0", "d1", "d2"}) k.s.drug_pert_id.push_back(d), k.s.drug_node.push_back(k.id.at(d));
  k.s.drug_name = k.s.drug_pert_id, k.s.drug_smiles.assign(3, ""), k.s.drug_match.assign(3, "new");
  for (auto c : {"c0", "c1"}) k.s.cell_id.push_back(c), k.s.cell_node.push_back(k.id.at(c));
  k.s.gene_id = {"g"}, k.s.gene_symbol = {"G"}, k.s.gene_node = {-1};
  const int32_t pairs[4][2] = {{0, 0}, {1, 0}, {2, 1}, {0, 1}};
  for (int i = 0; i < 4; ++i) {
    k.s.sig_id.push_back("s" + std::to_string(i));
    k.s.sig_drug.push_back(pairs[i][0]), k.s.sig_cell.push_back(pairs[i][1]);
    k.s.dose_um.push_back(i % 2 ? 1.f : 10.f), k.s.time_h.push_back(24.f);
  }
  k.s.y = {std::vector<float>(4, 0.f), 4, 1};
  k.s.validate("tiny samples", k.g.num_nodes());
  return k;
}

std::vector<double> dense_row(const SparseRows& x, int64_t r) {
  std::vector<double> out(size_t(x.cols), 0.0);
  for (int64_t e = x.indptr[size_t(r)]; e < x.indptr[size_t(r) + 1]; ++e) out[size_t(x.index[size_t(e)])] = x.value[size_t(e)];
  return out;
}

TEST(KgDesign, BlocksAreProductsOverReachedColumnsScaledToUnitRowNorm) {
  const TinyKg k = tiny_with_samples();
  const KgDesign x(k.g, k.s, {"cell", "drug:" + kTargetPathway, "drug:" + kTargetPathway + "*cell:" + kCellPathway,
                              "drug:" + kTargetPathway + "*cell", "dose"}, HopNorm::none);
  ASSERT_EQ(x.num_blocks(), 5u);
  const int64_t w0 = k.id.at("w0"), w1 = k.id.at("w1");
  // Widths: 2 cells; pathways {w0, w1}; the gated product is non-zero only for (d0, c0):
  // {w0, w1}; the Kronecker block has (c, w) pairs d0c0: w0, w1; d1c0: w1; d0c1: w0, w1.
  const std::vector<int64_t> widths{x.width(0), x.width(1), x.width(2), x.width(3), x.width(4)};
  EXPECT_EQ(widths, (std::vector<int64_t>{2, 2, 2, 4, 1}));
  const std::vector<int64_t> path_keys{x.column_key(1, 0), x.column_key(1, 1)};
  EXPECT_EQ(path_keys, (std::vector<int64_t>{w0, w1}));
  const std::vector<int64_t> kron_keys{x.column_key(3, 0), x.column_key(3, 1), x.column_key(3, 2), x.column_key(3, 3)};
  EXPECT_EQ(kron_keys, (std::vector<int64_t>{w0 * 2, w0 * 2 + 1, w1 * 2, w1 * 2 + 1}));
  // Scales: mean squared row norms over the 4 signatures. cell: 1. path: (2 + 1 + 0 + 2)/4.
  // gated: (d0,c0) 2, (d1,c0) 1 (w1 only), the rest 0: 3/4. Kronecker: as the path block.
  // dose: standardised log1p of 10, 1, 10, 1 = +1, -1, +1, -1, so 1.
  EXPECT_NEAR(x.scale(0), 1.0, 1e-12);
  EXPECT_NEAR(x.scale(1), 1 / std::sqrt(5.0 / 4), 1e-12);
  EXPECT_NEAR(x.scale(2), 1 / std::sqrt(3.0 / 4), 1e-12);
  EXPECT_NEAR(x.scale(3), 1 / std::sqrt(5.0 / 4), 1e-12);
  EXPECT_NEAR(x.scale(4), 1.0, 1e-12);
  const SparseRows r = x.rows({0, 1, 2, 3});
  ASSERT_EQ(r.cols, 11);
  const double a = x.scale(1), b = x.scale(2);
  // cols: cell(2) | path w0 w1 | gated w0 w1 | kron w0c0 w0c1 w1c0 w1c1 | dose (+1, -1)
  const std::vector<std::vector<double>> want{
      {1, 0, a, a, b, b, a, 0, a, 0, 1},
      {1, 0, 0, a, 0, b, 0, 0, a, 0, -1},
      {0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1},   // unmatched compound: cell and dose only
      {0, 1, a, a, 0, 0, 0, a, 0, a, -1}};  // c1 is unlinked: no gated term
  for (int64_t i = 0; i < 4; ++i) {
    const auto got = dense_row(r, i);
    for (size_t j = 0; j < want[size_t(i)].size(); ++j) EXPECT_NEAR(got[j], want[size_t(i)][j], 1e-6) << i << "," << j;
  }
  kgtest::expect_error([&] { KgDesign(k.g, k.s, {"drug:" + kTargetPathway + "*cells"}, HopNorm::row); },
                       {"unknown factor \"cells\"", "baseline.kg_blocks"});
  kgtest::expect_error([&] { KgDesign(k.g, k.s, {"cell:drug_protein"}, HopNorm::row); },
                       {"\"drug_protein\"", "no edge leaving cell_line nodes", "baseline.kg_blocks"});
}

// 60 drugs on 12 proteins in 4 pathways (3 members each, no overlap), each drug with 1-3
// targets drawn by a fixed rule; y = 2 + W x_path (row normalisation) with W known.
TinyKg planted(std::vector<std::array<double, 4>>& act) {
  TinyKg k;
  const int D = 60, P = 12;
  for (int d = 0; d < D; ++d) k.node("d" + std::to_string(d), "drug");
  for (int p = 0; p < P; ++p) k.node("p" + std::to_string(p), "gene/protein");
  for (int w = 0; w < 4; ++w) k.node("w" + std::to_string(w), "pathway");
  k.node("c0", "cell_line");
  for (int p = 0; p < P; ++p) k.edge("w" + std::to_string(p / 3), "p" + std::to_string(p), "pathway_protein");
  for (int p = 0; p + 1 < P; p += 2) k.edge("p" + std::to_string(p), "p" + std::to_string(p + 1), "protein_protein");
  act.assign(size_t(D), {0, 0, 0, 0});
  for (int d = 0; d < D; ++d) {
    const int n = 1 + d % 3;
    for (int t = 0; t < n; ++t) {
      const int p = (d * 7 + t * 5) % P;
      k.edge("d" + std::to_string(d), "p" + std::to_string(p), "drug_protein");
      act[size_t(d)][size_t(p / 3)] += 1.0 / n;
    }
    k.s.drug_pert_id.push_back("d" + std::to_string(d)), k.s.drug_node.push_back(d);
  }
  k.finish();
  k.s.drug_name = k.s.drug_pert_id, k.s.drug_smiles.assign(size_t(D), ""), k.s.drug_match.assign(size_t(D), "new");
  k.s.cell_id = {"c0"}, k.s.cell_node = {k.id.at("c0")};
  k.s.gene_id = {"g0", "g1"}, k.s.gene_symbol = {"A", "B"}, k.s.gene_node = {-1, -1};
  const double W[2][4] = {{1, -2, 0.5, 3}, {0, 1, -1, 2}};
  k.s.y = {{}, D, 2};
  for (int d = 0; d < D; ++d) {
    k.s.sig_id.push_back("s" + std::to_string(d));
    k.s.sig_drug.push_back(d), k.s.sig_cell.push_back(0), k.s.dose_um.push_back(10), k.s.time_h.push_back(24);
    for (int g = 0; g < 2; ++g) {
      double y = 2;
      for (int w = 0; w < 4; ++w) y += W[g][w] * act[size_t(d)][size_t(w)];
      k.s.y.data.push_back(float(y));
    }
  }
  k.s.validate("planted samples", k.g.num_nodes());
  return k;
}

TEST(KgRidge, RecoversAPlantedLinearSignalOnHeldOutCompounds) {
  std::vector<std::array<double, 4>> act;
  const TinyKg k = planted(act);
  Config cfg;
  cfg.model = "kg_ridge";
  cfg.baseline.kg_blocks = {"cell", "drug:" + kTargetPathway};
  cfg.baseline.kg_norm = {"row"};
  cfg.baseline.kg_alpha = {1e-6};
  ASSERT_TRUE(is_closed_form("kg_ridge"));
  ASSERT_EQ(baseline_choices(cfg), 1u);
  EXPECT_EQ(baseline_choice(cfg, 0), "baseline.kg_norm=row baseline.kg_alpha=1e-06");
  auto m = make_baseline(cfg, k.g, k.s, 0);
  std::vector<int64_t> train, test;
  for (int64_t d = 0; d < 60; ++d) (d % 5 == 4 ? test : train).push_back(d);
  m->fit(train);
  const auto pred = m->predict(test);
  for (size_t i = 0; i < test.size(); ++i)
    for (int64_t g = 0; g < 2; ++g) EXPECT_NEAR(pred.row(int64_t(i))[g], k.s.y.row(test[i])[g], 1e-4) << test[i];
  // p = 1 cell + 4 pathways, G = 2.
  EXPECT_EQ(m->num_fitted(), (1 + 4 + 1) * 2);
  // Choices: norm major, alpha minor.
  cfg.baseline.kg_norm = {"row", "sym"}, cfg.baseline.kg_alpha = {1, 10, 100};
  EXPECT_EQ(baseline_choices(cfg), 6u);
  EXPECT_EQ(baseline_choice(cfg, 4), "baseline.kg_norm=sym baseline.kg_alpha=10");
}

TEST(KgFeatures, EdgeShuffleChangesThePathFeatures) {
  std::vector<std::array<double, 4>> act;
  TinyKg k = planted(act);
  const KgDesign before(k.g, k.s, {"drug:" + kPartnerPathway}, HopNorm::row);
  shuffle_edges(k.g, 3);
  const KgDesign after(k.g, k.s, {"drug:" + kPartnerPathway}, HopNorm::row);
  std::vector<int64_t> all(60);
  for (int64_t i = 0; i < 60; ++i) all[size_t(i)] = i;
  const SparseRows a = before.rows(all), b = after.rows(all);
  int64_t changed = 0;
  for (int64_t i = 0; i < 60; ++i) {
    std::map<int64_t, double> va, vb;  // by pathway node, so differing column sets compare fairly
    for (int64_t e = a.indptr[size_t(i)]; e < a.indptr[size_t(i) + 1]; ++e)
      va[before.column_key(0, a.index[size_t(e)])] = a.value[size_t(e)] / before.scale(0);
    for (int64_t e = b.indptr[size_t(i)]; e < b.indptr[size_t(i) + 1]; ++e)
      vb[after.column_key(0, b.index[size_t(e)])] = b.value[size_t(e)] / after.scale(0);
    changed += va != vb;
  }
  EXPECT_GT(changed, 20) << "of 60 compounds";
}

}  // namespace
}  // namespace kg
