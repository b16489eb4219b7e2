// Splits and ablations on an ingested synthetic demo: `kgpert split` writes cold-cell and
// cold-drug splits with no cell line / compound in two parts and names the problem when there
// are too few cell lines; no_kg removes exactly the kg.csv edges of a real ingest.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "graph/ops.hpp"
#include "ingest/ingest.hpp"
#include "stages/stage.hpp"
#include "support/kgtest.hpp"
#include "synth/demo.hpp"

namespace {

// A small demo (5 cell lines, 40 compounds) written to a per-test folder; the config that
// ingests it.
kg::Config demo_config(const std::string& name, std::vector<std::string> sets = {}) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / ("split_ablation_" + name);
  std::filesystem::remove_all(dir);
  kg::Config c = kg::Config::load(
      "", {"synth.seed=5", "synth.n_drugs=40", "synth.n_cells=5", "synth.n_proteins=60",
           "synth.n_pathways=6", "synth.n_scaffolds=8", "synth.n_other=30", "synth.n_controls=2"});
  kg::synth::write_demo(kg::synth::make_demo(c), dir.string());
  for (const auto& [key, file] : std::map<std::string, std::string>{
           {"kg_csv", "kg.csv"}, {"gctx", "signatures.gctx"}, {"sig_info", "sig_info.txt"},
           {"gene_info", "gene_info.txt"}, {"cell_info", "cell_info.txt"},
           {"pert_info", "pert_info.txt"}, {"drugbank_vocab", "drugbank_vocabulary.csv"}})
    sets.push_back("inputs." + key + "=" + (dir / file).string());
  sets.insert(sets.end(), {"ingest.fp_bits=64", "ingest.name_dim=8"});
  return kg::Config::load("", sets);
}

// Ingests `cfg`, writes samples.h5 and runs `kgpert split` with split.kind = kind.
kg::Split run_split(const kg::Config& cfg, const kg::Samples& s, const std::string& kind) {
  const std::string dir = ::testing::TempDir();
  const std::string samples = dir + "split_ablation_samples.h5", out = dir + "split_ablation_" + kind + ".h5";
  {
    kg::h5::Writer w(samples);
    kg::write_samples(w, s);
    w.commit();
  }
  kg::StageContext ctx;
  ctx.stage = "split";
  ctx.cfg = cfg;
  ctx.cfg.split.kind = kind;
  ctx.options["samples"] = {samples};
  ctx.options["out"] = {out};
  EXPECT_EQ(kg::stage_split(ctx), 0);
  return kg::read_split(out, s.num_signatures());
}

// Distinct values of key[sig] per part.
std::vector<std::set<int32_t>> per_part(const kg::Split& sp, const std::vector<int32_t>& key) {
  std::vector<std::set<int32_t>> out;
  for (const auto* part : {&sp.train, &sp.val, &sp.test}) {
    out.emplace_back();
    for (auto i : *part) out.back().insert(key[size_t(i)]);
  }
  return out;
}

void expect_disjoint(const std::vector<std::set<int32_t>>& parts, const std::string& what) {
  for (size_t a = 0; a < 3; ++a)
    for (size_t b = a + 1; b < 3; ++b)
      for (auto x : parts[a]) EXPECT_EQ(parts[b].count(x), 0u) << what << " " << x << " in parts " << a << " and " << b;
}

TEST(SplitStage, ColdSplitsKeepCellLinesAndCompoundsWhole) {
  auto cfg = demo_config("cold", {"split.train_frac=0.6", "split.val_frac=0.2"});
  auto r = kg::ingest(cfg);
  const auto& s = r.samples;
  ASSERT_EQ(s.cell_id.size(), 5u);
  const auto cell = run_split(cfg, s, "cold_cell");
  EXPECT_EQ(cell.kind, "cold_cell");
  auto cells = per_part(cell, s.sig_cell);
  expect_disjoint(cells, "cell line");
  // 5 cell lines at 0.6 / 0.2 / 0.2: 3 / 1 / 1.
  EXPECT_EQ(cells[0].size(), 3u);
  EXPECT_EQ(cells[1].size(), 1u);
  EXPECT_EQ(cells[2].size(), 1u);
  const auto drug = run_split(cfg, s, "cold_drug");
  auto drugs = per_part(drug, s.sig_drug);
  expect_disjoint(drugs, "compound");
  EXPECT_EQ(drugs[0].size() + drugs[1].size() + drugs[2].size(), s.drug_pert_id.size());
  const double n = double(s.num_signatures());
  EXPECT_NEAR(double(drug.train.size()) / n, 0.6, 0.1);
  EXPECT_NEAR(double(drug.test.size()) / n, 0.2, 0.1);
  // The scaffold split keeps scaffolds whole (groups from /drug_group).
  const auto scaf = run_split(cfg, s, "scaffold");
  std::map<std::string, int32_t> ids;
  std::vector<int32_t> sig_scaffold;
  for (auto d : s.sig_drug) sig_scaffold.push_back(ids.emplace(scaf.drug_group[size_t(d)], int32_t(ids.size())).first->second);
  expect_disjoint(per_part(scaf, sig_scaffold), "scaffold");
}

