// Config: parsing, overrides, errors naming the key, resolved YAML, and agreement with the
// JSON schema that Snakemake validates with (workflow/schemas/config.schema.yaml).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

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

// A section given a value says so (not "unknown key"); a key given twice is an error naming
// both lines (YAML would silently keep the last).
TEST(Config, SectionGivenAValueAndKeyGivenTwice) {
  auto e = error_of(write_file("s1.yaml", "dataset: x\ntrain: 5\n"));
  EXPECT_NE(e.find("line 2: \"train\" is a section (keys such as \"train."), std::string::npos) << e;
  EXPECT_NE(e.find("not a value: give it as a mapping"), std::string::npos) << e;
  e = error_of(write_file("s2.yaml", "train:\n  epochs: 3\n  lr: 0.1\n  epochs: 4\n"));
  EXPECT_NE(e.find("line 4: key \"train.epochs\" given twice (first on line 2)"), std::string::npos) << e;
  e = error_of(write_file("s3.yaml", "train:\n  epochs: 3\ntrain:\n  lr: 0.1\n"));
  EXPECT_NE(e.find("line 3: key \"train\" given twice (first on line 1)"), std::string::npos) << e;
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

  // Model and ablation names are checked by the registries (tests/train/test_registry.cpp).
  auto p4 = write_file("c4.yaml", "split:\n  kind: diagonal\n");
  e = error_of(p4);
  EXPECT_NE(e.find("\"split.kind\""), std::string::npos) << e;
  EXPECT_NE(e.find("random, scaffold"), std::string::npos) << e;

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

// Found by fuzz/fuzz_config.cpp (tests/fuzz/config/): a complex key escaped as YAML::BadConversion.
TEST(Config, KeyThatIsNotANameIsAnError) {
  auto e = error_of(write_file("ckey.yaml", "synth:\n  ? [a, b]\n  : 1\n"));
  EXPECT_NE(e.find("line 2: a key must be a plain name, not a sequence"), std::string::npos) << e;
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

// ---- limits on config text -----------------------------------------------------------------

// "Billion laughs": 9 levels of 9 aliases, 9^9 leaves for whoever expands it.
std::string alias_bomb() {
  std::string t = "dataset: x\nl0: &l0 [lol]\n";
  for (int i = 1; i < 10; ++i) {
    t += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
    for (int j = 0; j < 9; ++j) t += (j ? ", *l" : "*l") + std::to_string(i - 1);
    t += "]\n";
  }
  return t;
}

TEST(ConfigLimits, AliasBombIsRefusedBeforeParsing) {
  auto p = write_file("bomb.yaml", alias_bomb());
  EXPECT_EQ(error_of(p), "config \"" + p + "\": line 2, column 5: YAML anchors and aliases (&name) are not allowed in a config");
  EXPECT_EQ(error_of("", {"sweep.models=*a"}),
            "--set key \"sweep.models\": line 1, column 1: YAML anchors and aliases (*name) are not allowed in a config");
  // & and * inside scalars, quotes and comments are no anchors.
  auto ok = write_file("amp.yaml", "dataset: a&b*c  # &x *y\nsynth:\n  seed: 3 # *z\n"
                                   "inputs:\n  kg_csv: \"\\\" & *q\"\n  gctx: '*it''s &'\n");
  EXPECT_EQ(error_of(ok), "");
  EXPECT_EQ(kg::Config::load(ok, {}).dataset, "a&b*c");
  // Nor are they after a blank inside a plain scalar, as in a path the workflow passes by --set.
  EXPECT_EQ(error_of("", {"inputs.kg_csv=/data/a *b &c, *d.csv", "dataset=x - *y"}), "");
  EXPECT_EQ(error_of("", {"sweep.models=[mlp, *a]"}),
            "--set key \"sweep.models\": line 1, column 7: YAML anchors and aliases (*name) are not allowed in a config");
  EXPECT_EQ(error_of("", {"sweep.models=- &a mlp"}),
            "--set key \"sweep.models\": line 1, column 3: YAML anchors and aliases (&name) are not allowed in a config");
}

TEST(ConfigLimits, HugeFileIsRefusedUnread) {
  auto p = write_file("huge.yaml", "dataset: " + std::string(kg::kMaxConfigBytes, 'x') + "\n");
  EXPECT_EQ(error_of(p), "config \"" + p + "\": larger than the 1048576 bytes a config may have");
}

TEST(ConfigLimits, DeepNestingIsRefused) {
  // yaml-cpp recurses per level: 100k would overflow the stack.
  auto flow = write_file("flow.yaml", "sweep:\n  models: " + std::string(100000, '[') + "\n");
  EXPECT_EQ(error_of(flow), "config \"" + flow + "\": line 2, column 75: more than 64 nested [ ] or { }");
  std::string compact;
  for (int i = 0; i < 200; ++i) compact += "- ";
  auto block = write_file("block.yaml", "sweep:\n  models:\n" + compact + "x\n");
  EXPECT_EQ(error_of(block), "config \"" + block + "\": line 3: content at column 401, deeper than the 256 columns a config may nest");
  auto ok = write_file("nest.yaml", "sweep:\n  grid: [\"gat.heads: [2, 4]\"]\n  models: [gat]\n");
  EXPECT_EQ(error_of(ok), "");
}

// Memory stays bounded: in a child whose heap is limited to 64 MB more than it has, the bomb
// (and a 1 MiB + 1 config) are refused with the error, not killed or out of memory.
TEST(ConfigLimits, BombFailsUnderASmallMemoryLimit) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "a sanitizer's shadow memory defeats RLIMIT_DATA";
#else
  auto p = write_file("bomb2.yaml", alias_bomb());
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::ifstream st("/proc/self/statm");
    size_t pages = 0, rss = 0, shared = 0, text = 0, lib = 0, data = 0;
    st >> pages >> rss >> shared >> text >> lib >> data;
    rlimit lim{};
    lim.rlim_cur = lim.rlim_max = data * size_t(sysconf(_SC_PAGESIZE)) + (size_t(64) << 20);
    setrlimit(RLIMIT_DATA, &lim);
    std::string e = error_of(p);
    _exit(e.find("anchors and aliases") != std::string::npos ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
#endif
}

}  // namespace
