// The steps of train_model (train/trainer.hpp) as a class: set-up, resume, one epoch, its
// validation, keeping the best parameters, the stop-signal protocol across ranks and the final
// metrics. Includes LibTorch: for trainer.cpp and the tests.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "model/models.hpp"
#include "train/checkpoint.hpp"
#include "train/ddp.hpp"
#include "train/device.hpp"
#include "train/trainer.hpp"

namespace kg {

/// Who trains and evaluates what in a data-parallel run (one process: everything is rank 0's).
struct Sharding {
  int rank = 0, ranks = 1;
  const std::vector<int32_t>* sig_rank = nullptr;   // null: by position
  const std::vector<int64_t>* sig_local = nullptr;  // null: signature i is row i of the samples
  int owner(int64_t sig, int64_t position) const {
    return sig_rank ? (*sig_rank)[size_t(sig)] : int(position % ranks);
  }
  /// The members of `idx` (signature indices) this rank owns, as rows of its samples, and their
  /// positions in idx.
  std::vector<int64_t> mine(const int64_t* idx, int64_t n, std::vector<int64_t>* pos = nullptr) const;
};

/// The Pearson correlation of each row of `a` with the same row of `b` ([n, G] float, one
/// device) -> [n] float64 on that device: pearson() (train/metrics.hpp) row by row, computed
/// there (a constant row, or G < 2, gives 0), for validation on a GPU without a host round trip
/// per row.
torch::Tensor row_pearsons(const torch::Tensor& a, const torch::Tensor& b);

/// One training run, step by step, as train_model documents it:
///
///   Trainer t(cfg, g, s, split, ckpt, dp);
///   t.resume();
///   while (!t.done()) {
///     EpochLog log;
///     if (!t.run_epoch(log)) return t.result();  // a stop signal: checkpoint written
///     t.end_epoch(log);
///   }
///   return t.finish();
///
/// Every rank of a data-parallel run calls the same steps in the same order (they hold
/// collectives). The arguments must outlive the trainer.
class Trainer {
 public:
  /// Checks the split and the sharding, builds the model (torch::manual_seed(train.seed)), fits
  /// a fitted start (gat.program_init ridge or refit) unless a checkpoint is there to resume
  /// from, gives rank 0's parameters to every rank, moves the model and the targets to the
  /// rank's device (train.device, train/device.hpp), and makes the optimizer and the batches'
  /// layout. Everything up to the move runs on the CPU whatever the device, so a run's
  /// initial parameters do not depend on it.
  Trainer(const Config& cfg, const Graph& g, const Samples& s, const Split& split, const RunOptions& ckpt,
          const DataParallel& dp);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  /// Continues from ckpt.path when it exists (saying so through ckpt.log); else a fitted start
  /// is the first candidate for the best parameters ("epoch 0").
  void resume();
  /// Whether training is over: the last epoch run (train.epochs, or ckpt.stop_epoch), or
  /// train.patience epochs without a higher validation Pearson than the best.
  bool done() const;
  /// Trains the next epoch (from the step a stop left it at): sets log's epoch, lr and
  /// train_loss. False when a stop signal ended it (see stop; result() is then the run).
  bool run_epoch(EpochLog& log);
  /// Ends the epoch of `log`: the refit (gat.program_init refit), validation (log's val_loss,
  /// val_pearson, seconds), the curves, the best parameters, the schedule and the checkpoint
  /// every train.checkpoint_every epochs.
  void end_epoch(EpochLog& log);
  /// {mean squared error, mean Pearson} over the validation signatures, from every rank's rows.
  std::pair<double, double> evaluate();
  /// Keeps the parameters as the best of epoch `epoch` when there is none yet or `pearson` is
  /// higher than the best's (NaN never is); returns whether it did.
  bool keep_best(double pearson, int64_t epoch);
  /// The stop-signal protocol, after step `step` of the epoch with this rank's squared errors
  /// `sse` so far: when ckpt.stop() gives a signal on any rank, every rank stops there, the
  /// checkpoint is written mid-epoch (ckpt.path) and result() gets `stopped` and the complete
  /// epochs. Returns whether the run stopped.
  bool stop(int64_t step, double sse);
  /// A checkpoint at `path` (none when empty): written by rank 0, with every rank's generator.
  void save(const std::string& path);
  /// After the last epoch: the final checkpoint (ckpt.final_path), the best parameters put
  /// back, and the result with the metrics (and the GAT's parameters and attention) from them.
  RunResult finish();

  /// The result so far (after a stop: the run as train_model returns it).
  const RunResult& result() const { return r_; }
  const TrainState& state() const { return st_; }
  PerturbationModel& model() { return *model_; }
  const TrainDevice& device() const { return dev_; }

 private:
  void build_model();
  void fit_start();
  void share_model();
  void plan_batches();
  void log_resumed(int64_t threads) const;
  double train_step(const std::vector<int64_t>& mine, int64_t count, int64_t epoch, size_t step, size_t steps);
  std::vector<float> flat_parameters() const;
  std::vector<int64_t> fit_rows(const std::vector<int64_t>& v) const;
  void final_metrics();
  void refit();
  torch::Tensor on_device(const std::vector<int64_t>& v) const;

  const Config& cfg_;
  const TrainConfig& tc_;
  const Graph& g_;
  const Samples& s_;
  const Split& split_;
  const RunOptions& ckpt_;
  const DataParallel& dp_;
  Comm* comm_;
  Sharding sh_;
  int64_t n_genes_;
  std::shared_ptr<PerturbationModel> model_;
  GatModel* gat_ = nullptr;
  bool resuming_ = false;
  bool refit_ = false;         // gat.program_init refit: the programs fitted after every epoch
  bool fitted_start_ = false;  // gat.program_init ridge or refit
  TrainDevice dev_;            // train.device, resolved
  torch::Device device_{torch::kCPU};
  torch::Tensor y_host_;       // [S, G] the targets, read in place
  torch::Tensor y_;            // [S, G] the targets on the device (y_host_ itself on the CPU)
  std::vector<torch::Tensor> params_;   // all of them: kept at the best epoch, counted
  std::vector<torch::Tensor> trained_;  // those the gradient trains
  std::unique_ptr<GradReducer> reducer_;
  std::unique_ptr<torch::optim::Optimizer> opt_;
  TrainState st_;
  std::vector<std::string> identity_, built_buffers_;
  torch::Tensor val_mine_, y_val_;  // this rank's validation rows and their targets
  int parts_ = 1;                   // the batches' layout (batched_order)
  int64_t per_part_ = 0;
  int64_t last_epoch_ = 0;
  int64_t steps_ = 0;  // for dp.after_step (counted from this trainer's first step)
  std::chrono::steady_clock::time_point epoch_start_;
  RunResult r_;
};

}  // namespace kg
