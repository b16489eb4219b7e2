// Training checkpoints (docs/FORMATS.md, "Training checkpoint"): everything a killed run needs
// to continue exactly where it stopped. Includes LibTorch; used by the trainer and the tests.
#pragma once

#include <string>
#include <vector>

#include "model/models.hpp"
#include "train/optim.hpp"
#include "train/trainer.hpp"

namespace kg {

/// What a run carries from one epoch to the next besides the model and the optimizer.
struct TrainState {
  explicit TrainState(const TrainConfig& tc) : schedule(tc) {}
  int64_t epochs_run = 0;
  int64_t best_epoch = 0;           // 0: none yet (best empty), or the fitted start
  double best_pearson = 0;
  std::vector<torch::Tensor> best;  // parameters at best_epoch, in parameters() order (empty: none yet)
  LrSchedule schedule;
  std::vector<EpochLog> curves;
  /// A run stopped by a signal mid-epoch: the steps of epoch epochs_run + 1 already taken, and
  /// the squared errors each rank summed over them ([ranks]).
  int64_t epoch_steps = 0;
  std::vector<double> epoch_sse;
  /// Data-parallel runs: every rank's CPU generator state, [ranks] (gathered before a save; the
  /// saving rank's own generator is used when empty).
  std::vector<torch::Tensor> rank_generators;
};

/// The identity of a run: "key: value" for every config key that can change its result (all
/// but threads, train.checkpoint_every, train.device, dist.* and resources.*), then the lines of
/// `inputs`. train.device is left out so that a run checkpointed on the CPU goes on on a GPU and
/// back (its tensors are stored on the host and read onto the run's device).
std::vector<std::string> run_identity(const Config& cfg, const std::string& inputs);

/// Checksums "name dtype [shape] xxh3:HEX" of the model's buffers, as built (before training):
/// buffers still equal to these are rebuilt from the inputs on resume rather than stored.
std::vector<std::string> buffer_checksums(const torch::nn::Module& m);

/// Writes the checkpoint to `path` atomically (temporary name, then rename). `built_buffers`:
/// buffer_checksums() of the model as built; buffers that differ now are stored in full.
void save_checkpoint(const std::string& path, const Config& cfg, const std::vector<std::string>& identity,
                     const std::vector<std::string>& built_buffers, const torch::nn::Module& m,
                     torch::optim::Optimizer& opt, const TrainState& st);

/// Restores the model's parameters and changed buffers, the optimizer state, the training
/// state and torch's CPU generator (that of `rank` in a data-parallel run) from `path`.
/// Returns the thread count it was written with.
/// Throws kg::Error naming the file when it was written by another run (naming the first key
/// or input that differs), or does not fit the model (names and shapes of parameters).
int64_t load_checkpoint(const std::string& path, const std::vector<std::string>& identity,
                        const std::vector<std::string>& built_buffers, torch::nn::Module& m,
                        torch::optim::Optimizer& opt, TrainState& st, int rank = 0);

/// Copies the datasets `<group>/<name>` of `r` into m's parameters (names as in
/// named_parameters; run.h5 keeps a GAT's under /model). A missing dataset or another shape
/// is a kg::Error naming the file and dataset.
void load_parameters(const h5::Reader& r, const std::string& group, torch::nn::Module& m);

/// The curves as /curves/{epoch, train_loss, val_loss, val_pearson, lr, seconds} (run.h5 and
/// checkpoints share this layout).
void write_curves(h5::Writer& w, const std::vector<EpochLog>& curves);
std::vector<EpochLog> read_curves(const h5::Reader& r);

}  // namespace kg
