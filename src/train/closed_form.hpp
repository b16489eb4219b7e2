// Fitting and evaluating the closed-form baselines (cell_mean, knn, ridge; model/baselines.hpp)
// into the same RunResult as a trained model, so run.h5, report and compare treat them alike.
// This header does not include LibTorch.
#pragma once

#include "model/baselines.hpp"
#include "train/trainer.hpp"

namespace kg {

/// Fits cfg.model (is_closed_form) on split.train once per candidate hyper-parameter value
/// (baseline_choices), keeps the one with the highest validation Pearson (RunResult::selected),
/// then predicts the training, validation and test signatures with it. The result has one curve entry (epoch 1: training MSE, validation MSE and
/// Pearson, the seconds of fit and predictions; other fields 0), best_epoch = epochs_run = 1, validation
/// and test metrics (compute_metrics), the test predictions, and n_params =
/// Baseline::num_fitted(). Nothing is random: train.seed does not change the result. `progress`
/// is called once, with the curve entry. Throws kg::Error when the train, validation or test
/// set is empty, or when the baseline refuses its config.
RunResult fit_closed_form(const Config& cfg, const Graph& g, const Samples& s, const Split& split,
                          const ProgressFn& progress = {});

}  // namespace kg
