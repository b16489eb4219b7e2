// The trainer on a small planted problem (expression = a fixed function of the drug's protein
// targets in the graph), early stopping, repeatability, and the run.h5 layout.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "core/error.hpp"
#include "model/models.hpp"
#include "train/planted.hpp"
#include "train/run_file.hpp"
#include "train/trainer.hpp"

namespace kg {
namespace {

using namespace kg::planted;

void expect_learns(const std::string& model) {
  Planted p;
  const double chance = p.mean_predictor_val_pearson();
  RunResult r = train_model(small_config(model), p.g, p.s, p.split);
  const double best = r.curves[size_t(r.best_epoch - 1)].val_pearson;
  std::printf("%s: mean predictor %.3f, best val pearson %.3f at epoch %lld of %lld, test %.3f\n",
              model.c_str(), chance, best, (long long)r.best_epoch, (long long)r.epochs_run,
              metric(r.test_metrics, "pearson"));
  EXPECT_LT(chance, 0.5);
  EXPECT_GT(best, 0.9);
  EXPECT_GT(metric(r.test_metrics, "pearson"), 0.85);
  EXPECT_LT(metric(r.test_metrics, "mse"), 0.1);
}

TEST(Trainer, GatLearnsPlantedTargetSignal) { expect_learns("gat"); }
TEST(Trainer, MlpLearnsPlantedTargetSignal) { expect_learns("mlp"); }

TEST(Trainer, GatWithoutTargetEdgesCannotPredictHeldOutDrugs) {
  // The control for the test above: the same GAT without the drug-protein edges sees only the
  // drug code and the cell, so on held-out drugs it stays near the mean predictor.
  Planted p;
  p.g.src.clear(), p.g.rel.clear();
  std::fill(p.g.indptr.begin(), p.g.indptr.end(), 0);
  RunResult r = train_model(small_config("gat"), p.g, p.s, p.split);
  const double best = r.curves[size_t(r.best_epoch - 1)].val_pearson;
  std::printf("gat without edges: best val pearson %.3f\n", best);
  EXPECT_LT(best, 0.5);
}

TEST(Trainer, EarlyStoppingRestoresBestEpoch) {
  Planted p;
  Config c = small_config("mlp");
  c.train.lr = 0.03, c.train.patience = 4, c.train.epochs = 400;  // plateaus and stops early
  RunResult r = train_model(c, p.g, p.s, p.split);
  ASSERT_LT(r.epochs_run, c.train.epochs);
  EXPECT_EQ(r.epochs_run, r.best_epoch + c.train.patience);
  ASSERT_EQ(r.curves.size(), size_t(r.epochs_run));
  auto best_it = std::max_element(r.curves.begin(), r.curves.end(),
                                  [](const EpochLog& a, const EpochLog& b) { return a.val_pearson < b.val_pearson; });
  EXPECT_EQ(best_it->epoch, r.best_epoch);
  // The final metrics come from the restored best parameters, not the last epoch's.
  EXPECT_NEAR(metric(r.val_metrics, "pearson"), best_it->val_pearson, 1e-6);
  EXPECT_NEAR(metric(r.val_metrics, "mse"), best_it->val_loss, 1e-5);
  EXPECT_GT(std::abs(r.curves.back().val_pearson - best_it->val_pearson), 1e-6);
}

// gat.program_init: ridge makes the fitted start the first candidate of early stopping, as
// "epoch 0": with no epoch better on validation, it is what the run keeps, and patience counts
// from it.
TEST(Trainer, FittedStartIsKeptWhenNoEpochImprovesOnIt) {
  Planted p;
  const Config c = fitted_start_config();
  std::string logged;
  RunOptions o;
  o.log = [&](const std::string& line) { logged += line + "\n"; };
  const RunResult r = train_model(c, p.g, p.s, p.split, {}, o);
  const auto at = logged.find("fitted start: val_loss ");
  ASSERT_NE(at, std::string::npos) << logged;
  EXPECT_NE(logged.find("programs from ridge: alpha "), std::string::npos) << logged;
  const auto pos = logged.find("val_pearson ", at);
  ASSERT_NE(pos, std::string::npos);
  const double start = std::stod(logged.substr(pos + 12));
  std::printf("fitted start: val pearson %.4f; epochs %.4f %.4f %.4f\n", start, r.curves[0].val_pearson,
              r.curves[1].val_pearson, r.curves[2].val_pearson);
  EXPECT_GT(start, 0.8);  // the targets' programs, read off two hops of the graph
  EXPECT_EQ(r.best_epoch, 0);
  EXPECT_EQ(r.epochs_run, c.train.patience);
  for (const auto& e : r.curves) EXPECT_LT(e.val_pearson, start);
  EXPECT_NEAR(metric(r.val_metrics, "pearson"), start, 1e-4);  // the start's parameters, restored
  EXPECT_GT(metric(r.test_metrics, "pearson"), 0.8);
}

// gat.program_init: refit: the gradient trains the attention alone, and after every epoch the
// programs decoder is fitted again for it. The kept parameters must then be that fit for the
// kept attention (a model given them, its programs zeroed, fits the same ones back), the
// activity and the cell gate still off.
TEST(Trainer, RefitKeepsTheFitOfTheKeptAttention) {
  Planted p;
  Config c = fitted_start_config();
  c.gat.program_init = "refit";
  c.train.lr = 3e-3, c.train.epochs = 4, c.train.patience = 10;
  const RunResult r = train_model(c, p.g, p.s, p.split);
  std::printf("refit: best epoch %lld, val pearson %.4f\n", (long long)r.best_epoch, metric(r.val_metrics, "pearson"));
  EXPECT_GT(metric(r.val_metrics, "pearson"), 0.8);
  std::map<std::string, torch::Tensor> kept;
  for (const auto& a : r.params)
    kept[a.name] = torch::from_blob(const_cast<float*>(a.data.data()), a.shape, torch::kFloat32).clone();
  EXPECT_EQ(kept.at("activity.weight").abs().sum().item<double>(), 0);
  EXPECT_EQ(kept.at("program_gate.weight").abs().sum().item<double>(), 0);

  torch::manual_seed(c.train.seed);
  GatModel m(c.gat, p.g, p.s);
  {
    torch::NoGradGuard ng;
    for (auto& q : m.named_parameters()) q.value().copy_(kept.at(q.key()));
    m.named_parameters()["node_programs"].zero_(), m.named_parameters()["cell_part.bias"].zero_();
  }
  const auto y = torch::from_blob(const_cast<float*>(p.s.y.data.data()), {p.s.y.rows, p.s.y.cols}, torch::kFloat32);
  m.fit_programs(y, p.split.train, p.split.val);
  for (const char* name : {"node_programs", "cell_part.weight", "cell_part.bias"})
    EXPECT_TRUE(torch::allclose(m.named_parameters()[name], kept.at(name), 1e-4, 1e-4)) << name;
  // Training reached the attention: a model as built has other attention parameters.
  torch::manual_seed(c.train.seed);
  GatModel fresh(c.gat, p.g, p.s);
  if (r.best_epoch > 0)
    EXPECT_FALSE(torch::allclose(fresh.named_parameters()["gat_0.att_src"], kept.at("gat_0.att_src")));
}

TEST(Trainer, SameSeedSameRun) {
  Planted p;
  Config c = small_config("gat");
  c.train.epochs = 3;
  c.gat.dropout = 0.2, c.gat.attn_dropout = 0.2;  // dropout streams are seeded too
  RunResult a = train_model(c, p.g, p.s, p.split), b = train_model(c, p.g, p.s, p.split);
  ASSERT_EQ(a.curves.size(), 3u);
  for (size_t e = 0; e < 3; ++e) {
    EXPECT_EQ(a.curves[e].train_loss, b.curves[e].train_loss);
    EXPECT_EQ(a.curves[e].val_pearson, b.curves[e].val_pearson);
  }
  EXPECT_EQ(a.test_pred.data, b.test_pred.data);
  c.train.seed = 2;
  RunResult d = train_model(c, p.g, p.s, p.split);
  EXPECT_NE(a.curves[0].train_loss, d.curves[0].train_loss);
}

TEST(Trainer, EmptyValidationSetIsAnError) {
  Planted p;
  p.split.val.clear();
  EXPECT_THROW(train_model(small_config("mlp"), p.g, p.s, p.split), Error);
}

TEST(Trainer, WriteRunLayout) {
  Planted p;
  Config c = small_config("mlp");
  c.train.epochs = 2;
  RunResult r = train_model(c, p.g, p.s, p.split);
  EXPECT_EQ(r.n_params, (3 + kProteins + kCells + 2) * 64 + 64 + 64 * 64 + 64 + 64 * kGenes + kGenes);
  const std::string path = ::testing::TempDir() + "/kg_test_run.h5";
  {
    h5::Writer w(path);
    write_run(w, r);
    w.commit();
  }
  h5::Reader in(path);
  EXPECT_EQ(in.read<int64_t>("/curves/epoch"), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(in.read<double>("/curves/val_pearson")[1], r.curves[1].val_pearson);
  EXPECT_EQ(in.read<double>("/curves/seconds").size(), 2u);
  EXPECT_EQ(in.read<double>("/curves/lr"), (std::vector<double>{c.train.lr, c.train.lr}));
  EXPECT_EQ(in.read_strings("/metrics/names"), metric_names());
  auto test = in.read<double>("/metrics/test");
  ASSERT_EQ(test.size(), metric_names().size());
  EXPECT_EQ(test[2], metric(r.test_metrics, "pearson"));
  EXPECT_EQ(in.read<double>("/metrics/val")[0], metric(r.val_metrics, "mse"));
  EXPECT_EQ(in.read<int64_t>("/test/sig_index"), p.split.test);
  auto pred = in.read_matrix<float>("/test/pred");
  EXPECT_EQ(pred.rows, int64_t(p.split.test.size()));
  EXPECT_EQ(pred.cols, kGenes);
  EXPECT_EQ(pred.data, r.test_pred.data);
  EXPECT_EQ(in.attr_int("/", "best_epoch"), r.best_epoch);
  EXPECT_EQ(in.attr_int("/", "epochs_run"), 2);
  EXPECT_EQ(in.attr_int("/", "n_params"), r.n_params);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace kg