TEST(SplitStage, ColdCellWithTwoCellLinesNamesTheProblem) {
  auto probe = kg::ingest(demo_config("probe"));
  const auto& ids = probe.samples.cell_id;
  auto cfg = demo_config("two", {"ingest.cell_lines=[" + ids[0] + "," + ids[1] + "]"});
  auto r = kg::ingest(cfg);
  ASSERT_EQ(r.samples.cell_id.size(), 2u);
  kgtest::expect_error([&] { run_split(cfg, r.samples, "cold_cell"); },
                       {"samples \"", "has signatures of 2 cell lines", "cold_cell", "at least 3"});
}

TEST(NoKgOnIngest, RemovesExactlyTheKgCsvEdges) {
  auto r = kg::ingest(demo_config("nokg"));
  auto g = r.graph;
  const int64_t lincs_edges = g.num_edges() - r.stats.kg_edges;
  ASSERT_GT(lincs_edges, 0);  // the demo's cell lines link to anatomy and disease nodes
  EXPECT_EQ(kg::remove_kg_edges(g), r.stats.kg_edges);
  EXPECT_EQ(g.num_edges(), lincs_edges);
  for (int32_t v = 0; v < g.num_nodes(); ++v)
    for (auto e = g.indptr[size_t(v)]; e < g.indptr[size_t(v) + 1]; ++e) {
      const auto& rel = g.relation_names[size_t(g.rel[size_t(e)])];
      EXPECT_TRUE(rel == "cell_line_anatomy" || rel == "cell_line_disease") << rel;
    }
  EXPECT_EQ(g.node_id, r.graph.node_id);
  EXPECT_EQ(g.features.size(), r.graph.features.size());
}

// gat.relations: the GAT's graph (train and explain, through apply_ablation) keeps only the
// named relations' edges, for the GAT alone; an unknown name is an error naming the key and the
// graph's relations.
TEST(GatRelations, KeepOnlyTheNamedRelationsForTheGat) {
  kg::Config cfg = demo_config("relations");
  auto r = kg::ingest(cfg);
  cfg.model = "gat";
  cfg.gat.relations = {"drug_protein", "cell_line_disease"};
  auto g = r.graph;
  auto s = r.samples;
  kg::apply_ablation(cfg, g, s);
  std::map<std::string, int64_t> count, before;
  for (auto rel : g.rel) ++count[g.relation_names[size_t(rel)]];
  for (auto rel : r.graph.rel) ++before[r.graph.relation_names[size_t(rel)]];
  ASSERT_GT(before["drug_protein"], 0);
  ASSERT_GT(before["cell_line_disease"], 0);
  EXPECT_EQ(count, (std::map<std::string, int64_t>{{"drug_protein", before["drug_protein"]},
                                                    {"cell_line_disease", before["cell_line_disease"]}}));
  cfg.model = "mlp";  // another model: the graph is untouched
  auto h = r.graph;
  kg::apply_ablation(cfg, h, s);
  EXPECT_EQ(h.num_edges(), r.graph.num_edges());
  cfg.model = "gat";
  cfg.gat.relations = {"drug_protein", "drug_target"};
  kgtest::expect_error([&] { kg::apply_ablation(cfg, h, s); },
                       {"gat.relations", "\"drug_target\" is not a relation of the graph", "drug_protein, "});
}

}  // namespace
