// `kgpert synth`: writes the demo dataset (real formats, planted signal), or a benchmark
// regime (synth.regime, docs/BENCH.md), into --out DIR.
#include <charconv>
#include <chrono>
#include <filesystem>

#include <fmt/format.h>

#include "stages/stage.hpp"
#include "core/error.hpp"
#include "synth/bench.hpp"
#include "synth/demo.hpp"
#include "synth/scale.hpp"

namespace kg {
namespace {

int64_t parse_count(const std::string& text, const char* option) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 1)
    fail("{} \"{}\" is not a positive whole number", option, text);
  return v;
}

}  // namespace

int stage_synth(StageContext& ctx) {
  const std::string& dir = ctx.require("out");
  auto t0 = std::chrono::steady_clock::now();
  const std::string scale = ctx.option("scale", "demo");
  const std::string signatures = ctx.option("signatures", "");
  if (scale == "primekg") {  // benchmark input: DIR/kg.csv, PrimeKG-sized, and LINCS files when asked
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) fail("cannot create \"{}\": {}", dir, ec.message());
    const auto seed = uint64_t(ctx.cfg.synth.seed);
    auto st = synth::write_primekg_like(dir + "/kg.csv", 1.0, seed);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    log::info("wrote a PrimeKG-scale kg.csv to \"{}/kg.csv\": {} nodes, {} rows in {:.2f} s (seed {})", dir, st.nodes,
              st.rows, secs, seed);
    if (signatures.empty()) return 0;
    const int64_t n = parse_count(signatures, "--signatures");
    t0 = std::chrono::steady_clock::now();
    auto ls = synth::write_lincs_like(dir, synth::primekg_like_nodes(1.0, seed), n, seed, int(ctx.cfg.threads));
    secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    log::info("wrote LINCS files to \"{}\": level5.gctx {} genes x {} signatures ({:.1f} GB), "
              "{} trt_cp over {} compounds and {} cell lines, in {:.1f} s",
              dir, ls.genes, ls.signatures, ls.gctx_bytes / 1e9, ls.trt_cp, ls.compounds, ls.cells, secs);
    return 0;
  }
  if (scale != "demo") fail("--scale \"{}\" is not one of demo, primekg", scale);
  if (!signatures.empty()) fail("--signatures applies to --scale primekg only (the demo's size is in synth.*)");
  if (ctx.cfg.synth.regime != "demo") {  // a frozen benchmark regime (docs/BENCH.md)
    synth::Bench bench = synth::make_bench(ctx.cfg);
    synth::write_demo(bench.data, dir);
    h5::write_resolved_config(dir + "/synth.config.yaml", dir, ctx.cfg.to_yaml());
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    log::info("{}{}wrote bench regime {} to \"{}\" in {:.2f} s (seed {})", synth::summary(bench.data),
              synth::bench_summary(bench), ctx.cfg.synth.regime, dir, secs, ctx.cfg.synth.seed);
    return 0;
  }
  synth::Demo demo = synth::make_demo(ctx.cfg);
  synth::write_demo(demo, dir);
  h5::write_resolved_config(dir + "/synth.config.yaml", dir, ctx.cfg.to_yaml());
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  log::info("{}wrote the demo to \"{}\" in {:.2f} s (seed {})", synth::summary(demo), dir, secs, ctx.cfg.synth.seed);
  return 0;
}

}  // namespace kg
