// Real-data ingest end to end: the LJP005 A375 level-4 plate (metadata from the GCTX itself,
// DMSO wells as controls), the dhimmel compound table, the DrugBank vocabulary and PrimeKG's
// drug-protein rows -> graph and samples, then a split and a short GAT training run.
// Known answers computed with h5py/csv from the same files (docs in the test body).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/config.hpp"
#include "graph/ops.hpp"
#include "ingest/ingest.hpp"
#include "io/gctx.hpp"
#include "support/kgtest.hpp"
#include "train/trainer.hpp"

namespace {

TEST(RealIngest, LjpPlateWithPrimeKgDrugProteinSubsetTrains) {
  KG_REAL_FILE(gctx, "cmapPy/test_l1000_highprecision.gctx");
  KG_REAL_FILE(perts, "dhimmel-lincs/pertinfo.tsv.gz");
  KG_REAL_FILE(vocab, "drugbank-vocabulary/drugbank_vocabulary.csv");
  KG_REAL_FILE(kg_csv, "primekg-subset-arnold117/test_edges.csv");
  auto cfg = kg::Config::load(
      "", {"inputs.kg_csv=" + kg_csv, "inputs.gctx=" + gctx, "inputs.controls_gctx=" + gctx,
           "inputs.pert_info=" + perts, "inputs.drugbank_vocab=" + vocab, "ingest.fp_bits=256",
           "ingest.name_dim=16", "model=gat", "gat.hidden=16", "gat.heads=2", "gat.layers=2",
           "gat.rel_dim=4", "gat.head_hidden=32", "gat.dropout=0", "gat.attn_dropout=0",
           "train.epochs=6", "train.patience=100", "train.batch_size=64", "train.lr=0.003"});
  // sig_info and gene_info stay empty: signature and landmark metadata come from the GCTX.
  auto r = kg::ingest(cfg);
  const auto& st = r.stats;
  const auto& s = r.samples;

  // test_edges.csv: 7696 rows over 4872 distinct (type, id) nodes.
  EXPECT_EQ(st.kg_edges, 7696);
  EXPECT_EQ(st.kg_nodes, 4872);
  // The plate: 377 wells = 328 trt_cp + 26 ctl_vehicle (DMSO) + 23 trt_poscon; 978 landmarks.
  EXPECT_EQ(st.signatures_in_table, 377);
  EXPECT_EQ(st.skipped_type, 49);
  EXPECT_EQ(st.skipped_not_in_gctx, 0);
  EXPECT_EQ(s.gene_id.size(), 978u);
  // Every trt_cp well is kept, in column order.
  kg::GctxFile f(gctx);
  auto cols = f.cols();
  std::vector<std::string> trt;
  for (size_t j = 0; j < cols.ids.size(); ++j)
    if (cols.fields.at("pert_type")[j] == "trt_cp") trt.push_back(cols.ids[j]);
  EXPECT_EQ(s.sig_id, trt);
  // 55 trt_cp compounds (59 BRD ids with the poscons): 8 absent from pertinfo; 22 have an
  // InChIKey in the DrugBank vocabulary, 12 of those are drugs of test_edges.csv; 1 more
  // (dovitinib, BRD-K85402309 -> DB05928) matches by name; 42 become new nodes.
  EXPECT_EQ(s.drug_pert_id.size(), 55u);
  EXPECT_EQ(st.perts_not_in_pert_info, 8);
  EXPECT_EQ(st.smiles_missing, 8);
  EXPECT_EQ(st.match_inchikey, 12);
  EXPECT_EQ(st.match_name, 1);
  EXPECT_EQ(st.match_new, 42);
  auto by_name = std::find(s.drug_match.begin(), s.drug_match.end(), "name") - s.drug_match.begin();
  ASSERT_LT(size_t(by_name), s.drug_match.size());
  EXPECT_EQ(s.drug_pert_id[size_t(by_name)], "BRD-K85402309") << s.drug_name[size_t(by_name)];
  EXPECT_EQ(r.graph.node_id[size_t(s.drug_node[size_t(by_name)])], "DB05928");
  // One cell line, A375, with its DMSO baseline.
  EXPECT_EQ(s.cell_id, std::vector<std::string>{"A375"});
  EXPECT_EQ(st.cells_with_controls, 1);
  EXPECT_EQ(r.graph.num_nodes(), 4872 + 42 + 1);
  for (float v : s.y.data) ASSERT_TRUE(std::isfinite(v));

  auto split = kg::make_split("random", s.num_signatures(), {}, 0.8, 0.1, 0);
  auto run = kg::train_model(cfg, r.graph, s, split);
  ASSERT_EQ(run.curves.size(), 6u);
  EXPECT_LT(run.curves.back().train_loss, run.curves.front().train_loss);
  for (const auto& e : run.curves) std::cerr << "epoch " << e.epoch << " train " << e.train_loss
                                             << " val " << e.val_loss << " pearson " << e.val_pearson << "\n";
}

}  // namespace
