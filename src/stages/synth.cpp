// `kgpert synth`: writes the demo dataset (real formats, planted signal) into --out DIR.
#include <chrono>
#include <iostream>

#include <fmt/format.h>

#include "stages/stage.hpp"
#include "synth/demo.hpp"

namespace kg {

int stage_synth(StageContext& ctx) {
  const std::string& dir = ctx.require("out");
  auto t0 = std::chrono::steady_clock::now();
  synth::Demo demo = synth::make_demo(ctx.cfg);
  synth::write_demo(demo, dir);
  h5::write_resolved_config(dir + "/synth.config.yaml", dir, ctx.cfg.to_yaml());
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cerr << synth::summary(demo)
            << fmt::format("wrote the demo to \"{}\" in {:.2f} s (seed {})\n", dir, secs, ctx.cfg.synth.seed);
  return 0;
}

}  // namespace kg
