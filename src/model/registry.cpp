// The table of models (registry.hpp): names, how each is fitted, the config keys it reads,
// its factory; and the check of a config's model and ablation names against the registries.
#include "model/registry.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>  // fmt::join

#include "core/error.hpp"
#include "graph/ablation.hpp"
#include "model/baselines.hpp"
#include "model/kg_features.hpp"
#include "model/models.hpp"

namespace kg {
namespace {

// One label per value of a list-valued baseline key: "baseline.knn_k=5", ...
template <typename T>
std::vector<std::string> labels(const std::string& key, const std::vector<T>& values) {
  std::vector<std::string> out;
  for (const auto& v : values) out.push_back(fmt::format("{}={}", key, v));
  return out;
}

// kg_ridge's candidates: baseline.kg_norm major, baseline.kg_alpha minor.
std::vector<std::string> kg_ridge_candidates(const Config& cfg) {
  std::vector<std::string> out;
  for (const auto& norm : cfg.baseline.kg_norm)
    for (double alpha : cfg.baseline.kg_alpha)
      out.push_back(fmt::format("baseline.kg_norm={} baseline.kg_alpha={}", norm, alpha));
  return out;
}

std::unique_ptr<Baseline> kg_ridge_candidate(const Config& cfg, const Graph& g, const Samples& s, size_t c) {
  const size_t A = cfg.baseline.kg_alpha.size();
  return make_kg_ridge(cfg, g, s, parse_hop_norm(cfg.baseline.kg_norm.at(c / A)), cfg.baseline.kg_alpha.at(c % A));
}

ModelInfo trained(std::string name, std::string summary, std::vector<std::string> reads,
                  decltype(ModelInfo::make) make) {
  reads.push_back("train.");
  return {std::move(name), std::move(summary), false, std::move(reads), std::move(make), {}, {}};
}

ModelInfo closed_form(std::string name, std::string summary, std::vector<std::string> reads,
                      decltype(ModelInfo::candidates) candidates, decltype(ModelInfo::make_baseline) make) {
  return {std::move(name), std::move(summary), true, std::move(reads), {}, std::move(candidates), std::move(make)};
}

std::vector<ModelInfo> build_table() {
  using Sp = std::shared_ptr<PerturbationModel>;
  return {
      trained("gat", "graph attention over the knowledge graph, then a decoder of the drug and cell states", {"gat."},
              [](const Config& c, const Graph& g, const Samples& s) -> Sp { return std::make_shared<GatModel>(c.gat, g, s); }),
      trained("mlp", "an MLP on the compound's fingerprint, the cell line, dose and time", {"mlp."},
              [](const Config& c, const Graph& g, const Samples& s) -> Sp { return std::make_shared<MlpModel>(c.mlp, g, s); }),
      closed_form("cell_mean", "the cell line's mean training response", {},
                  [](const Config&) { return std::vector<std::string>{""}; },
                  [](const Config&, const Graph&, const Samples& s, size_t) { return make_cell_mean(s); }),
      trained("cell_mlp", "the MLP without the compound: cell line, dose and time only", {"mlp."},
              [](const Config& c, const Graph& g, const Samples& s) -> Sp {
                return std::make_shared<MlpModel>(c.mlp, g, s, false);
              }),
      closed_form("knn", "the mean response of the k training compounds nearest by fingerprint Tanimoto",
                  {"baseline.knn_k"}, [](const Config& c) { return labels("baseline.knn_k", c.baseline.knn_k); },
                  [](const Config& c, const Graph& g, const Samples& s, size_t k) {
                    return make_knn(g, s, c.baseline.knn_k.at(k));
                  }),
      closed_form("ridge", "ridge regression on [fingerprint, cell one-hot, dose/time]", {"baseline.ridge_alpha"},
                  [](const Config& c) { return labels("baseline.ridge_alpha", c.baseline.ridge_alpha); },
                  [](const Config& c, const Graph& g, const Samples& s, size_t k) {
                    return make_ridge(g, s, c.baseline.ridge_alpha.at(k), c.threads);
                  }),
      closed_form("kg_ridge", "ridge regression on knowledge-graph metapath features",
                  {"baseline.kg_blocks", "baseline.kg_norm", "baseline.kg_alpha"}, kg_ridge_candidates,
                  kg_ridge_candidate),
  };
}

// The config keys that name models (true) or ablations (false).
const std::pair<const char*, bool> kNamedKeys[] = {
    {"model", true}, {"ablation", false}, {"sweep.models", true}, {"sweep.ablations", false},
    {"sweep.ablation_models", true}};

std::vector<std::string> values_of(const Config& c, const std::string& key) {
  if (key == "model") return {c.model};
  if (key == "ablation") return {c.ablation};
  if (key == "sweep.models") return c.sweep.models;
  if (key == "sweep.ablations") return c.sweep.ablations;
  return c.sweep.ablation_models;
}

}  // namespace

const std::vector<ModelInfo>& model_table() {
  static const std::vector<ModelInfo> table = build_table();
  return table;
}

const ModelInfo* find_model(const std::string& name) {
  for (const auto& m : model_table())
    if (m.name == name) return &m;
  return nullptr;
}

std::vector<std::string> model_names() {
  std::vector<std::string> names;
  for (const auto& m : model_table()) names.push_back(m.name);
  return names;
}

std::vector<std::string> registered_choices(const std::string& key) {
  for (const auto& [k, models] : kNamedKeys)
    if (key == k) return models ? model_names() : ablation_names();
  return {};
}

void check_registered(const Config& cfg, const std::string& where) {
  for (const auto& [key, models] : kNamedKeys) {
    const auto allowed = registered_choices(key);
    for (const auto& v : values_of(cfg, key))
      if (std::find(allowed.begin(), allowed.end(), v) == allowed.end())
        fail("{}: key \"{}\": \"{}\" is not one of {}", where, key, v, fmt::join(allowed, ", "));
  }
}

}  // namespace kg
