// Tests of the demo generator: determinism, the real formats it writes, and the planted signal.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "chem/chem.hpp"
#include "support/kgtest.hpp"
#include "core/error.hpp"
#include "graph/graph.hpp"
#include "io/gctx.hpp"
#include "io/kgcsv.hpp"
#include "io/lincs.hpp"
#include "synth/compounds.hpp"
#include "synth/demo.hpp"

namespace kg::synth {
namespace {

Config small_config(int64_t seed = 3) {
  Config c;
  c.synth.seed = seed;
  c.synth.n_drugs = 60;
  c.synth.n_cells = 5;
  c.synth.n_proteins = 200;
  c.synth.n_pathways = 8;
  c.synth.n_scaffolds = 20;
  c.synth.n_other = 80;
  c.synth.doses = {1.0, 10.0};
  c.synth.times = {24.0};
  c.synth.n_controls = 3;
  return c;
}

using kgtest::slurp;
std::string out_dir(const std::string& name) { return kgtest::fresh_dir("synth_" + name); }

TEST(Synth, SameSeedGivesIdenticalFilesAndOtherSeedDiffers) {
  auto a = out_dir("a"), b = out_dir("b"), c = out_dir("c");
  write_demo(make_demo(small_config(3)), a);
  write_demo(make_demo(small_config(3)), b);
  write_demo(make_demo(small_config(4)), c);
  for (const char* f : {DemoFiles::kg_csv, DemoFiles::pert_info, DemoFiles::drugbank_vocab, DemoFiles::sig_info})
    EXPECT_EQ(slurp(a + "/" + f), slurp(b + "/" + f)) << f;
  EXPECT_NE(slurp(a + "/kg.csv"), slurp(c + "/kg.csv"));
  GctxFile ga(a + "/signatures.gctx"), gb(b + "/signatures.gctx");
  std::vector<int64_t> rows(978), cols(size_t(ga.num_cols()));
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = int64_t(i);
  for (size_t i = 0; i < cols.size(); ++i) cols[i] = int64_t(i);
  EXPECT_EQ(ga.read(rows, cols).data, gb.read(rows, cols).data);
}

TEST(Synth, KgCsvHasPrimeKgSchemaAndConsistentIndices) {
  auto dir = out_dir("kg");
  Demo d = make_demo(small_config());
  write_demo(d, dir);
  std::ifstream in(dir + "/kg.csv");
  std::string header;
  std::getline(in, header);
  EXPECT_EQ(header, "relation,display_relation,x_index,x_id,x_type,x_name,x_source,y_index,y_id,y_type,y_name,y_source");
  const std::map<std::string, std::string> display{
      {"protein_protein", "ppi"}, {"drug_protein", "target"}, {"pathway_protein", "interacts with"},
      {"pathway_pathway", "parent-child"}, {"disease_protein", "associated with"},
      {"indication", "indication"}, {"drug_effect", "side effect"},
      {"bioprocess_protein", "interacts with"}, {"anatomy_protein_present", "expression present"},
      {"disease_phenotype_positive", "phenotype present"}};
  std::map<int64_t, std::string> node;  // index -> id|type|name
  std::set<std::tuple<std::string, int64_t, int64_t>> edges;
  std::set<std::string> rels;
  bool comma_name = false;
  int64_t rows = 0;
  read_kg_csv(dir + "/kg.csv", [&](const KgRow& r) {
    ++rows;
    rels.insert(std::string(r.relation));
    auto it = display.find(std::string(r.relation));
    if (it != display.end()) EXPECT_EQ(r.display_relation, it->second) << r.relation;
    EXPECT_GE(node_type_index(std::string(r.x_type)), 0) << r.x_type;
    EXPECT_LT(node_type_index(std::string(r.x_type)), 10) << r.x_type;  // PrimeKG's ten types
    for (auto [i, id, type, name] : {std::tuple{r.x_index, r.x_id, r.x_type, r.x_name},
                                      std::tuple{r.y_index, r.y_id, r.y_type, r.y_name}}) {
      std::string key = std::string(id) + "|" + std::string(type) + "|" + std::string(name);
      auto [pos, fresh] = node.emplace(i, key);
      EXPECT_EQ(pos->second, key) << "index " << i;
      comma_name = comma_name || name.find(',') != std::string_view::npos;
    }
    if (r.x_type == "drug") EXPECT_EQ(r.x_id.substr(0, 2), "DB");
    if (r.x_type == "pathway") EXPECT_EQ(r.x_id.substr(0, 6), "R-HSA-");
    edges.insert({std::string(r.relation), r.x_index, r.y_index});
  });
  EXPECT_EQ(rows, int64_t(2 * d.kg.edges.size()));
  for (const auto& [rel, x, y] : edges) EXPECT_TRUE(edges.count({rel, y, x})) << rel << " " << x << "->" << y;
  for (const auto& [rel, disp] : display) EXPECT_TRUE(rels.count(rel)) << rel;
  // Every node is used and indices run 0..N-1.
  EXPECT_EQ(int64_t(node.size()), int64_t(d.kg.nodes.size()));
  EXPECT_EQ(node.rbegin()->first, int64_t(d.kg.nodes.size()) - 1);
  EXPECT_TRUE(comma_name);
}

TEST(Synth, SizesFollowTheConfig) {
  Config c = small_config();
  Demo d = make_demo(c);
  std::map<std::string, int64_t> n;
  for (const auto& x : d.kg.nodes) ++n[x.type];
  EXPECT_EQ(n["gene/protein"], 978 + c.synth.n_proteins);
  EXPECT_EQ(n["pathway"], c.synth.n_pathways);
  int64_t in_kg = 0, sigs = 0;
  for (auto b : d.world.compound_in_kg) in_kg += b;
  EXPECT_EQ(n["drug"], in_kg + int64_t(d.kg_only.size()));
  EXPECT_NEAR(double(in_kg) / double(c.synth.n_drugs), c.synth.primekg_drug_frac, 0.15);
  int64_t ctx = 0;
  for (const auto& [t, k] : n)
    if (t != "gene/protein" && t != "pathway" && t != "drug") ctx += k;
  EXPECT_EQ(ctx, c.synth.n_other);
  std::map<int32_t, std::set<int32_t>> cells;
  for (const auto& s : d.world.signatures) cells[s.drug].insert(s.cell);
  for (const auto& [drug, cs] : cells) sigs += int64_t(cs.size()) * 2;  // 2 doses x 1 time
  const int64_t sigs_n = sigs;
  EXPECT_EQ(int64_t(cells.size()), c.synth.n_drugs);
  EXPECT_EQ(int64_t(d.world.signatures.size()), sigs);
  EXPECT_EQ(d.world.controls.rows, c.synth.n_cells * c.synth.n_controls);
  auto dir = out_dir("sizes");
  write_demo(d, dir);
  GctxFile g(dir + "/signatures.gctx"), ctl(dir + "/controls.gctx");
  EXPECT_EQ(g.num_rows(), 978);
  EXPECT_EQ(g.num_cols(), sigs);
  EXPECT_EQ(ctl.num_cols(), c.synth.n_cells * c.synth.n_controls);
  EXPECT_EQ(g.cols().fields.at("pert_type")[0], "trt_cp");
  EXPECT_EQ(ctl.cols().fields.at("pert_type")[0], "ctl_vehicle");
  auto genes = read_gene_info(dir + "/gene_info.txt");
  ASSERT_EQ(genes.rows.size(), 998u);
  EXPECT_TRUE(genes.rows[977].is_landmark);
  EXPECT_FALSE(genes.rows[978].is_landmark);
  auto cell_info = read_cell_info(dir + "/cell_info.txt");
  ASSERT_EQ(cell_info.rows.size(), 5u);
  EXPECT_EQ(cell_info.rows[0].lineage, "skin of body");
  EXPECT_EQ(cell_info.rows[0].disease, "melanoma");
  auto perts = read_pert_info(dir + "/pert_info.txt");
  ASSERT_EQ(perts.rows.size(), 60u);
  EXPECT_EQ(perts.rows[0].smiles, d.compounds[0].smiles);
  auto sig_info = read_sig_info(dir + "/sig_info.txt");
  ASSERT_EQ(int64_t(sig_info.rows.size()), sigs_n);
  EXPECT_DOUBLE_EQ(sig_info.rows[1].dose_um, 10.0);
}

TEST(Synth, SmilesParseAndScaffoldGroupsMatchMurcko) {
  Demo d = make_demo(small_config());
  std::map<int32_t, std::string> scaffold_of_group;
  std::set<std::string> inchikeys;
  for (const auto& c : d.compounds) {
    auto mol = chem::parse_smiles(c.smiles);
    ASSERT_TRUE(mol.has_value()) << c.smiles;
    EXPECT_EQ(chem::canonical_smiles(*mol), c.smiles);
    EXPECT_EQ(chem::inchikey(*mol), c.inchikey);
    auto [it, fresh] = scaffold_of_group.emplace(c.scaffold, chem::murcko_scaffold(*mol));
    EXPECT_EQ(it->second, chem::murcko_scaffold(*mol)) << c.smiles;
    inchikeys.insert(c.inchikey);
  }
  EXPECT_EQ(inchikeys.size(), d.compounds.size());
  std::set<std::string> distinct;
  for (const auto& [k, s] : scaffold_of_group) distinct.insert(s);
  EXPECT_EQ(distinct.size(), scaffold_of_group.size());  // one Murcko scaffold per group
  EXPECT_EQ(int64_t(scaffold_of_group.size()), small_config().synth.n_scaffolds);
}

TEST(Synth, PlantedTargetsFollowTheScaffoldHomePathway) {
  Config c = small_config();
  c.synth.n_drugs = 400;
  Demo d = make_demo(c);
  const World& w = d.world;
  int64_t home = 0, total = 0;
  for (size_t i = 0; i < w.compound_targets.size(); ++i) {
    int32_t p = w.scaffold_home[size_t(w.compound_scaffold[i])];
    for (int32_t t : w.compound_targets[i]) {
      auto& ps = w.gene_pathways[size_t(t)];
      home += std::count(ps.begin(), ps.end(), p);
      ++total;
    }
  }
  // 75% drawn from the home pathway plus random draws that land there (~1.3/8 of 25%).
  double rate = double(home) / double(total);
  EXPECT_GT(rate, 0.72);
  EXPECT_LT(rate, 0.88);
  EXPECT_NEAR(double(total) / double(w.compound_targets.size()), double(c.synth.targets_per_drug), 0.4);
  // Each scaffold's home pathway is one of n_pathways, every pathway is a home.
  std::set<int32_t> homes(w.scaffold_home.begin(), w.scaffold_home.end());
  EXPECT_EQ(int64_t(homes.size()), c.synth.n_pathways);
  // drug_protein edges of the graph are exactly the latent targets of PrimeKG compounds.
  int rel = -1;
  for (size_t r = 0; r < d.kg.relations.size(); ++r)
    if (d.kg.relations[r].name == "drug_protein") rel = int(r);
  std::set<std::pair<int32_t, int32_t>> kg_edges;
  for (const auto& e : d.kg.edges)
    if (e.rel == rel) kg_edges.insert({e.x, e.y});
  for (size_t i = 0; i < w.compound_targets.size(); ++i)
    for (int32_t t : w.compound_targets[i])
      EXPECT_EQ(kg_edges.count({d.kg.compound_node[i], d.kg.gene_node[size_t(t)]}), w.compound_in_kg[i] ? 1u : 0u);
}

TEST(Synth, SubstituentsActOnTheirPathwayWhateverTheScaffoldAndTargets) {
  Config c = small_config();
  c.synth.n_drugs = 300;
  Demo d = make_demo(c);
  const World& w = d.world;
  WorldShape shape;
  ASSERT_EQ(int32_t(w.group_pathway.size()), n_groups());
  EXPECT_EQ(w.group_pathway[0], -1);  // "no substituent" acts on nothing
  std::map<int32_t, std::set<int32_t>> scaffolds_of_kind;
  for (size_t i = 0; i < d.compounds.size(); ++i) {
    EXPECT_EQ(w.compound_groups[i], d.compounds[i].groups);
    // Recompute the target part of a_dp (the spec in world.hpp), then the rest must be the groups'.
    std::vector<double> a(size_t(w.n_pathways), 0.0);
    const auto& ts = w.compound_targets[i];
    for (int32_t t : ts) {
      for (int32_t p : w.gene_pathways[size_t(t)]) a[size_t(p)] += 1.0 / double(ts.size());
      for (int32_t n : w.ppi_adj[size_t(t)])
        for (int32_t p : w.gene_pathways[size_t(n)])
          a[size_t(p)] += shape.spill / double(w.ppi_adj[size_t(t)].size()) / double(ts.size());
    }
    for (int32_t g : d.compounds[i].groups) {
      if (g == 0) continue;
      a[size_t(w.group_pathway[size_t(g)])] += shape.group_weight;
      scaffolds_of_kind[g].insert(d.compounds[i].scaffold);
    }
    for (int64_t p = 0; p < w.n_pathways; ++p) EXPECT_NEAR(w.activation.row(int64_t(i))[p], a[size_t(p)], 1e-5);
  }
  // Every kind occurs, each on several scaffolds: the effect transfers to unseen scaffolds.
  EXPECT_EQ(int32_t(scaffolds_of_kind.size()), n_groups() - 1);
  for (const auto& [g, ks] : scaffolds_of_kind) EXPECT_GE(ks.size(), 3u) << "kind " << g;
}

TEST(Synth, SignalIsUnitScaleAndNoiseFollowsTheConfig) {
  Config c = small_config();
  c.synth.doses = {10.0};
  c.synth.noise = 0.5;
  Demo d = make_demo(c);
  double s2 = 0, r2 = 0, n = double(d.world.signal.data.size());
  for (size_t i = 0; i < d.world.signal.data.size(); ++i) {
    s2 += double(d.world.signal.data[i]) * d.world.signal.data[i];
    double r = d.world.y.data[i] - d.world.signal.data[i];
    r2 += r * r;
  }
  EXPECT_NEAR(std::sqrt(s2 / n), 1.0, 0.1);  // amp 1 at 10 uM, 24 h
  EXPECT_NEAR(std::sqrt(r2 / n), 0.5, 0.02);
  EXPECT_DOUBLE_EQ(amplitude(10.0, 24.0), 1.0);
  EXPECT_DOUBLE_EQ(amplitude(0.0, 24.0), 0.0);
  for (float v : d.world.controls.data) {
    EXPECT_GE(v, 2.0f);
    EXPECT_LE(v, 16.0f);
  }
}

TEST(Synth, VocabularyMatchesByInchikeyOrByNameOnly) {
  Demo d = make_demo(small_config());
  auto dir = out_dir("vocab");
  write_demo(d, dir);
  std::ifstream in(dir + "/drugbank_vocabulary.csv");
  std::string header;
  std::getline(in, header);
  EXPECT_EQ(header, "DrugBank ID,Accession Numbers,Common name,CAS,UNII,Synonyms,Standard InChI Key");
  auto v = read_drugbank_vocab(dir + "/drugbank_vocabulary.csv");
  std::map<std::string, std::pair<std::string, std::string>> by_id;  // id -> name, key
  for (const auto& e : v.rows) by_id[e.id] = {e.name, e.inchikey};
  int64_t matched = 0, no_key = 0;
  for (size_t i = 0; i < d.compounds.size(); ++i) {
    if (!d.world.compound_in_kg[i]) continue;
    ++matched;
    const auto& c = d.compounds[i];
    ASSERT_TRUE(by_id.count(c.drugbank));
    EXPECT_EQ(by_id[c.drugbank].first, d.kg.nodes[size_t(d.kg.compound_node[i])].name);
    if (by_id[c.drugbank].second.empty()) ++no_key;
    else EXPECT_EQ(by_id[c.drugbank].second, c.inchikey);
  }
  EXPECT_GT(no_key, 0);
  EXPECT_LT(no_key, matched / 3);
  EXPECT_GT(v.rows.size(), size_t(matched + 5));  // distractors
}

TEST(Synth, CellSitesAndDiseasesAreGraphNodes) {
  Demo d = make_demo(small_config());
  std::set<std::string> anatomy, disease;
  for (const auto& n : d.kg.nodes) {
    if (n.type == "anatomy") anatomy.insert(n.name);
    if (n.type == "disease") disease.insert(n.name);
  }
  for (const auto& c : d.cells) {
    EXPECT_TRUE(anatomy.count(c.primary_site)) << c.primary_site;
    EXPECT_TRUE(disease.count(c.disease)) << c.disease;
  }
  EXPECT_EQ(d.cells[0].id, "A375");
}

TEST(Synth, RealLandmarkTable) {
  std::string path = std::string(KGPERT_SOURCE_DIR) + "/../shared/data/real/cmapM/row_meta_n978.txt";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no real data at " << path;
  auto g = landmark_genes(path);
  ASSERT_EQ(g.size(), 978u);
  EXPECT_EQ(g[0].entrez, "5720");
  EXPECT_EQ(g[0].symbol, "PSME1");
  EXPECT_EQ(g[3].symbol, "ATF1");
}

TEST(Synth, InconsistentSizesAreConfigErrors) {
  Config c = small_config();
  c.synth.n_pathways = 300;
  try {
    make_demo(c);
    FAIL() << "expected kg::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("synth.n_proteins"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace kg::synth
