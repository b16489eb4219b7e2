// fit_closed_form: a closed-form baseline fitted once and evaluated like a trained model.
#include "train/closed_form.hpp"

#include <chrono>

#include "core/error.hpp"
#include "model/baselines.hpp"

namespace kg {

namespace {

// The true responses [rows.size(), G] of these signatures.
h5::Matrix<float> truth_rows(const Samples& s, const std::vector<int64_t>& rows) {
  const int64_t G = s.num_genes();
  h5::Matrix<float> t{std::vector<float>(rows.size() * size_t(G)), int64_t(rows.size()), G};
  for (size_t r = 0; r < rows.size(); ++r) std::copy(s.y.row(rows[r]), s.y.row(rows[r]) + G, t.row(int64_t(r)));
  return t;
}

double mse(const h5::Matrix<float>& a, const h5::Matrix<float>& b) {
  double sum = 0;
  for (size_t i = 0; i < a.data.size(); ++i) sum += (double(a.data[i]) - b.data[i]) * (double(a.data[i]) - b.data[i]);
  return sum / double(a.data.size());
}

}  // namespace

RunResult fit_closed_form(const Config& cfg, const Graph& g, const Samples& s, const Split& split,
                          const ProgressFn& progress) {
  for (auto [part, v] : {std::pair{"training", &split.train}, {"validation", &split.val}, {"test", &split.test}}) {
    if (v->empty()) fail("the {} split has no {} signatures", split.kind, part);
    for (int64_t i : *v) KG_CHECK(i >= 0 && i < s.num_signatures(), "{} index {}", part, i);
  }
  const auto t0 = std::chrono::steady_clock::now();
  const h5::Matrix<float> y_val = truth_rows(s, split.val);
  // Every candidate hyper-parameter is fitted; the highest validation Pearson wins (the first
  // on ties), so the test set chooses nothing.
  std::unique_ptr<Baseline> model;
  h5::Matrix<float> pred_val;
  double best = -2;
  RunResult r;
  for (size_t c = 0; c < baseline_choices(cfg); ++c) {
    auto m = make_baseline(cfg, g, s, c);
    m->fit(split.train);
    auto p = m->predict(split.val);
    const double v = mean_row_pearson(p.data.data(), y_val.data.data(), y_val.rows, y_val.cols);
    if (v > best) best = v, model = std::move(m), pred_val = std::move(p), r.selected = baseline_choice(cfg, c);
  }
  const h5::Matrix<float> pred_train = model->predict(split.train);

  EpochLog log;
  log.epoch = 1;
  log.train_loss = mse(pred_train, truth_rows(s, split.train));
  log.val_loss = mse(pred_val, y_val);
  log.val_pearson = best;
  r.val_metrics = compute_metrics(pred_val.data.data(), y_val.data.data(), y_val.rows, y_val.cols);
  r.test_pred = model->predict(split.test);
  log.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.curves.push_back(log);
  r.best_epoch = r.epochs_run = 1;
  if (progress) progress(log);

  const h5::Matrix<float> y_test = truth_rows(s, split.test);
  r.test_metrics = compute_metrics(r.test_pred.data.data(), y_test.data.data(), y_test.rows, y_test.cols);
  for (int64_t i = 0; i < y_test.rows; ++i)
    r.test_pearson.push_back(pearson(r.test_pred.row(i), y_test.row(i), y_test.cols));
  r.test_index = split.test;
  r.n_params = model->num_fitted();
  return r;
}

}  // namespace kg
