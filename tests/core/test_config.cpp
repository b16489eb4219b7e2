// Config: parsing, overrides, errors naming the key, resolved YAML, and agreement with the
// JSON schema that Snakemake validates with (workflow/schemas/config.schema.yaml).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <map>
#include <set>

#include "core/config.hpp"
#include "core/error.hpp"

namespace {

std::string write_file(const std::string& name, const std::string& text) {
  std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << text;
  return path;
}

std::string error_of(const std::string& path, std::vector<std::string> sets = {}) {
  try {
    kg::Config::load(path, sets);
  } catch (const kg::Error& e) {
    return e.what();
  }
  return "";
}

TEST(Config, DefaultsWithoutFile) {
  auto c = kg::Config::load("");
  EXPECT_EQ(c.model, "gat");
  EXPECT_EQ(c.train.epochs, 150);
  EXPECT_DOUBLE_EQ(c.train.lr, 1e-3);
}

TEST(Config, NestedYamlAndOverrides) {
  auto p = write_file("c1.yaml", "model: mlp\ntrain:\n  lr: 0.01\n  epochs: 5\nsweep:\n  seeds: [4, 5]\n");
  auto c = kg::Config::load(p, {"train.lr=0.5", "split.kind=scaffold", "synth.doses=[1, 10]"});
  EXPECT_EQ(c.model, "mlp");
  EXPECT_DOUBLE_EQ(c.train.lr, 0.5);  // --set wins over the file
  EXPECT_EQ(c.train.epochs, 5);
  EXPECT_EQ(c.split.kind, "scaffold");
  EXPECT_EQ(c.sweep.seeds, (std::vector<int64_t>{4, 5}));
  EXPECT_EQ(c.synth.doses, (std::vector<double>{1.0, 10.0}));
}

TEST(Config, ErrorsNameFileAndKey) {
  auto p = write_file("c2.yaml", "train:\n  lrr: 0.1\n");
  auto e = error_of(p);
  EXPECT_NE(e.find(p), std::string::npos) << e;
  EXPECT_NE(e.find("unknown key \"train.lrr\""), std::string::npos) << e;

  auto p3 = write_file("c3.yaml", "train:\n  epochs: many\n");
  e = error_of(p3);
  EXPECT_NE(e.find("train.epochs"), std::string::npos) << e;
  EXPECT_NE(e.find("integer"), std::string::npos) << e;

  auto p4 = write_file("c4.yaml", "model: transformer\n");
  e = error_of(p4);
  EXPECT_NE(e.find("\"model\""), std::string::npos) << e;
  EXPECT_NE(e.find("gat, mlp"), std::string::npos) << e;

  e = error_of("", {"gat.dropout=1.5"});
  EXPECT_NE(e.find("gat.dropout"), std::string::npos) << e;
  EXPECT_NE(e.find("out of range"), std::string::npos) << e;

  e = error_of("", {"nosuch=1"});
  EXPECT_NE(e.find("unknown key \"nosuch\""), std::string::npos) << e;

  e = error_of(::testing::TempDir() + "absent.yaml");
  EXPECT_NE(e.find("cannot open"), std::string::npos) << e;

  auto p5 = write_file("c5.yaml", "train: [1,\n");
  e = error_of(p5);
  EXPECT_NE(e.find("line"), std::string::npos) << e;

  e = error_of("", {"gat.hidden=30", "gat.heads=4"});
  EXPECT_NE(e.find("multiple"), std::string::npos) << e;
}

TEST(Config, ResolvedYamlRoundTrips) {
  auto c = kg::Config::load("", {"train.lr=0.25", "sweep.models=[mlp]", "dataset=x y"});
  auto p = write_file("resolved.yaml", c.to_yaml());
  auto d = kg::Config::load(p);
  EXPECT_EQ(d.to_yaml(), c.to_yaml());
  EXPECT_DOUBLE_EQ(d.train.lr, 0.25);
  EXPECT_EQ(d.sweep.models, std::vector<std::string>{"mlp"});
  EXPECT_EQ(d.dataset, "x y");
}

// resources.* (read by the workflow) are nested two deep; the resolved YAML nests them too.
TEST(Config, ResourcesNestTwoDeep) {
  auto p = write_file("r1.yaml", "resources:\n  train:\n    mem_mb: 8000\n    gpus: 1\n  default:\n    runtime: 30\n");
  auto c = kg::Config::load(p, {"resources.ingest.mem_mb=64000"});
  EXPECT_EQ(c.resources.train.mem_mb, 8000);
  EXPECT_EQ(c.resources.train.gpus, 1);
  EXPECT_EQ(c.resources.train.runtime, 240);  // the default
  EXPECT_EQ(c.resources.fallback.runtime, 30);
  EXPECT_EQ(c.resources.ingest.mem_mb, 64000);
  EXPECT_NE(c.to_yaml().find("resources:\n  default:\n    mem_mb: 4000\n    runtime: 30\n  ingest:\n"),
            std::string::npos) << c.to_yaml();
  auto e = error_of(write_file("r2.yaml", "resources:\n  train:\n    gpus: 2\n"));
  EXPECT_NE(e.find("resources.train.gpus"), std::string::npos) << e;
  e = error_of(write_file("r3.yaml", "resources:\n  ingest:\n    gpus: 1\n"));
  EXPECT_NE(e.find("unknown key \"resources.ingest.gpus\""), std::string::npos) << e;
}

// Flattens the schema's nested `properties` into dotted keys -> leaf schema node.
void flatten(const YAML::Node& props, const std::string& prefix, std::map<std::string, YAML::Node>& out) {
  for (const auto& kv : props) {
    std::string key = prefix + kv.first.as<std::string>();
    const YAML::Node& node = kv.second;
    if (node["type"] && node["type"].as<std::string>() == "object") {
      EXPECT_TRUE(node["additionalProperties"] && !node["additionalProperties"].as<bool>())
          << key << ": schema objects must forbid unknown keys";
      flatten(node["properties"], key + ".", out);
    } else {
      out[key] = node;
    }
  }
}

TEST(Config, SchemaKnowsTheSameKeysTypesAndDefaults) {
  std::string path = std::string(KGPERT_SOURCE_DIR) + "/workflow/schemas/config.schema.yaml";
  YAML::Node schema = YAML::LoadFile(path);
  ASSERT_FALSE(schema["additionalProperties"].as<bool>(true));
  std::map<std::string, YAML::Node> leaves;
  flatten(schema["properties"], "", leaves);
  std::set<std::string> cpp;
  const kg::Config defaults;
  const std::map<std::string, std::string> json_type{
      {"string", "string"}, {"int", "integer"}, {"float", "number"}, {"bool", "boolean"},
      {"string_list", "array"}, {"int_list", "array"}, {"float_list", "array"}};
  for (const auto& k : kg::config_keys()) {
    cpp.insert(k.key);
    auto it = leaves.find(k.key);
    if (it == leaves.end()) {
      ADD_FAILURE() << "key " << k.key << " is in the C++ config but not in " << path;
      continue;
    }
    const YAML::Node& s = it->second;
    EXPECT_EQ(s["type"].as<std::string>(), json_type.at(k.type)) << k.key;
    ASSERT_TRUE(s["default"]) << k.key << ": no default in the schema";
    // Same default: compare the C++ value's YAML with the schema's default.
    YAML::Node mine = YAML::Load(k.show(defaults));
    EXPECT_EQ(YAML::Dump(mine), YAML::Dump(s["default"])) << k.key;
    if (!k.choices.empty()) {
      YAML::Node e = k.type == "string" ? s["enum"] : s["items"]["enum"];
      ASSERT_TRUE(e) << k.key << ": schema lacks the enum";
      EXPECT_EQ(e.as<std::vector<std::string>>(), k.choices) << k.key;
    }
  }
  for (const auto& [key, node] : leaves)
    EXPECT_TRUE(cpp.count(key)) << "key " << key << " is in the schema but not in the C++ config";
}

}  // namespace
