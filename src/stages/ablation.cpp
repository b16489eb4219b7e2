// The graph a run trains on, shared by `kgpert train` and `kgpert explain` (which must rebuild
// it exactly): the GAT's relations (gat.relations), then the run's ablation.
#include <fmt/format.h>
#include <fmt/ranges.h>  // fmt::join

#include "core/error.hpp"
#include "graph/ablation.hpp"
#include "graph/ops.hpp"
#include "stages/stage.hpp"

namespace kg {

void apply_ablation(const Config& cfg, Graph& g, Samples& s) {
  if (cfg.model == "gat" && !cfg.gat.relations.empty()) {
    std::vector<int32_t> keep;
    for (const auto& name : cfg.gat.relations) {
      const int r = g.relation_index(name);
      if (r < 0)
        fail("gat.relations: \"{}\" is not a relation of the graph (its relations: {})", name,
             fmt::join(g.relation_names, ", "));
      keep.push_back(r);
    }
    keep_relations(g, keep);
  }
  // Ablations get their own seeded stream, derived from the training seed.
  const uint64_t ablation_seed = uint64_t(cfg.train.seed) * 1000003ull + 17;
  const AblationInfo* ablation = find_ablation(cfg.ablation);
  if (!ablation) fail("ablation \"{}\" is not one of {}", cfg.ablation, fmt::join(ablation_names(), ", "));
  if (ablation->apply) ablation->apply(g, s, ablation_seed);
}

}  // namespace kg
