// Metrics against values computed independently with numpy/scipy (script in the comment of
// FormulaInputs), plus hand-checked edge cases (ties, constant rows).
#include <gtest/gtest.h>

#include <cmath>

#include "train/metrics.hpp"

namespace kg {
namespace {

// pred/truth [S, G] from a fixed formula. The expected values below were computed with
// numpy 2 / scipy 1.x from the same formula (evaluated in float64, cast to float32):
//   s, g = arange(S)[:, None], arange(G)[None, :]
//   truth = float32(sin(0.37(g+1) + 1.3s) + 0.5 cos(0.11 g (s+1)))
//   pred  = float32(0.3 sin(0.37(g+1) + 1.3s) + 0.7 sin(0.05 g^2 + s))
//   pearson/spearman: mean of scipy.stats.pearsonr/spearmanr per row; gene_pearson per column;
//   prec: T = min(100, G), k' = min(k, T), |argsort(-pred)[:k'] ∩ argsort(-truth)[:T]| / k'
//   (the down variants negate both), mean over rows.
struct FormulaInputs {
  std::vector<float> pred, truth;
  FormulaInputs(int64_t S, int64_t G) {
    for (int64_t s = 0; s < S; ++s)
      for (int64_t g = 0; g < G; ++g) {
        double ds = double(s), dg = double(g);
        truth.push_back(float(std::sin(0.37 * (dg + 1) + 1.3 * ds) + 0.5 * std::cos(0.11 * dg * (ds + 1))));
        pred.push_back(float(0.3 * std::sin(0.37 * (dg + 1) + 1.3 * ds) + 0.7 * std::sin(0.05 * dg * dg + ds)));
      }
  }
};

void expect_metrics(const MetricList& got, const MetricList& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].first, want[i].first);
    EXPECT_NEAR(got[i].second, want[i].second, 1e-6) << want[i].first;
  }
}

TEST(Metrics, MatchScipyOn6x130) {
  FormulaInputs in(6, 130);
  expect_metrics(compute_metrics(in.pred.data(), in.truth.data(), 6, 130),
                 {{"mse", 0.61722456149},
                  {"rmse", 0.7856364054},
                  {"pearson", 0.348777092297},
                  {"spearman", 0.342014775567},
                  {"gene_pearson", 0.231435327104},
                  {"prec_up@10", 1},
                  {"prec_up@20", 0.991666666667},
                  {"prec_up@50", 0.806666666667},
                  {"prec_up@100", 0.81},
                  {"prec_down@10", 1},
                  {"prec_down@20", 0.991666666667},
                  {"prec_down@50", 0.836666666667},
                  {"prec_down@100", 0.823333333333}});
}

TEST(Metrics, FewerThan100GenesCapsTruthAndK) {
  // G = 30: truth set = all 30 genes, k capped at 30, so every precision is 1.
  FormulaInputs in(4, 30);
  expect_metrics(compute_metrics(in.pred.data(), in.truth.data(), 4, 30),
                 {{"mse", 0.431934175364},
                  {"rmse", 0.657216992601},
                  {"pearson", 0.54768114063},
                  {"spearman", 0.522803114572},
                  {"gene_pearson", 0.443138085873},
                  {"prec_up@10", 1},
                  {"prec_up@20", 1},
                  {"prec_up@50", 1},
                  {"prec_up@100", 1},
                  {"prec_down@10", 1},
                  {"prec_down@20", 1},
                  {"prec_down@50", 1},
                  {"prec_down@100", 1}});
}

TEST(Metrics, NamesInOrder) {
  std::vector<std::string> want{"mse", "rmse", "pearson", "spearman", "gene_pearson",
                                "prec_up@10", "prec_up@20", "prec_up@50", "prec_up@100",
                                "prec_down@10", "prec_down@20", "prec_down@50", "prec_down@100"};
  EXPECT_EQ(metric_names(), want);
}

TEST(Metrics, AverageRanksAndSpearmanWithTies) {
  // scipy.stats.rankdata / spearmanr / pearsonr on these vectors.
  std::vector<float> x{1, 2, 2, 3, 3, 3, 0.5f, 2}, y{4, 1, 3, 3, 2, 5, 1, 0};
  std::vector<double> want{2, 4, 4, 7, 7, 7, 1, 4};
  EXPECT_EQ(average_ranks(x.data(), 8), want);
  EXPECT_NEAR(spearman(x.data(), y.data(), 8), 0.32935148475979104, 1e-12);
  EXPECT_NEAR(pearson(x.data(), y.data(), 8), 0.29795506277035433, 1e-12);
}

TEST(Metrics, ConstantRowsCountAsZeroCorrelation) {
  // Row 0 is perfectly correlated, row 1 has a constant prediction: mean = (1 + 0) / 2.
  std::vector<float> pred{1, 2, 3, 4, 5, 5, 5, 5}, truth{2, 4, 6, 8, 1, 3, 2, 4};
  EXPECT_DOUBLE_EQ(pearson(pred.data() + 4, truth.data() + 4, 4), 0.0);
  EXPECT_DOUBLE_EQ(spearman(pred.data() + 4, truth.data() + 4, 4), 0.0);
  EXPECT_NEAR(mean_row_pearson(pred.data(), truth.data(), 2, 4), 0.5, 1e-12);
}

TEST(Metrics, DegPrecisionByHand) {
  // One row of 120 genes; pred's order is the reverse of truth's, so its top 10 are the
  // truth's bottom 10: prec_up@10 = prec_down@10 = 0.
  std::vector<float> truth(120), pred(120);
  for (int g = 0; g < 120; ++g) truth[size_t(g)] = float(g), pred[size_t(g)] = float(-g);
  EXPECT_DOUBLE_EQ(deg_precision(pred.data(), truth.data(), 1, 120, 10, true), 0.0);
  EXPECT_DOUBLE_EQ(deg_precision(pred.data(), truth.data(), 1, 120, 10, false), 0.0);
  // top 100 of truth = genes 20..119; pred's top 50 = genes 0..49, of which 20..49 hit: 30/50.
  EXPECT_DOUBLE_EQ(deg_precision(pred.data(), truth.data(), 1, 120, 50, true), 30.0 / 50.0);
  // ties go to the lower index: all-equal predictions pick genes 0..9, none in 20..119.
  std::vector<float> flat(120, 1.0f);
  EXPECT_DOUBLE_EQ(deg_precision(flat.data(), truth.data(), 1, 120, 10, true), 0.0);
  EXPECT_DOUBLE_EQ(deg_precision(flat.data(), truth.data(), 1, 120, 10, false), 1.0);
}

}  // namespace
}  // namespace kg
