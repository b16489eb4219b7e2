// The optimizer (Adam or AdamW) and the learning-rate schedule of train_model. Includes
// LibTorch: for the trainer, the checkpoint code and the tests.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "core/config.hpp"

namespace kg {

/// The optimizer named by train.optimizer, with learning rate train.lr, betas (0.9, 0.999),
/// eps 1e-8 and weight decay wd = train.weight_decay:
///   adam    g ← g + wd·p, then the Adam step (an L2 penalty; torch.optim.Adam)
///   adamw   p ← p·(1 − lr·wd), then the Adam step on g (decoupled; torch.optim.AdamW)
std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TrainConfig& tc,
                                                        const std::vector<torch::Tensor>& params);

/// Sets the learning rate of every parameter group of `opt`.
void set_lr(torch::optim::Optimizer& opt, double lr);

/// The learning rate of each epoch (e = 1..epochs; constant within an epoch) under
/// train.lr_schedule:
///   none     lr_e = lr
///   cosine   lr_e = lr · ½ (1 + cos(π (e − 1) / epochs))   (lr at epoch 1, falling towards 0)
///   plateau  lr_e = lr · scale, where scale halves after every train.lr_patience epochs in a
///            row without a higher validation Pearson (the count restarts after a halving)
/// `scale` and `wait` are the plateau state, saved in checkpoints.
struct LrSchedule {
  explicit LrSchedule(const TrainConfig& tc)
      : kind(tc.lr_schedule), base(tc.lr), epochs(tc.epochs), patience(tc.lr_patience) {}

  double lr(int64_t epoch) const;
  /// Records the end of an epoch; `improved`: its validation Pearson is the best so far.
  void end_epoch(bool improved);

  std::string kind;
  double base;
  int64_t epochs, patience;
  double scale = 1;  // plateau: 0.5^(halvings so far)
  int64_t wait = 0;  // plateau: epochs without gain since the last gain or halving
};

}  // namespace kg
