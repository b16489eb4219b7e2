// `kgpert train`: one model (GAT or MLP) on one split with one seed, after the configured
// ablation; writes curves, metrics and test predictions to run.h5.
#include <cstdio>
#include <iostream>

#include "core/error.hpp"
#include "stages/stage.hpp"
#include "train/closed_form.hpp"
#include "train/trainer.hpp"

namespace kg {

int stage_train(StageContext& ctx) {
  const Config& cfg = ctx.cfg;
  const std::string& graph_path = ctx.require("graph");
  const std::string& samples_path = ctx.require("samples");
  const std::string& split_path = ctx.require("split");
  const std::string& out = ctx.require("out");
  Graph g = read_graph(graph_path);
  Samples s = read_samples(samples_path);
  s.validate(fmt::format("samples \"{}\"", samples_path), g.num_nodes());
  Split split = read_split(split_path, s.num_signatures());
  if (split.kind != cfg.split.kind)
    fail_file("split", split_path, "is a {} split but the config asks for split.kind={}", split.kind,
              cfg.split.kind);

  apply_ablation(cfg, g, s);

  std::cerr << fmt::format("train: {} ({}) on the {} split, seed {}: {} train / {} val / {} test signatures\n",
                           cfg.model, cfg.ablation, split.kind, cfg.train.seed, split.train.size(),
                           split.val.size(), split.test.size());
  // <out>.ckpt is resumed from when present (a killed job rerun), and removed once run.h5 is in place.
  const h5::Provenance prov = ctx.provenance({graph_path, samples_path, split_path});
  CheckpointOptions ckpt = run_checkpoint(cfg, out, prov.inputs);
  ckpt.log = [](const std::string& line) { std::cerr << "train: " << line << "\n"; };
  const ProgressFn print = [](const EpochLog& e) {
    std::cerr << fmt::format("epoch {:>3}  train_loss {:.4f}  val_loss {:.4f}  val_pearson {:.4f}  {:.1f}s\n",
                             e.epoch, e.train_loss, e.val_loss, e.val_pearson, e.seconds);
  };
  // The closed-form baselines are fitted once (one "epoch" in the curves).
  RunResult r = is_closed_form(cfg.model) ? fit_closed_form(cfg, g, s, split, print)
                                          : train_model(cfg, g, s, split, print, ckpt);
  if (!r.selected.empty()) std::cerr << fmt::format("train: chosen on validation: {}\n", r.selected);

  h5::Writer w(out);
  w.attr("/", "format", "kgpert-run-1");
  w.attr("/", "model", cfg.model);
  w.attr("/", "ablation", cfg.ablation);
  w.attr("/", "split", split.kind);
  w.attr("/", "seed", cfg.train.seed);
  write_run(w, r);
  w.provenance(prov);
  w.commit();
  if (!ckpt.path.empty()) std::remove(ckpt.path.c_str());
  return 0;
}

}  // namespace kg
