// Training of one model (GAT or MLP) on one split: Adam on the MSE, early stopping on the
// validation Pearson, then metrics with the best parameters; and the run.h5 writer.
// This header does not include LibTorch, so stages can use it cheaply.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "core/config.hpp"
#include "core/h5.hpp"
#include "graph/graph.hpp"
#include "train/metrics.hpp"

namespace kg {

/// One epoch of training (epochs are numbered from 1).
struct EpochLog {
  int64_t epoch = 0;
  double train_loss = 0;   // mean MSE over the epoch's training signatures (dropout on)
  double val_loss = 0;     // MSE on the validation set (eval mode)
  double val_pearson = 0;  // mean per-signature Pearson on the validation set
  double seconds = 0;      // wall time of this epoch (training and validation)
};

struct RunResult {
  std::vector<EpochLog> curves;  // one per epoch run
  int64_t best_epoch = 0;        // epoch of the highest validation Pearson (restored)
  int64_t epochs_run = 0;
  MetricList test_metrics, val_metrics;  // compute_metrics order, best parameters
  std::vector<int64_t> test_index;       // [n_test] signature indices of test_pred's rows
  h5::Matrix<float> test_pred;           // [n_test, G]
  int64_t n_params = 0;                  // trainable parameters
};

using ProgressFn = std::function<void(const EpochLog&)>;

/// Trains cfg.model on split.train with Adam(train.lr, train.weight_decay) on the MSE, batches
/// of train.batch_size in an order reshuffled every epoch from (train.seed, epoch), gradient
/// norm clipped at train.grad_clip (0 = off). After every epoch it evaluates the validation
/// set; it stops after train.patience epochs without a higher validation Pearson, restores the
/// best epoch's parameters, and computes validation and test metrics with them.
/// Uses cfg.threads LibTorch threads; torch::manual_seed(train.seed) fixes the initialisation
/// and dropout. Throws kg::Error when the train or validation set is empty.
RunResult train_model(const Config& cfg, const Graph& g, const Samples& s, const Split& split,
                      const ProgressFn& progress = {});

/// Writes the run into an open run.h5 (docs/FORMATS.md):
///   /curves/{epoch (int64), train_loss, val_loss, val_pearson, seconds (float64)}  [epochs]
///   /metrics/names (str [M]), /metrics/test, /metrics/val (float64 [M])
///   /test/sig_index (int64 [n_test]), /test/pred (float32 [n_test, G])
///   root attributes best_epoch, epochs_run, n_params (int64)
void write_run(h5::Writer& w, const RunResult& r);

}  // namespace kg
