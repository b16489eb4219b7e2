// The ablation of a run, shared by `kgpert train` and `kgpert explain` (which must rebuild the
// exact graph the run trained on).
#include "graph/ops.hpp"
#include "stages/stage.hpp"

namespace kg {

void apply_ablation(const Config& cfg, Graph& g, Samples& s) {
  // Ablations get their own seeded stream, derived from the training seed.
  const uint64_t ablation_seed = uint64_t(cfg.train.seed) * 1000003ull + 17;
  if (cfg.ablation == "edge_shuffle") shuffle_edges(g, ablation_seed);
  else if (cfg.ablation == "feature_random") randomize_features(g, ablation_seed);
  else if (cfg.ablation == "no_kg") remove_kg_edges(g);
  else if (cfg.ablation == "drug_shuffle") shuffle_drugs(s, ablation_seed);
}

}  // namespace kg
