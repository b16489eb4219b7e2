// Training of one model (GAT or MLP) on one split: Adam or AdamW on the MSE, a learning-rate
// schedule, early stopping on the validation Pearson, checkpoints and exact resume, then
// metrics with the best parameters (run.h5: train/run_file.hpp).
// This header does not include LibTorch, so stages can use it cheaply.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "dist/comm.hpp"
#include "core/h5.hpp"
#include "graph/graph.hpp"
#include "model/attention.hpp"
#include "train/metrics.hpp"

namespace kg {

/// One epoch of training (epochs are numbered from 1).
struct EpochLog {
  int64_t epoch = 0;
  double train_loss = 0;   // mean MSE over the epoch's training signatures (dropout on)
  double val_loss = 0;     // MSE on the validation set (eval mode)
  double val_pearson = 0;  // mean per-signature Pearson on the validation set
  double lr = 0;           // learning rate of this epoch
  double seconds = 0;      // wall time of this epoch (training and validation)
};

/// A float32 tensor outside LibTorch: a model parameter as stored in run.h5.
struct NamedArray {
  std::string name;            // as in named_parameters(), e.g. "gat_0.lin.weight"
  std::vector<int64_t> shape;
  std::vector<float> data;     // row-major
};

struct RunResult {
  std::vector<EpochLog> curves;  // one per epoch run
  int64_t best_epoch = 0;        // epoch of the highest validation Pearson (restored)
  int64_t epochs_run = 0;
  MetricList test_metrics, val_metrics;  // compute_metrics order, best parameters
  std::vector<int64_t> test_index;       // [n_test] signature indices of test_pred's rows
  h5::Matrix<float> test_pred;           // [n_test, G]
  std::vector<double> test_pearson;      // [n_test] each test signature's Pearson across genes
  std::vector<std::string> test_group;   // [n_test] its resampling unit (set by the caller)
  std::string test_group_unit;           // "scaffold" or "cell_line" ("" = none set)
  int64_t n_params = 0;                  // the model's parameters (fitted ones included)
  int64_t resumed_epoch = 0;             // epoch of the checkpoint resumed from (0 = none)
  int64_t ranks = 1;                     // processes that trained it
  std::string device = "cpu";            // where rank 0 trained it: "cpu" or "cuda:<i>" (train.device)
  double peak_gpu_mb = 0;                // rank 0's peak GPU memory for tensors (MB; 0 on the CPU)
  double step_seconds = 0;               // training steps (forward, backward, all-reduce, update)
  double allreduce_wait_seconds = 0;     // of which waiting for gradient all-reduces
  int stopped = 0;                       // the stop signal that ended training early (see
                                         // train_model); nothing else is filled in then
  std::string selected;                  // hyper-parameter chosen on validation, e.g.
                                         // "baseline.ridge_alpha=10" ("" = none chosen)
  // GAT runs only (empty otherwise): the best parameters, from which `kgpert explain` rebuilds
  // the model, and the mean attention per relation type with them, on the whole graph.
  std::vector<NamedArray> params;
  RelationAttention attention;
};

using ProgressFn = std::function<void(const EpochLog&)>;

/// Where a run stands within an epoch, after a training step.
struct StepLog {
  int64_t epoch = 0;
  int64_t step = 0, steps = 0;  // steps taken in this epoch, of
  double train_loss = 0;        // mean MSE of this rank's signatures so far in the epoch
  double seconds = 0;           // since the epoch began (or was resumed)
};

/// A run's checkpoints (docs/FORMATS.md, "Training checkpoint") and its hooks; every member
/// may be empty.
struct RunOptions {
  std::string path;    // checkpoint file; empty = neither written nor resumed from
  std::string inputs;  // the inputs' identity, one "name: value" line each (sizes, checksums)
  std::function<void(const std::string&)> log;  // informational lines (resume)
  /// Polled after every training step: non-zero (a signal number, e.g. SIGTERM from SLURM before
  /// a time limit or a preemption) asks the run to stop there.
  std::function<int()> stop;
  /// Called after every training step (progress bars).
  std::function<void(const StepLog&)> on_step;
  /// Successive halving (a rung of the sweep): train at most this many epochs (0 = train.epochs).
  /// The run is still one of train.epochs (its identity, the lr schedule), only cut short: the
  /// next rung resumes from final_path and goes on as the uninterrupted longer run would.
  int64_t stop_epoch = 0;
  /// Where the checkpoint after the last epoch trained goes (empty = none); not written when a
  /// signal stops the run.
  std::string final_path;
};

/// Checkpointing for the run written to `out`: path `<out>.ckpt` (none when
/// train.checkpoint_every is 0) and the inputs' identity from their base names, sizes and XXH3.
RunOptions run_checkpoint(const Config& cfg, const std::string& out, const std::vector<h5::InputInfo>& inputs);

/// How the signatures are shared among the ranks of a data-parallel run.
struct DataParallel {
  std::shared_ptr<Comm> comm;     // null or size 1: one process
  /// [S] the rank that trains, and evaluates, each signature (the part of METIS' partition
  /// that owns its drug node); empty = by position: the i-th signature of each global batch
  /// (and of the validation and test sets) goes to rank i mod ranks. In one process: the parts
  /// whose shares make up each batch in equal numbers (see train_model).
  std::vector<int32_t> sig_rank;
  /// Per-rank data (rank_data in train/rank_data.hpp, with a partition): [S] the row in `s` of
  /// each signature of the whole samples file, -1 for those other ranks hold; `s` then holds
  /// only this rank's signatures (sig_rank == rank) and `g` only its part of the graph
  /// (cut_graph), and the split still indexes the whole file. Empty: `s` and `g` are whole on every rank.
  std::vector<int64_t> sig_local;
  /// With sig_local: the nodes of `g` this rank owns (it counts the attention on their incoming
  /// edges; the ranks' counts add up to the whole graph's).
  std::vector<int64_t> owned_nodes;
  /// Called after every optimizer step (numbered from 1 over the whole run) with all
  /// parameters flattened in parameters() order: for tests that follow a run step by step.
  std::function<void(int64_t step, const std::vector<float>& params)> after_step;
};

/// Trains cfg.model on split.train on the MSE with make_optimizer (train.optimizer, train.lr,
/// train.weight_decay; train/optim.hpp), the learning rate of each epoch from train.lr_schedule,
/// batches of train.batch_size in an order reshuffled every epoch from (train.seed, epoch)
/// alone, gradient norm clipped at train.grad_clip (0 = off). After every epoch it evaluates
/// the validation set; it stops after train.patience epochs without a higher validation
/// Pearson, restores the best epoch's parameters, and computes validation and test metrics
/// with them. The test set is read only then: nothing is chosen by it. For the GAT it also keeps
/// the best parameters (RunResult::params) and the mean attention per relation type of every
/// layer over every edge of `g` (eval mode, best parameters; RunResult::attention).
/// Uses cfg.threads LibTorch threads; torch::manual_seed(train.seed) fixes the initialisation,
/// dropout and any sampling.
///
/// With ckpt.path set, a checkpoint is written atomically after every train.checkpoint_every
/// epochs, before `progress` is called. When ckpt.path exists at the start, training continues
/// from it (ckpt.log says so): the result is bitwise that of an uninterrupted run with the same
/// config, inputs and thread count (only EpochLog::seconds differ). A checkpoint of another run
/// (config other than threads and train.checkpoint_every, or inputs) is refused. The caller
/// removes the file once the run's output is safe.
///
/// When ckpt.stop() returns a signal number after a step (on any rank), every rank stops after
/// that same step: the checkpoint is written there, mid-epoch (the steps taken and their
/// squared errors included; without ckpt.path nothing is kept), and the result has only
/// `stopped` set. Run again, training goes on from the next step: the same run as an
/// uninterrupted one (the interrupted epoch's seconds are timed from the resume).
///
/// Data parallel (dp.comm with R > 1 ranks, every rank calling with the same arguments): rank
/// 0's initial parameters and state buffers go to every rank; each epoch's order is the
/// one-process order, cut into global batches of R x train.batch_size (by position: the i-th
/// signature of a batch to rank i mod R), or with owners (dp.sig_rank) arranged so that each
/// global batch holds the next train.batch_size of every rank's share; each rank trains the
/// signatures it owns, its loss scaled by 1 / (global batch size); gradients are
/// summed in buckets during backward (GradReducer) and every rank takes the same step. So R
/// ranks follow one process with batch R x train.batch_size up to float rounding (given the
/// same dp.sig_rank, one process composes its batches of train.batch_size / R per part, as
/// the ranks do). Each rank
/// predicts the validation and test signatures it owns; the predictions are summed into every
/// rank, so metrics, early stopping and the result are the same on all. Rank 0 writes the
/// checkpoints (with every rank's random generator); all ranks resume from the file.
/// With per-rank data (dp.sig_local) each rank predicts from its own part of the graph: the
/// validation loss and Pearson are summed from the ranks' own rows every epoch, and the final
/// metrics are computed from the rows gathered into every rank.
/// Throws kg::Error when the train or validation set is empty or the checkpoint is refused.
RunResult train_model(const Config& cfg, const Graph& g, const Samples& s, const Split& split,
                      const ProgressFn& progress = {}, const RunOptions& ckpt = {},
                      const DataParallel& dp = {});

}  // namespace kg
