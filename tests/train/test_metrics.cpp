// Metrics against values computed independently with numpy/scipy: every metric on the cases of
// tests/reference/metrics_reference.txt (written by metrics_reference.py), two formula inputs
// (script in the comment of FormulaInputs), plus hand-checked edge cases (ties, constant rows,
// constant genes, signs).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

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

// The metrics named in `want` (a subset of got's, computed before r2 and wrong_sign existed).
void expect_metrics(const MetricList& got, const MetricList& want) {
  for (const auto& [name, value] : want) {
    auto it = std::find_if(got.begin(), got.end(), [&](const auto& m) { return m.first == name; });
    ASSERT_NE(it, got.end()) << name;
    EXPECT_NEAR(it->second, value, 1e-6) << name;
  }
}

struct RefCase {
  std::string name;
  int64_t rows = 0, cols = 0;
  std::vector<float> pred, truth;
  MetricList want;
};

std::vector<float> read_values(std::istringstream& ls, const std::string& what) {
  std::vector<float> v;
  for (double x; ls >> x;) {
    EXPECT_EQ(double(float(x)), x) << what << " value " << x << " is not exact in float32";
    v.push_back(float(x));
  }
  return v;
}

std::vector<RefCase> read_reference() {
  const std::string path =
      std::string(KGPERT_SOURCE_DIR) + "/tests/reference/metrics_reference.txt";
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::vector<RefCase> cases;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string word, key;
    ls >> word;
    if (word.empty() || word[0] == '#') continue;
    if (word == "case") {
      RefCase c;
      ls >> c.name >> key >> c.rows >> key >> c.cols;
      cases.push_back(std::move(c));
      continue;
    }
    if (cases.empty()) continue;
    RefCase& c = cases.back();
    if (word == "pred") {
      c.pred = read_values(ls, c.name + " pred");
    } else if (word == "truth") {
      c.truth = read_values(ls, c.name + " truth");
    } else if (word == "metric") {
      std::string name;
      double value = 0;
      ls >> name >> value;
      c.want.emplace_back(name, value);
    }
  }
  return cases;
}

TEST(Metrics, EveryMetricMatchesNumpyScipyReference) {
  const auto cases = read_reference();
  ASSERT_EQ(cases.size(), 4u);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    ASSERT_EQ(int64_t(c.pred.size()), c.rows * c.cols);
    ASSERT_EQ(int64_t(c.truth.size()), c.rows * c.cols);
    const MetricList got = compute_metrics(c.pred.data(), c.truth.data(), c.rows, c.cols);
    ASSERT_EQ(got.size(), c.want.size());
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].first, c.want[i].first);
      // 1e-9 relative; an exact 0 must come out as 0 (up to rounding of 1e-15).
      EXPECT_NEAR(got[i].second, c.want[i].second, 1e-9 * std::abs(c.want[i].second) + 1e-15)
          << c.want[i].first;
    }
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
  std::vector<std::string> want{"mse", "rmse", "pearson", "spearman", "gene_pearson", "r2",
                                "prec_up@10", "prec_up@20", "prec_up@50", "prec_up@100",
                                "prec_down@10", "prec_down@20", "prec_down@50", "prec_down@100",
                                "wrong_sign@10", "wrong_sign@20", "wrong_sign@50",
                                "wrong_sign@100"};
  EXPECT_EQ(metric_names(), want);
  std::vector<float> x{1, 2, 3, 4};
  const auto m = compute_metrics(x.data(), x.data(), 2, 2);
  ASSERT_EQ(m.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(m[i].first, want[i]);
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

TEST(Metrics, R2ByHandWithConstantGenes) {
  // 3 signatures x 3 genes. Gene 0: truth 1, 2, 3 (SS_tot = 2), pred 1, 2, 4 (SS_res = 1): 0.5.
  // Gene 1: truth constant 5, predicted exactly: 1. Gene 2: truth constant 0, pred 0, 0, 1: 0.
  std::vector<float> truth{1, 5, 0, 2, 5, 0, 3, 5, 0}, pred{1, 5, 0, 2, 5, 0, 4, 5, 1};
  EXPECT_DOUBLE_EQ(r2_score(pred.data(), truth.data(), 3, 3), (0.5 + 1.0 + 0.0) / 3.0);
  // Predicting each gene's mean gives 0 per non-constant gene; a perfect prediction 1.
  std::vector<float> t2{0, 4, 2, 8}, mean{1, 6, 1, 6};
  EXPECT_DOUBLE_EQ(r2_score(mean.data(), t2.data(), 2, 2), 0.0);
  EXPECT_DOUBLE_EQ(r2_score(t2.data(), t2.data(), 2, 2), 1.0);
}

TEST(Metrics, WrongSignByHand) {
  // One signature of 6 genes, k = 2: up genes 0 (3) and 4 (2), down genes 1 (-3) and 3 (-1).
  std::vector<float> truth{3, -3, 0.5f, -1, 2, 0};
  std::vector<float> pred{1, -1, -9, -1, 1, 9};  // the wrong 2 and 5 are not selected
  EXPECT_DOUBLE_EQ(wrong_sign_fraction(pred.data(), truth.data(), 1, 6, 2), 0.0);
  pred = {-1, 0, 9, -1, 1, 9};  // gene 0 opposite, gene 1 predicted 0: 2 of 4 wrong
  EXPECT_DOUBLE_EQ(wrong_sign_fraction(pred.data(), truth.data(), 1, 6, 2), 0.5);
  // k = 3 adds up gene 2 (0.5, pred 9: right) and down gene 5 (true 0, pred 9: wrong): 3 of 6.
  EXPECT_DOUBLE_EQ(wrong_sign_fraction(pred.data(), truth.data(), 1, 6, 3), 0.5);
  // k > genes: every gene twice; a zero prediction of an exact zero is right: wrong are 0, 1.
  pred = {-1, 0, 9, -1, 1, 0};
  EXPECT_DOUBLE_EQ(wrong_sign_fraction(pred.data(), truth.data(), 1, 6, 10), 4.0 / 12.0);
  // Ties go to the lower index: truth all 1 with k = 1 selects gene 0 for both directions.
  std::vector<float> ones(4, 1.0f), p1{-1, 1, 1, 1};
  EXPECT_DOUBLE_EQ(wrong_sign_fraction(p1.data(), ones.data(), 1, 4, 1), 1.0);
  // Mean over rows: a perfect row (0) and an all-wrong row (1).
  std::vector<float> t2{1, -1, 1, -1}, p2{1, -1, -1, 1};
  EXPECT_DOUBLE_EQ(wrong_sign_fraction(p2.data(), t2.data(), 2, 2, 1), 0.5);
}

}  // namespace
}  // namespace kg
