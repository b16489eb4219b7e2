// The baselines: cell means, fingerprint kNN and ridge regression against hand-computed answers,
// the ridge solver on noiseless linear data, the drug-blind MLP's inputs, and the RunResult of
// a closed-form fit.
#include <gtest/gtest.h>

#include <cmath>

#include "model/baselines.hpp"
#include "model/inputs.hpp"
#include "model/models.hpp"
#include "support/kgtest.hpp"
#include "train/closed_form.hpp"

namespace kg {
namespace {

// Drugs with the given feature rows (nodes 0..D-1), cell lines with features (c+1, 10c+1)
// (nodes D..D+C-1), no edges; signatures added one by one.
struct Data {
  Graph g;
  Samples s;

  Data(const std::vector<std::vector<float>>& fps, int cells, int genes) {
    const int drug = node_type_index("drug"), cell = node_type_index("cell_line");
    const auto D = int(fps.size());
    g.relation_names = {"drug_protein"};
    g.features.resize(node_type_names().size());
    g.features[size_t(drug)] = {{}, D, int64_t(fps[0].size())};
    for (int d = 0; d < D; ++d) {
      g.node_type.push_back(drug), g.local_index.push_back(d);
      g.features[size_t(drug)].data.insert(g.features[size_t(drug)].data.end(), fps[size_t(d)].begin(), fps[size_t(d)].end());
      s.drug_pert_id.push_back("d" + std::to_string(d)), s.drug_node.push_back(d);
    }
    g.features[size_t(cell)] = {{}, cells, 2};
    for (int c = 0; c < cells; ++c) {
      g.node_type.push_back(cell), g.local_index.push_back(c);
      g.features[size_t(cell)].data.insert(g.features[size_t(cell)].data.end(), {float(c + 1), float(10 * c + 1)});
      s.cell_id.push_back("c" + std::to_string(c)), s.cell_node.push_back(D + c);
    }
    for (int64_t v = 0; v < g.num_nodes(); ++v)
      g.node_id.push_back("n" + std::to_string(v)), g.node_name.push_back("n"), g.node_source.push_back("t");
    std::vector<int32_t> none;
    Graph::build_csr(g.num_nodes(), none, none, none, g.indptr);
    s.drug_name = s.drug_pert_id, s.drug_smiles.assign(size_t(D), ""), s.drug_match.assign(size_t(D), "new");
    for (int k = 0; k < genes; ++k)
      s.gene_id.push_back("g" + std::to_string(k)), s.gene_symbol.push_back("G"), s.gene_node.push_back(-1);
    s.y.cols = genes;
  }

  int64_t add(int d, int c, std::vector<float> y, float dose = 10, float time = 24) {
    EXPECT_EQ(int64_t(y.size()), s.y.cols);
    s.sig_id.push_back("s" + std::to_string(s.sig_id.size()));
    s.sig_drug.push_back(d), s.sig_cell.push_back(c), s.dose_um.push_back(dose), s.time_h.push_back(time);
    s.y.data.insert(s.y.data.end(), y.begin(), y.end());
    return s.y.rows++;
  }

