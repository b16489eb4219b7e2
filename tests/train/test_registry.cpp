// The registries of models (model/registry.hpp) and ablations (graph/ablation.hpp): every row
// builds from the default config, its closed-form flag is what the trainer does with it, and
// config names outside the tables are refused naming the key.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <set>

#include "core/error.hpp"
#include "graph/ablation.hpp"
#include "model/baselines.hpp"
#include "model/models.hpp"
#include "model/registry.hpp"
#include "support/kgtest.hpp"
#include "train/closed_form.hpp"
#include "train/planted.hpp"

namespace kg {
namespace {

TEST(ModelRegistry, NamesAreUniqueAndEachRowHasTheFactoryOfItsKind) {
  std::set<std::string> seen;
  for (const auto& m : model_table()) {
    EXPECT_TRUE(seen.insert(m.name).second) << m.name << " registered twice";
    EXPECT_FALSE(m.summary.empty()) << m.name;
    EXPECT_EQ(find_model(m.name), &m);
    EXPECT_EQ(is_closed_form(m.name), m.closed_form) << m.name;
    EXPECT_EQ(bool(m.make), !m.closed_form) << m.name;
    EXPECT_EQ(bool(m.candidates) && bool(m.make_baseline), m.closed_form) << m.name;
    // Trained models read train.*, the closed-form ones none of it.
    const bool reads_train = std::count(m.reads.begin(), m.reads.end(), "train.") > 0;
    EXPECT_EQ(reads_train, !m.closed_form) << m.name;
  }
  EXPECT_EQ(find_model("transformer"), nullptr);
  EXPECT_FALSE(is_closed_form("transformer"));
}

// The default config, but kg_ridge on the fingerprint block alone: the planted graph has no
// pathways for its default metapaths.
Config config_for(const std::string& model, Config cfg = Config()) {
  cfg.model = model;
  cfg.baseline.kg_blocks = {"fp"};
  return cfg;
}

TEST(ModelRegistry, EveryModelBuildsFromTheDefaultConfigAsTheTrainerDispatchesIt) {
  planted::Planted p;
  for (const auto& m : model_table()) {
    const Config cfg = config_for(m.name);
    if (m.closed_form) {
      ASSERT_GE(baseline_choices(cfg), 1u) << m.name;
      for (size_t c = 0; c < baseline_choices(cfg); ++c) EXPECT_TRUE(make_baseline(cfg, p.g, p.s, c)) << m.name;
      kgtest::expect_error([&] { make_model(cfg, p.g, p.s); }, {"model \"" + m.name + "\" is not trained by gradient"});
    } else {
      EXPECT_TRUE(make_model(cfg, p.g, p.s)) << m.name;
      kgtest::expect_error([&] { make_baseline(cfg, p.g, p.s); }, {"model \"" + m.name + "\" is not a closed-form baseline"});
    }
  }
}

// The workflow trains a closed-form model with the first seed only: its fit must not depend on
// train.seed.
TEST(ModelRegistry, ClosedFormFitsIgnoreTheSeed) {
  planted::Planted p;
  for (const auto& m : model_table()) {
    if (!m.closed_form) continue;
    Config cfg = config_for(m.name, planted::small_config(m.name));
    cfg.train.seed = 1;
    const RunResult a = fit_closed_form(cfg, p.g, p.s, p.split);
    cfg.train.seed = 7;
    const RunResult b = fit_closed_form(cfg, p.g, p.s, p.split);
    EXPECT_EQ(a.test_pred.data, b.test_pred.data) << m.name;
    EXPECT_EQ(a.selected, b.selected) << m.name;
  }
}

TEST(AblationRegistry, NoneFirstThenEachAppliesToAGraph) {
  ASSERT_FALSE(ablation_table().empty());
  EXPECT_EQ(ablation_table().front().name, "none");
  EXPECT_FALSE(ablation_table().front().apply);
  std::set<std::string> seen;
  for (const auto& a : ablation_table()) {
    EXPECT_TRUE(seen.insert(a.name).second) << a.name << " registered twice";
    EXPECT_EQ(find_ablation(a.name), &a);
    if (a.name == "none") continue;
    planted::Planted p;
    ASSERT_TRUE(a.apply) << a.name;
    a.apply(p.g, p.s, 3);
    p.g.validate(a.name);
  }
  EXPECT_EQ(find_ablation("nope"), nullptr);
}

TEST(Registry, ConfigNamesOutsideTheTablesAreRefusedNamingTheKey) {
  Config cfg;
  EXPECT_NO_THROW(check_registered(cfg, "config \"x.yaml\""));
  cfg.sweep.models = model_names();
  cfg.sweep.ablations = ablation_names();
  EXPECT_NO_THROW(check_registered(cfg, "config \"x.yaml\""));
  cfg.model = "transformer";
  kgtest::expect_error([&] { check_registered(cfg, "config \"x.yaml\""); }, {"config \"x.yaml\": key \"model\": \"transformer\" is not one of gat, mlp"});
  cfg = Config();
  cfg.sweep.ablation_models = {"gat", "nope"};
  kgtest::expect_error([&] { check_registered(cfg, "config \"x.yaml\""); }, {"key \"sweep.ablation_models\": \"nope\""});
  cfg = Config();
  cfg.sweep.ablations = {"none", "edge_shufle"};
  kgtest::expect_error([&] { check_registered(cfg, "config \"x.yaml\""); }, {"key \"sweep.ablations\": \"edge_shufle\" is not one of none, "});
  EXPECT_EQ(registered_choices("sweep.ablation_models"), model_names());
  EXPECT_EQ(registered_choices("ablation"), ablation_names());
  EXPECT_TRUE(registered_choices("split.kind").empty());
}

// The config schema of the workflow carries no list of model or ablation names: common.smk
// checks them against `kgpert help models --json`.
TEST(Registry, SchemaListsNoModelOrAblationNames) {
  const YAML::Node schema = YAML::LoadFile(std::string(KGPERT_SOURCE_DIR) + "/workflow/schemas/config.schema.yaml");
  const YAML::Node props = schema["properties"];
  EXPECT_FALSE(props["model"]["enum"]);
  EXPECT_FALSE(props["ablation"]["enum"]);
  for (const char* key : {"models", "ablations", "ablation_models"})
    EXPECT_FALSE(props["sweep"]["properties"][key]["items"]["enum"]) << "sweep." << key;
}

}  // namespace
}  // namespace kg
