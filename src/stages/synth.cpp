// `kgpert synth`: writes the demo dataset (real formats, planted signal) into --out DIR.
#include <chrono>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "stages/stage.hpp"
#include "core/error.hpp"
#include "synth/demo.hpp"
#include "synth/scale.hpp"

namespace kg {

int stage_synth(StageContext& ctx) {
  const std::string& dir = ctx.require("out");
  auto t0 = std::chrono::steady_clock::now();
  const std::string scale = ctx.option("scale", "demo");
  if (scale == "primekg") {  // benchmark input: only DIR/kg.csv, PrimeKG-sized
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) fail("cannot create \"{}\": {}", dir, ec.message());
    auto st = synth::write_primekg_like(dir + "/kg.csv", 1.0, uint64_t(ctx.cfg.synth.seed));
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cerr << fmt::format("wrote a PrimeKG-scale kg.csv to \"{}/kg.csv\": {} nodes, {} rows in {:.2f} s (seed {})\n",
                             dir, st.nodes, st.rows, secs, ctx.cfg.synth.seed);
    return 0;
  }
  if (scale != "demo") fail("--scale \"{}\" is not one of demo, primekg", scale);
  synth::Demo demo = synth::make_demo(ctx.cfg);
  synth::write_demo(demo, dir);
  h5::write_resolved_config(dir + "/synth.config.yaml", dir, ctx.cfg.to_yaml());
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cerr << synth::summary(demo)
            << fmt::format("wrote the demo to \"{}\" in {:.2f} s (seed {})\n", dir, secs, ctx.cfg.synth.seed);
  return 0;
}

}  // namespace kg
