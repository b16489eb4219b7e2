// The PrimeKG + LINCS scale generator (synth --scale primekg --signatures N) at a small size,
// through ingest: every count ingest reports is recomputed here from the written tables.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "core/config.hpp"
#include "ingest/ingest.hpp"
#include "io/gctx.hpp"
#include "io/lincs.hpp"
#include "synth/scale.hpp"

namespace {

TEST(ScaleIngest, LincsLikeFilesIngestWithTheCountsTheTablesImply) {
  const double scale = 0.05;  // 1,384 gene/protein nodes: 978 landmarks among them
  const uint64_t seed = 11;
  const std::string dir = ::testing::TempDir() + "lincs_like";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  kg::synth::write_primekg_like(dir + "/kg.csv", scale, seed);
  auto ls = kg::synth::write_lincs_like(dir, kg::synth::primekg_like_nodes(scale, seed), 3000, seed, 2);
  EXPECT_EQ(ls.signatures, 3000);
  EXPECT_EQ(ls.genes, 1384);

  // What the tables say.
  auto sigs = kg::read_sig_info(dir + "/sig_info.txt").rows;
  auto genes = kg::read_gene_info(dir + "/gene_info.txt").rows;
  auto perts = kg::read_pert_info(dir + "/pert_info.txt").rows;
  auto vocab = kg::read_drugbank_vocab(dir + "/drugbank_vocabulary.csv").rows;
  ASSERT_EQ(sigs.size(), 3000u);
  int64_t landmarks = 0;
  for (const auto& g : genes) landmarks += g.is_landmark;
  EXPECT_EQ(landmarks, 978);
  std::set<std::string> used;  // compounds of trt_cp signatures
  int64_t trt_cp = 0;
  for (const auto& s : sigs)
    if (s.pert_type == "trt_cp") ++trt_cp, used.insert(s.pert_id);
  EXPECT_EQ(trt_cp, ls.trt_cp);
  EXPECT_GT(trt_cp, 600);  // ~43% of 3,000, in plates of 384
  std::map<std::string, std::string> key_of, name_of;
  for (const auto& p : perts) key_of[p.pert_id] = p.inchikey, name_of[p.pert_id] = p.name;
  std::set<std::string> vocab_keys, vocab_names;
  for (const auto& v : vocab) {
    if (!v.inchikey.empty()) vocab_keys.insert(v.inchikey);
    else vocab_names.insert(v.name);
  }
  int64_t by_key = 0, by_name = 0;
  for (const auto& p : used) {
    if (vocab_keys.count(key_of.at(p))) ++by_key;
    else if (!name_of.at(p).empty()) {
      std::string n = name_of.at(p);
      n[0] = char(std::toupper(static_cast<unsigned char>(n[0])));
      by_name += vocab_names.count(n) > 0;
    }
  }
  EXPECT_GT(by_key, 0);
  EXPECT_GT(by_name, 0);

  auto cfg = kg::Config::load(
      "", {"inputs.kg_csv=" + dir + "/kg.csv", "inputs.gctx=" + dir + "/level5.gctx",
           "inputs.sig_info=" + dir + "/sig_info.txt", "inputs.gene_info=" + dir + "/gene_info.txt",
           "inputs.cell_info=" + dir + "/cell_info.txt", "inputs.pert_info=" + dir + "/pert_info.txt",
           "inputs.drugbank_vocab=" + dir + "/drugbank_vocabulary.csv", "ingest.replicates=all",
           "ingest.fp_bits=64", "ingest.name_dim=8", "threads=2"});
  auto r = kg::ingest(cfg);
  const auto& st = r.stats;
  EXPECT_EQ(st.signatures_in_table, 3000);
  EXPECT_EQ(st.skipped_type, 3000 - trt_cp);
  EXPECT_EQ(st.signatures_kept, trt_cp);
  EXPECT_EQ(int64_t(r.samples.drug_pert_id.size()), int64_t(used.size()));
  EXPECT_EQ(st.match_inchikey, by_key);
  EXPECT_EQ(st.match_name, by_name);
  EXPECT_EQ(st.match_new, int64_t(used.size()) - by_key - by_name);
  EXPECT_EQ(st.smiles_unparsable, 0);
  EXPECT_EQ(st.smiles_missing, 0);
  EXPECT_EQ(st.cells_linked, int64_t(r.samples.cell_id.size()));  // sites and diseases are KG names

  // The values: the landmark rows of the kept columns, in sig_info order.
  kg::GctxFile f(dir + "/level5.gctx");
  std::vector<int64_t> lm_rows, cols;
  for (size_t g = 0; g < genes.size(); ++g)
    if (genes[g].is_landmark) lm_rows.push_back(int64_t(g));
  for (size_t j = 0; j < sigs.size(); ++j)
    if (sigs[j].pert_type == "trt_cp") cols.push_back(int64_t(j));
  auto want = f.read(lm_rows, cols);
  ASSERT_EQ(r.samples.y.rows, want.rows);
  EXPECT_EQ(r.samples.y.data, want.data);
  std::filesystem::remove_all(dir);
}

}  // namespace
