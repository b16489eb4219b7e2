// train_model: the Trainer's steps (train/trainer_steps.hpp) in a loop; run_checkpoint (run.h5 is
// written by train/run_file).
#include "train/trainer.hpp"

#include <filesystem>

#include "core/error.hpp"
#include "train/checkpoint.hpp"
#include "train/trainer_steps.hpp"

namespace kg {

RunOptions run_checkpoint(const Config& cfg, const std::string& out, const std::vector<h5::InputInfo>& inputs) {
  RunOptions c;
  if (cfg.train.checkpoint_every > 0) c.path = out + ".ckpt";
  // Base names, not paths: a moved results directory is still the same run.
  for (const auto& in : inputs)
    c.inputs += fmt::format("input {}: {} bytes, xxh3 {}\n",
                            std::filesystem::path(in.path).filename().string(), in.size, in.xxh3);
  return c;
}

RunResult train_model(const Config& cfg, const Graph& g, const Samples& s, const Split& split,
                      const ProgressFn& progress, const RunOptions& ckpt, const DataParallel& dp) {
  Trainer t(cfg, g, s, split, ckpt, dp);
  t.resume();
  while (!t.done()) {
    EpochLog log;
    if (!t.run_epoch(log)) return t.result();  // stopped by a signal, checkpoint written
    t.end_epoch(log);
    if (progress) progress(log);
  }
  return t.finish();
}

}  // namespace kg
