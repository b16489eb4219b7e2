// train_model: the Trainer's steps (train/trainer_steps.hpp) in a loop; run_checkpoint and
// write_run.
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

void write_run(h5::Writer& w, const RunResult& r) {
  write_curves(w, r.curves);

  KG_CHECK(r.test_metrics.size() == r.val_metrics.size());
  std::vector<std::string> names;
  std::vector<double> test, val;
  for (size_t i = 0; i < r.test_metrics.size(); ++i) {
    KG_CHECK(r.test_metrics[i].first == r.val_metrics[i].first);
    names.push_back(r.test_metrics[i].first);
    test.push_back(r.test_metrics[i].second);
    val.push_back(r.val_metrics[i].second);
  }
  w.write_strings("/metrics/names", names);
  w.write("/metrics/test", test);
  w.write("/metrics/val", val);

  KG_CHECK(r.test_pred.rows == int64_t(r.test_index.size()));
  w.write("/test/sig_index", r.test_index);
  w.write("/test/pred", r.test_pred);
  KG_CHECK(r.test_pearson.size() == r.test_index.size());
  w.write("/test/pearson", r.test_pearson);
  if (!r.test_group_unit.empty()) {
    KG_CHECK(r.test_group.size() == r.test_index.size());
    w.write_strings("/test/group", r.test_group);
    w.attr("/test/group", "unit", r.test_group_unit);
  }
  w.attr("/", "best_epoch", r.best_epoch);
  w.attr("/", "epochs_run", r.epochs_run);
  w.attr("/", "n_params", r.n_params);
  if (!r.selected.empty()) w.attr("/", "selected", r.selected);

  // Parameters uncompressed: their mantissas are noise (as in checkpoints).
  for (const auto& p : r.params) {
    KG_CHECK(!p.shape.empty(), "parameter {} is a scalar", p.name);
    w.write("/model/" + p.name, p.data.data(), std::vector<hsize_t>(p.shape.begin(), p.shape.end()), false);
  }
  const auto& a = r.attention;
  if (!a.relations.empty()) {
    w.write_strings("/attention/relation_names", a.relations);
    w.write("/attention/mean", a.mean);
    w.write("/attention/edges", a.edges);
    w.write("/attention/mean_all", a.mean_all);
  }
}

}  // namespace kg
