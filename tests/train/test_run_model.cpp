// What run.h5 keeps of a trained GAT: its best parameters (a model rebuilt from them predicts
// exactly the run's test predictions) and its mean attention per relation over the whole graph;
// an MLP run keeps neither.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "support/kgtest.hpp"
#include "train/checkpoint.hpp"
#include "train/run_file.hpp"
#include "train/planted.hpp"

namespace kg {
namespace {

using namespace kg::planted;

std::string write(const RunResult& r, const std::string& name) {
  const std::string path = ::testing::TempDir() + "/kg_test_run_model_" + name + ".h5";
  h5::Writer w(path);
  write_run(w, r);
  w.commit();
  return path;
}

TEST(RunModel, GatRunRebuildsItsPredictionsAndStoresRelationAttention) {
  Planted p;
  Config c = small_config("gat");
  c.train.epochs = 3;
  RunResult r = train_model(c, p.g, p.s, p.split);
  const std::string path = write(r, "gat");
  h5::Reader in(path);

  // A fresh model (other initial weights) given the stored parameters predicts the test set
  // exactly as the run did.
  torch::manual_seed(99);
  GatModel m(c.gat, p.g, p.s);
  int64_t n = 0;
  for (const auto& q : m.named_parameters()) {
    EXPECT_TRUE(in.has("/model/" + q.key())) << q.key();
    n += q.value().numel();
  }
  EXPECT_EQ(n, r.n_params);
  EXPECT_EQ(r.params.size(), m.named_parameters().size());
  load_parameters(in, "/model", m);
  m.eval();
  torch::NoGradGuard ng;
  auto idx = torch::tensor(p.split.test, torch::kInt64);
  auto pred = m.decode(m.encode(), idx).contiguous();
  ASSERT_EQ(pred.numel(), int64_t(r.test_pred.data.size()));
  EXPECT_EQ(std::vector<float>(pred.data_ptr<float>(), pred.data_ptr<float>() + pred.numel()), r.test_pred.data);

  // Attention: one relation ("drug_protein", 240 edges) and the self-loop (one per node),
  // counted over the whole graph in each of the 2 layers; the same means as the rebuilt model's.
  EXPECT_EQ(in.read_strings("/attention/relation_names"), (std::vector<std::string>{"drug_protein", "self_loop"}));
  const auto mean = in.read_matrix<double>("/attention/mean");
  const auto edges = in.read_matrix<int64_t>("/attention/edges");
  ASSERT_EQ(mean.rows, 2);
  ASSERT_EQ(mean.cols, 2);
  EXPECT_EQ(edges.data, (std::vector<int64_t>{240, kDrugs + kProteins + kCells, 240, kDrugs + kProteins + kCells}));
  const std::vector<EdgeSet> whole(2, graph_edge_set(p.g));
  const auto again = relation_attention(m.encode_with_attention(&whole), p.g.relation_names);
  for (int64_t i = 0; i < 4; ++i) {
    EXPECT_GT(mean.data[size_t(i)], 0.0);
    EXPECT_LT(mean.data[size_t(i)], 1.0);
    EXPECT_DOUBLE_EQ(mean.data[size_t(i)], again.mean.data[size_t(i)]);
  }
  // Over both layers: weighted by the (equal) counts, the mean of the two layers.
  const auto all = in.read<double>("/attention/mean_all");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_NEAR(all[0], (mean.row(0)[0] + mean.row(1)[0]) / 2, 1e-12);
  std::remove(path.c_str());
}

TEST(RunModel, MlpRunStoresNoParametersOrAttention) {
  Planted p;
  Config c = small_config("mlp");
  c.train.epochs = 1;
  RunResult r = train_model(c, p.g, p.s, p.split);
  EXPECT_TRUE(r.params.empty());
  EXPECT_TRUE(r.attention.relations.empty());
  const std::string path = write(r, "mlp");
  h5::Reader in(path);
  EXPECT_FALSE(in.has("/model"));
  EXPECT_FALSE(in.has("/attention"));
  std::remove(path.c_str());
}

TEST(RunModel, LoadParametersNamesAMissingOrMisshapenDataset) {
  Planted p;
  Config c = small_config("gat");
  torch::manual_seed(1);
  GatModel m(c.gat, p.g, p.s);
  const std::string path = ::testing::TempDir() + "/kg_test_run_model_bad.h5";
  auto write_params = [&](bool all) {
    h5::Writer w(path);
    for (const auto& q : m.named_parameters()) {
      const auto t = q.value().detach().contiguous();
      if (q.key() == "head.0.weight") {
        const std::vector<float> v(7, 0.0f);  // [7] where the model has [64, 66]
        w.write("/model/" + q.key(), v.data(), {7}, false);
      } else if (all) {
        w.write("/model/" + q.key(), t.data_ptr<float>(), std::vector<hsize_t>(t.sizes().begin(), t.sizes().end()), false);
      }
    }
    w.commit();
  };
  write_params(true);
  kgtest::expect_error([&] { load_parameters(h5::Reader(path), "/model", m); },
                       {path, "/model/head.0.weight", "stored shape [7], the model has [64, 66]"});
  write_params(false);
  const std::string first = m.named_parameters()[0].key();
  kgtest::expect_error([&] { load_parameters(h5::Reader(path), "/model", m); },
                       {path, "/model/" + first, "missing"});
  std::remove(path.c_str());
}

}  // namespace
}  // namespace kg
