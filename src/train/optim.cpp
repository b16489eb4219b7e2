// make_optimizer, set_lr and the per-epoch learning-rate schedule.
#include "train/optim.hpp"

#include <cmath>

#include "core/error.hpp"

namespace kg {

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TrainConfig& tc,
                                                        const std::vector<torch::Tensor>& params) {
  if (tc.optimizer == "adam")
    return std::make_unique<torch::optim::Adam>(
        params, torch::optim::AdamOptions(tc.lr).weight_decay(tc.weight_decay));
  if (tc.optimizer == "adamw")  // AdamWOptions defaults to weight_decay 0.01: always set it
    return std::make_unique<torch::optim::AdamW>(
        params, torch::optim::AdamWOptions(tc.lr).weight_decay(tc.weight_decay));
  fail("config: key \"train.optimizer\": unknown optimizer \"{}\"", tc.optimizer);
}

void set_lr(torch::optim::Optimizer& opt, double lr) {
  for (auto& group : opt.param_groups()) group.options().set_lr(lr);
}

double LrSchedule::lr(int64_t epoch) const {
  if (kind == "cosine") return base * 0.5 * (1 + std::cos(M_PI * double(epoch - 1) / double(epochs)));
  if (kind == "plateau") return base * scale;
  KG_CHECK(kind == "none", "lr_schedule {}", kind);
  return base;
}

void LrSchedule::end_epoch(bool improved) {
  if (kind != "plateau") return;
  wait = improved ? 0 : wait + 1;
  if (wait >= patience) scale *= 0.5, wait = 0;
}

}  // namespace kg