  void check() {
    g.validate("test graph");
    s.validate("test samples", g.num_nodes());
  }
};

Config config(const std::string& model) {
  Config c;
  c.model = model;
  return c;
}

void expect_rows(const h5::Matrix<float>& m, const std::vector<std::vector<double>>& want, double tol = 1e-6) {
  ASSERT_EQ(m.rows, int64_t(want.size()));
  for (int64_t r = 0; r < m.rows; ++r) {
    ASSERT_EQ(m.cols, int64_t(want[size_t(r)].size()));
    for (int64_t k = 0; k < m.cols; ++k) EXPECT_NEAR(m.row(r)[k], want[size_t(r)][size_t(k)], tol) << "row " << r << " gene " << k;
  }
}

TEST(Baselines, ClosedFormNames) {
  for (const char* m : {"cell_mean", "knn", "ridge"}) EXPECT_TRUE(is_closed_form(m)) << m;
  for (const char* m : {"gat", "mlp", "cell_mlp"}) EXPECT_FALSE(is_closed_form(m)) << m;
  Data d({{1}}, 1, 1);
  d.add(0, 0, {1});
  kgtest::expect_error([&] { make_baseline(config("mlp"), d.g, d.s); }, {"mlp", "closed-form"});
}

// ---- cell_mean ---------------------------------------------------------------------------------

TEST(CellMean, MeanTrainingResponseOfTheCellLineElseGlobalMean) {
  Data d({{1}, {0}}, 3, 2);
  const int64_t a = d.add(0, 0, {1, 2}), b = d.add(1, 0, {3, 6}), c = d.add(0, 1, {10, -10});
  const int64_t test0 = d.add(1, 0, {100, 100}), test1 = d.add(1, 1, {0, 0}), test2 = d.add(0, 2, {0, 0});
  d.check();
  auto m = make_baseline(config("cell_mean"), d.g, d.s);
  m->fit({a, b, c});
  // Cell 0: mean of (1,2) and (3,6); cell 1: (10,-10); cell 2 unseen: mean of all three.
  expect_rows(m->predict({test0, test1, test2, a}), {{2, 4}, {10, -10}, {14.0 / 3, -2.0 / 3}, {2, 4}});
  EXPECT_EQ(m->num_fitted(), (2 + 1) * 2);
}

// ---- knn ---------------------------------------------------------------------------------------

TEST(Knn, TanimotoOfBitsAndOfRealVectors) {
  const std::vector<float> a{1, 1, 0, 0}, b{1, 1, 1, 0}, c{0, 0, 1, 1}, z{0, 0, 0, 0};
  EXPECT_DOUBLE_EQ(tanimoto(a.data(), b.data(), 4), 2.0 / 3);
  EXPECT_DOUBLE_EQ(tanimoto(a.data(), a.data(), 4), 1.0);
  EXPECT_DOUBLE_EQ(tanimoto(a.data(), c.data(), 4), 0.0);
  EXPECT_DOUBLE_EQ(tanimoto(z.data(), z.data(), 4), 0.0);
  const std::vector<float> u{2, 0.5f}, v{1, 1};  // 2.5 / (4.25 + 2 - 2.5)
  EXPECT_DOUBLE_EQ(tanimoto(u.data(), v.data(), 2), 2.5 / 3.75);
}

// Compounds: 0 = 1100, 1 = 1110, 2 = 0011, 3 = 1100 (same bits as 0), 4 = 1100 (test only).
struct KnnData : Data {
  int64_t q0, q1, q2;  // compound 4 in cells 0, 1, 2
  std::vector<int64_t> train;
  KnnData() : Data({{1, 1, 0, 0}, {1, 1, 1, 0}, {0, 0, 1, 1}, {1, 1, 0, 0}, {1, 1, 0, 0}}, 3, 2) {
    train = {add(0, 0, {1, 0}), add(0, 0, {3, 0}, 1),  // compound 0, cell 0: mean (2, 0)
             add(1, 0, {0, 5}), add(2, 0, {9, 9}), add(3, 0, {4, 4}),
             add(3, 1, {-1, -2}), add(2, 1, {7, 7}), add(0, 1, {0, 0}, 10, 6)};
    q0 = add(4, 0, {0, 0}), q1 = add(4, 1, {0, 0}), q2 = add(4, 2, {0, 0});
    check();
  }
  h5::Matrix<float> predict(int64_t k, const std::vector<int64_t>& sig) {
    Config c = config("knn");
    c.baseline.knn_k = {k};
    auto m = make_baseline(c, g, s);
    m->fit(train);
    EXPECT_EQ(m->num_fitted(), 0);
    return m->predict(sig);
  }
};

TEST(Knn, NearestCompoundInTheSameCellLineTiesToLowerIndex) {
  KnnData d;
  // k = 1: compounds 0 and 3 both have similarity 1; compound 0 (lower index) wins, with its
  // mean over its two signatures in cell 0, and in cell 1 its one signature there.
  expect_rows(d.predict(1, {d.q0, d.q1}), {{2, 0}, {0, 0}});
  // k = 2: 0 and 3 averaged (each compound weighs the same).
  expect_rows(d.predict(2, {d.q0, d.q1}), {{3, 2}, {-0.5, -1}});
  // k = 3: then compound 1 (2/3) in cell 0; in cell 1 compound 1 has no signature, so compound
  // 2 (similarity 0) is the third.
  expect_rows(d.predict(3, {d.q0, d.q1}), {{2, 3}, {2, 5.0 / 3}});
  // k beyond the candidates: all of them.
  expect_rows(d.predict(10, {d.q1}), {{2, 5.0 / 3}});
}

TEST(Knn, CellLineUnseenInTrainingUsesMeansOverAllCellLines) {
  KnnData d;
  // Cell 2 has no training signature: compound 0's mean over its three signatures (any cell).
  expect_rows(d.predict(1, {d.q2}), {{4.0 / 3, 0}});
  expect_rows(d.predict(2, {d.q2}), {{(4.0 / 3 + 1.5) / 2, (0 + 1.0) / 2}});
}

TEST(Knn, TrainingCompoundIsItsOwnNeighbour) {
  KnnData d;
  // Compound 1 queried in cell 0 with k = 1: itself (similarity 1, ahead of 0 and 3 at 2/3).
  expect_rows(d.predict(1, {d.train[2]}), {{0, 5}});
}

// ---- ridge -------------------------------------------------------------------------------------

// Deterministic pseudo-random values in [-1, 1).
double noise(int64_t i) { return std::fmod(std::sin(double(i) * 12.9898) * 43758.5453, 1.0); }

// y = b + Wᵀx for dense x [n, p] (n * p values from noise), W [p, G] and b [G].
struct Linear {
  SparseRows x;
  h5::Matrix<float> y;
  std::vector<int64_t> rows;
  std::vector<double> w, b;
  Linear(int64_t n, int64_t p, int64_t g, int64_t seed) {
    x.cols = p;
    for (int64_t j = 0; j < p * g; ++j) w.push_back(2 * noise(seed + 7 * j + 1));
    for (int64_t k = 0; k < g; ++k) b.push_back(3 * noise(seed + 5 * k + 999));
    y = {std::vector<float>(size_t(n * g)), n, g};
    for (int64_t i = 0; i < n; ++i) {
      std::vector<double> xi;
      for (int64_t j = 0; j < p; ++j) xi.push_back(noise(seed * 31 + i * p + j + 100));
      for (int64_t j = 0; j < p; ++j) x.add(j, xi[size_t(j)]);
      x.end_row();
      for (int64_t k = 0; k < g; ++k) {
        double v = b[size_t(k)];
        for (int64_t j = 0; j < p; ++j) v += xi[size_t(j)] * w[size_t(j * g + k)];
        y.row(i)[k] = float(v);
      }
      rows.push_back(i);
    }
  }
};

TEST(Ridge, RecoversNoiselessLinearWeightsAsAlphaGoesToZero) {
  Linear lin(40, 6, 3, 1);
  for (auto solver : {RidgeSolver::automatic, RidgeSolver::primal}) {
    RidgeFit f = fit_ridge(lin.x, lin.y, lin.rows, 1e-9, 1, solver);
    EXPECT_FALSE(f.dual);
    ASSERT_EQ(f.w.size(), lin.w.size());
    for (size_t j = 0; j < f.w.size(); ++j) EXPECT_NEAR(f.w[j], lin.w[j], 1e-4) << j;
    for (size_t k = 0; k < f.b.size(); ++k) EXPECT_NEAR(f.b[k], lin.b[k], 1e-4) << k;
    std::vector<float> out(3);
    f.predict_row(lin.x, 7, out.data());
    for (int64_t k = 0; k < 3; ++k) EXPECT_NEAR(out[size_t(k)], lin.y.row(7)[k], 1e-4);
  }
}

TEST(Ridge, PrimalAndDualGiveTheSameSolution) {
  Linear lin(6, 10, 4, 2);  // n < p: automatic picks the dual
  RidgeFit dual = fit_ridge(lin.x, lin.y, lin.rows, 0.3, 2);
  RidgeFit primal = fit_ridge(lin.x, lin.y, lin.rows, 0.3, 1, RidgeSolver::primal);
  EXPECT_TRUE(dual.dual);
  EXPECT_FALSE(primal.dual);
  for (size_t j = 0; j < dual.w.size(); ++j) EXPECT_NEAR(dual.w[j], primal.w[j], 1e-9) << j;
  for (size_t k = 0; k < dual.b.size(); ++k) EXPECT_NEAR(dual.b[k], primal.b[k], 1e-9) << k;
  // The penalty makes it a real ridge fit: the weights are shrunk, not the generating ones.
  double norm = 0, norm_true = 0;
  for (size_t j = 0; j < dual.w.size(); ++j) norm += dual.w[j] * dual.w[j], norm_true += lin.w[j] * lin.w[j];
  EXPECT_LT(norm, norm_true);
}

TEST(Ridge, LargeAlphaShrinksToTheTrainingMean) {
  Linear lin(20, 4, 2, 3);
  RidgeFit f = fit_ridge(lin.x, lin.y, lin.rows, 1e12);
  for (double w : f.w) EXPECT_NEAR(w, 0, 1e-9);
  for (int64_t k = 0; k < 2; ++k) {
    double mean = 0;
    for (int64_t i = 0; i < 20; ++i) mean += lin.y.row(i)[k] / 20.0;
    EXPECT_NEAR(f.b[size_t(k)], mean, 1e-6);
  }
}

TEST(Ridge, SingularSystemWithoutPenaltyIsAnError) {
  Linear lin(10, 3, 1, 4);
  SparseRows dup;  // column 3 repeats column 0
  dup.cols = 4;
  for (int64_t i = 0; i < 10; ++i) {
    for (int64_t e = lin.x.indptr[size_t(i)]; e < lin.x.indptr[size_t(i) + 1]; ++e) dup.add(lin.x.index[size_t(e)], lin.x.value[size_t(e)]);
    dup.add(3, lin.x.value[size_t(lin.x.indptr[size_t(i)])]);
    dup.end_row();
  }
  kgtest::expect_error([&] { fit_ridge(dup, lin.y, lin.rows, 0.0); }, {"ridge", "singular", "baseline.ridge_alpha > 0"});
  EXPECT_NO_THROW(fit_ridge(dup, lin.y, lin.rows, 1e-3));
}

// Responses linear in 3 fingerprint bits, the cell line and the dose; compound 5 is held out
// with a bit pattern no training compound has.
struct RidgeData : Data {
  std::vector<int64_t> train, test;
  RidgeData()
      : Data({{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 1, 0}, {0, 1, 1}, {1, 1, 1}}, 2, 2) {
    const double wf[3][2] = {{1, -2}, {0.5, 3}, {-1, 1}}, wc[2][2] = {{10, 0}, {-4, 2}};
    auto y = [&](int d, int c) {
      std::vector<float> v(2);
      for (int k = 0; k < 2; ++k) {
        double s = wc[c][k];
        for (int j = 0; j < 3; ++j) s += g.features[size_t(node_type_index("drug"))].row(d)[j] * wf[j][k];
        v[size_t(k)] = float(s);
      }
      return v;
    };
    for (int d = 0; d < 6; ++d)
      for (int c = 0; c < 2; ++c) (d == 5 ? test : train).push_back(add(d, c, y(d, c)));
    check();
  }
};

TEST(Ridge, BaselinePredictsHeldOutCompoundOfNoiselessLinearData) {
  RidgeData d;
  Config c = config("ridge");
  c.baseline.ridge_alpha = {1e-8};
  auto m = make_baseline(c, d.g, d.s);
  m->fit(d.train);
  // Compound 5 = bits 1,1,1: (1 + 0.5 - 1, -2 + 3 + 1) plus the cell line's part.
  expect_rows(m->predict(d.test), {{0.5 + 10, 2 + 0}, {0.5 - 4, 2 + 2}}, 1e-4);
  EXPECT_EQ(m->num_fitted(), (3 + 2 + 2 + 1) * 2);
}

TEST(Ridge, BaselineWithLargeAlphaPredictsTheTrainingMean) {
  RidgeData d;
  Config c = config("ridge");
  c.baseline.ridge_alpha = {1e9};
  auto m = make_baseline(c, d.g, d.s);
  m->fit(d.train);
  std::vector<double> mean(2, 0);
  for (int64_t i : d.train)
    for (int k = 0; k < 2; ++k) mean[size_t(k)] += d.s.y.row(i)[k] / double(d.train.size());
  expect_rows(m->predict(d.test), {mean, mean}, 1e-4);
}

TEST(Ridge, BaselineRefusesZeroAlpha) {
  RidgeData d;
  Config c = config("ridge");
  c.baseline.ridge_alpha = {0.0};
  auto m = make_baseline(c, d.g, d.s);
  kgtest::expect_error([&] { m->fit(d.train); }, {"baseline.ridge_alpha = 0", "one-hot"});
}

// ---- cell_mlp ----------------------------------------------------------------------------------

TEST(CellMlp, InputIsCellBaselineAndDoseTimeOnly) {
  Data d({{1, 0, 1}, {0, 1, 1}}, 2, 3);
  d.add(0, 1, {0, 0, 0}, 10, 24), d.add(1, 0, {0, 0, 0}, 1, 6);
  d.check();
  Config c = config("cell_mlp");
  c.mlp.hidden = 4;
  auto model = make_model(c, d.g, d.s);
  auto* mlp = dynamic_cast<MlpModel*>(model.get());
  ASSERT_NE(mlp, nullptr);
  EXPECT_EQ(mlp->input_dim(), 2 + 2);  // cell features + dose/time, no drug columns
  c.model = "mlp";
  EXPECT_EQ(dynamic_cast<MlpModel&>(*make_model(c, d.g, d.s)).input_dim(), 3 + 0 + 2 + 2);
  auto in = mlp->inputs(torch::tensor({0, 1}, torch::kInt64));
  const auto dt = dose_time_features(d.s);
  const std::vector<std::vector<double>> want{{2, 11, dt.row(0)[0], dt.row(0)[1]}, {1, 1, dt.row(1)[0], dt.row(1)[1]}};
  for (int64_t r = 0; r < 2; ++r)
    for (int64_t k = 0; k < 4; ++k) EXPECT_FLOAT_EQ(in[r][k].item<float>(), float(want[size_t(r)][size_t(k)]));
  EXPECT_NE(dt.row(0)[0], 0.0f);
}

// ---- fit_closed_form ---------------------------------------------------------------------------

TEST(ClosedForm, RunResultHasOneCurveEntryMetricsAndTestPredictions) {
  KnnData d;
  Split split;
  split.kind = "random";
  split.train = d.train;
  split.val = {d.q0};
  split.test = {d.q1, d.q2};
  Config c = config("cell_mean");
  RunResult r = fit_closed_form(c, d.g, d.s, split);
  ASSERT_EQ(r.curves.size(), 1u);
  EXPECT_EQ(r.curves[0].epoch, 1);
  EXPECT_EQ(r.best_epoch, 1);
  EXPECT_EQ(r.epochs_run, 1);
  EXPECT_EQ(r.test_index, split.test);
  EXPECT_EQ(r.n_params, 3 * 2);
  // Cell 1's training mean (-1,-2), (7,7), (0,0) -> (2, 5/3); cell 2 unseen -> all 8 signatures.
  expect_rows(r.test_pred, {{2, 5.0 / 3}, {23.0 / 8, 23.0 / 8}});
  // Cell 0's mean (3.4, 3.6) against the validation signature's (0, 0).
  EXPECT_NEAR(r.curves[0].val_loss, (3.4 * 3.4 + 3.6 * 3.6) / 2, 1e-5);
  ASSERT_EQ(r.test_metrics.size(), metric_names().size());
  ASSERT_EQ(r.val_metrics.size(), metric_names().size());
  EXPECT_EQ(r.test_metrics[0].first, "mse");
  const double mse = (4 + 25.0 / 9 + 2 * 23.0 * 23 / 64) / 4;
  EXPECT_NEAR(r.test_metrics[0].second, mse, 1e-5);
  double train_mse = 0;  // cell 0 mean (3.4, 3.6), cell 1 mean (2, 5/3)
  for (int64_t i : d.train) {
    const double m0 = d.s.sig_cell[size_t(i)] == 0 ? 3.4 : 2, m1 = d.s.sig_cell[size_t(i)] == 0 ? 3.6 : 5.0 / 3;
    train_mse += (std::pow(d.s.y.row(i)[0] - m0, 2) + std::pow(d.s.y.row(i)[1] - m1, 2)) / 16;
  }
  EXPECT_NEAR(r.curves[0].train_loss, train_mse, 1e-5);
  // Nothing is random: another seed gives the same predictions.
  c.train.seed = 5;
  EXPECT_EQ(fit_closed_form(c, d.g, d.s, split).test_pred.data, r.test_pred.data);
  split.val.clear();
  kgtest::expect_error([&] { fit_closed_form(c, d.g, d.s, split); }, {"random split has no validation signatures"});
}

// Candidates are compared on validation only: on noiseless linear data the smallest penalty
// wins in whatever order the candidates come, and the run is the fit with it.
TEST(ClosedForm, ChoosesTheCandidateWithTheBestValidationPearson) {
  RidgeData d;
  Split split;
  split.kind = "random";
  split.train = d.train;
  split.val = d.test;
  split.test = d.test;
  Config c = config("ridge");
  c.baseline.ridge_alpha = {1e9, 1e-8, 1e3};
  RunResult r = fit_closed_form(c, d.g, d.s, split);
  EXPECT_EQ(r.selected, "baseline.ridge_alpha=1e-08");
  expect_rows(r.test_pred, {{0.5 + 10, 2 + 0}, {0.5 - 4, 2 + 2}}, 1e-4);
  c.baseline.ridge_alpha = {1e-8, 1e9};
  EXPECT_EQ(fit_closed_form(c, d.g, d.s, split).selected, "baseline.ridge_alpha=1e-08");
  c.model = "cell_mean";
  EXPECT_EQ(fit_closed_form(c, d.g, d.s, split).selected, "");
}

}  // namespace
}  // namespace kg
