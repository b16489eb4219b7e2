// `kgpert explain` on a tiny demo run (configs/test.yaml: synth, ingest, split, a GAT trained for
// 2 epochs): the files it writes, the drug and cell it names, and one-line errors that name the
// run and close matches and leave no output.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "model/models.hpp"
#include "stages/cli.hpp"
#include "stages/stage.hpp"
#include "support/kgtest.hpp"
#include "train/checkpoint.hpp"
#include "train/explain.hpp"

namespace {

namespace fs = std::filesystem;

// Runs `kgpert ARGS...` in this process; returns the exit status.
int kgpert(std::vector<std::string> args) {
  args.insert(args.begin(), "kgpert");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return kg::run_cli(int(argv.size()), argv.data());
}

std::vector<std::map<std::string, std::string>> read_tsv(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::vector<std::string> head;
  std::getline(in, line);
  for (std::istringstream h(line); std::getline(h, line, '\t');) head.push_back(line);
  std::vector<std::map<std::string, std::string>> rows;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    auto& row = rows.emplace_back();
    for (const auto& col : head) std::getline(f, row[col], '\t');
  }
  return rows;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The demo run, made once for the suite.
class ExplainStage : public ::testing::Test {
 protected:
  static inline std::string dir, run, mlp_run, shuffled_run, graph, samples, drug_name, drug_pert, cell_id;
  static inline int64_t drug_node = -1, cell_node = -1;

  static void SetUpTestSuite() {
    // Per process: ctest runs each test in its own process, several at once.
    dir = ::testing::TempDir() + "explain_stage_" + std::to_string(::getpid());
    fs::remove_all(dir);
    const std::string cfg = std::string(KGPERT_SOURCE_DIR) + "/configs/test.yaml", raw = dir + "/raw";
    graph = dir + "/graph.h5", samples = dir + "/samples.h5";
    const std::string split = dir + "/split.h5";
    run = dir + "/gat/run.h5", mlp_run = dir + "/mlp/run.h5", shuffled_run = dir + "/shuffled/run.h5";
    testing::internal::CaptureStdout();
    testing::internal::CaptureStderr();
    std::vector<int> rc{kgpert({"synth", "--config", cfg, "--out", raw})};
    std::vector<std::string> ingest{"ingest", "--config", cfg};
    for (const auto& [key, file] : std::map<std::string, std::string>{
             {"kg_csv", "kg.csv"}, {"gctx", "signatures.gctx"}, {"sig_info", "sig_info.txt"},
             {"gene_info", "gene_info.txt"}, {"cell_info", "cell_info.txt"}, {"pert_info", "pert_info.txt"},
             {"drugbank_vocab", "drugbank_vocabulary.csv"}, {"controls_gctx", "controls.gctx"}})
      ingest.insert(ingest.end(), {"--set", "inputs." + key + "=" + raw + "/" + file});
    ingest.insert(ingest.end(), {"--graph", graph, "--samples", samples});
    rc.push_back(kgpert(ingest));
    rc.push_back(kgpert({"split", "--config", cfg, "--samples", samples, "--out", split}));
    for (const auto& [model, out] : {std::pair{"gat", run}, std::pair{"mlp", mlp_run}})
      rc.push_back(kgpert({"train", "--config", cfg, "--set", std::string("model=") + model, "--set", "train.epochs=2",
                           "--graph", graph, "--samples", samples, "--split", split, "--out", out}));
    rc.push_back(kgpert({"train", "--config", cfg, "--set", "model=gat", "--set", "ablation=edge_shuffle", "--set",
                         "train.epochs=1", "--graph", graph, "--samples", samples, "--split", split, "--out", shuffled_run}));
    const std::string log = testing::internal::GetCapturedStdout() + testing::internal::GetCapturedStderr();
    for (int r : rc) ASSERT_EQ(r, 0) << log;

    // The first compound merged into a PrimeKG drug node that has edges, and the first cell line.
    const kg::Graph g = kg::read_graph(graph);
    const kg::Samples s = kg::read_samples(samples);
    for (size_t d = 0; d < s.drug_pert_id.size() && drug_node < 0; ++d) {
      const auto v = size_t(s.drug_node[d]);
      if (s.drug_match[d] != "new" && g.indptr[v + 1] > g.indptr[v])
        drug_node = int64_t(v), drug_name = s.drug_name[d], drug_pert = s.drug_pert_id[d];
    }
    cell_id = s.cell_id[0], cell_node = s.cell_node[0];
    ASSERT_GE(drug_node, 0);
  }
  static void TearDownTestSuite() { fs::remove_all(dir); }
};

TEST_F(ExplainStage, WritesNodesPathsAndGraphNamingDrugAndCell) {
  const std::string out = dir + "/explained";
  std::string upper = drug_name, lower_cell = cell_id;
  for (auto& c : upper) c = char(std::toupper(static_cast<unsigned char>(c)));
  for (auto& c : lower_cell) c = char(std::tolower(static_cast<unsigned char>(c)));
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  const int rc = kgpert({"explain", "--run", run, "--drug", upper, "--cell", lower_cell, "--out", out, "--top", "5"});
  const std::string text = testing::internal::GetCapturedStdout(), err = testing::internal::GetCapturedStderr();
  ASSERT_EQ(rc, 0) << text << err;
  EXPECT_NE(text.find("drug: " + drug_name + " (" + drug_pert + ")"), std::string::npos) << text;
  EXPECT_NE(text.find("cell line: " + cell_id), std::string::npos) << text;
  EXPECT_NE(text.find("Top 5 paths into the drug"), std::string::npos) << text;

  // Nodes: the rollout into each target sums to 1 over the nodes; both targets are listed.
  const auto nodes = read_tsv(out + "/explain_nodes.tsv");
  ASSERT_FALSE(nodes.empty());
  double drug_sum = 0, cell_sum = 0;
  bool has_drug = false, has_cell = false;
  for (const auto& r : nodes) {
    drug_sum += std::stod(r.at("drug_score")), cell_sum += std::stod(r.at("cell_score"));
    has_drug |= r.at("node") == std::to_string(drug_node);
    has_cell |= r.at("node") == std::to_string(cell_node) && r.at("type") == "cell_line";
    EXPECT_NEAR(std::stod(r.at("score")), (std::stod(r.at("drug_score")) + std::stod(r.at("cell_score"))) / 2, 1e-5);
  }
  EXPECT_NEAR(drug_sum, 1.0, 1e-4);
  EXPECT_NEAR(cell_sum, 1.0, 1e-4);
  EXPECT_TRUE(has_drug && has_cell);

  // Paths end at their target, have as many relations as hops, and score at most 1, highest first.
  const auto paths = read_tsv(out + "/explain_paths.tsv");
  std::map<std::string, int> per_target;
  double last = 2;
  std::string last_target;
  for (const auto& r : paths) {
    const std::string& t = r.at("target");
    const std::string nodes_col = r.at("nodes");
    const std::string end = nodes_col.substr(nodes_col.rfind(',') + 1);
    EXPECT_EQ(end, std::to_string(t == "drug" ? drug_node : cell_node)) << nodes_col;
    const double score = std::stod(r.at("score"));
    if (t != last_target) last = 2, last_target = t;
    EXPECT_LE(score, last);
    EXPECT_GE(score, kg::kMinPathScore);
    last = score;
    const auto hops = std::stoul(r.at("hops"));
    EXPECT_GE(hops, 1u);
    EXPECT_LE(hops, 2u);  // gat.layers = 2
    EXPECT_EQ(size_t(std::count(r.at("relations").begin(), r.at("relations").end(), ',')) + 1, hops);
    ++per_target[t];
  }
  EXPECT_GT(per_target["drug"], 0);
  EXPECT_GT(per_target["cell"], 0);
  // A node's rollout score is the sum of the scores of its paths into that target (up to the
  // walks under kMinPathScore, which are not listed).
  std::map<std::string, double> drug_score, from;
  for (const auto& r : nodes) drug_score[r.at("node")] = std::stod(r.at("drug_score"));
  for (const auto& r : paths) {
    EXPECT_GT(std::stod(r.at("alpha")), 0.0);
    EXPECT_LE(std::stod(r.at("alpha")), 1.0);
    if (r.at("target") == "drug") from[r.at("nodes").substr(0, r.at("nodes").find(','))] += std::stod(r.at("score"));
  }
  for (const auto& [node, sum] : from) {
    if (node == std::to_string(drug_node)) continue;  // its stays-only path is not listed
    EXPECT_LE(sum, drug_score[node] + 1e-5) << node;
    EXPECT_GE(sum, drug_score[node] - 0.01) << node;
  }

  const std::string dot = slurp(out + "/explain.dot");
  EXPECT_EQ(dot.rfind("// kgpert explain", 0), 0u);
  EXPECT_NE(dot.find("n" + std::to_string(drug_node) + " [label="), std::string::npos);
  EXPECT_NE(dot.find("n" + std::to_string(cell_node) + " [label=\"" + cell_id + "\\ncell_line"), std::string::npos) << dot;
  EXPECT_NE(dot.find(" -> n" + std::to_string(drug_node) + " [label="), std::string::npos);
  // Rendered only where Graphviz is installed; otherwise one line says so.
  const bool have_dot = std::system("command -v dot >/dev/null 2>&1") == 0;
  EXPECT_EQ(fs::exists(out + "/explain.png"), have_dot);
  EXPECT_EQ(fs::exists(out + "/explain.svg"), have_dot);
  EXPECT_EQ(err.find("Graphviz `dot` is not installed") != std::string::npos, !have_dot) << err;
}

TEST_F(ExplainStage, BadNamesAreOneLineErrorsWithCloseMatchesAndNoOutput) {
  const std::string out = dir + "/bad";
  const std::string typo = drug_name.substr(0, drug_name.size() - 1);
  const auto error_of = [&](std::vector<std::string> args) {
    testing::internal::CaptureStdout();
    testing::internal::CaptureStderr();
    const int rc = kgpert(args);
    const std::string text = testing::internal::GetCapturedStdout(), err = testing::internal::GetCapturedStderr();
    EXPECT_EQ(rc, 1) << err;
    EXPECT_TRUE(text.empty()) << text;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
    EXPECT_FALSE(fs::exists(out));
    return err;
  };
  auto err = error_of({"explain", "--run", run, "--drug", typo, "--cell", cell_id, "--out", out});
  EXPECT_EQ(err.rfind("kgpert explain: run \"" + run + "\": no drug \"" + typo + "\"", 0), 0u) << err;
  EXPECT_NE(err.find("close matches: " + drug_name + " (" + drug_pert + ")"), std::string::npos) << err;

  err = error_of({"explain", "--run", run, "--drug", drug_pert, "--cell", cell_id + "x", "--out", out});
  EXPECT_NE(err.find("no cell line \"" + cell_id + "x\" (by cell id); close matches: " + cell_id), std::string::npos) << err;

  err = error_of({"explain", "--run", mlp_run, "--drug", drug_pert, "--cell", cell_id, "--out", out});
  EXPECT_NE(err.find("run \"" + mlp_run + "\": is a mlp run; explain reads the attention of a GAT run"), std::string::npos) << err;
}

TEST_F(ExplainStage, WithoutGraphvizWritesTheDotFileAndSaysSo) {
  const std::string out = dir + "/no_dot";
  const std::string path = std::getenv("PATH") ? std::getenv("PATH") : "";
  setenv("PATH", dir.c_str(), 1);  // no `dot` there
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  const int rc = kgpert({"explain", "--run", run, "--drug", drug_pert, "--cell", cell_id, "--out", out});
  testing::internal::GetCapturedStdout();
  const std::string err = testing::internal::GetCapturedStderr();
  setenv("PATH", path.c_str(), 1);
  ASSERT_EQ(rc, 0) << err;
  EXPECT_EQ(err, "explain: Graphviz `dot` is not installed (apt install graphviz): explain.dot written, not rendered\n");
  EXPECT_TRUE(fs::exists(out + "/explain.dot"));
  EXPECT_FALSE(fs::exists(out + "/explain.png"));
}

// explain repeats the run's ablation: the model it rebuilds from an edge_shuffle run has, over
// the shuffled graph, exactly the attention means the run stored (not those of the original graph).
TEST_F(ExplainStage, RebuildsAnAblatedRunsModel) {
  kg::h5::Reader in(shuffled_run);
  kg::Config cfg = kg::Config::load(std::string(KGPERT_SOURCE_DIR) + "/configs/test.yaml",
                                    {"model=gat", "ablation=edge_shuffle"});
  kg::Graph g = kg::read_graph(graph);
  kg::Samples s = kg::read_samples(samples);
  const auto means = [&](const kg::Graph& gr) {
    auto m = kg::make_model(cfg, gr, s);
    kg::load_parameters(in, "/model", *m);
    auto& gat = dynamic_cast<kg::GatModel&>(*m);
    gat.eval();
    torch::NoGradGuard ng;
    const std::vector<kg::EdgeSet> whole(2, kg::graph_edge_set(gr));
    return kg::relation_attention(gat.encode_with_attention(&whole), gr.relation_names).mean.data;
  };
  const auto original = means(g);
  kg::apply_ablation(cfg, g, s);
  const auto stored = in.read_matrix<double>("/attention/mean").data;
  const auto rebuilt = means(g);
  ASSERT_EQ(rebuilt.size(), stored.size());
  for (size_t i = 0; i < stored.size(); ++i)
    if (!std::isnan(stored[i])) EXPECT_NEAR(rebuilt[i], stored[i], 1e-9) << i;
  EXPECT_NE(original, stored);
}

TEST(CloseMatches, ByEditDistanceOrContainmentClosestFirst) {
  const std::vector<std::string> c{"aspirin", "Aspirin", "asparagine", "imatinib", "spiro", "paracetamol"};
  EXPECT_EQ(kg::close_matches("asprin", c), (std::vector<std::string>{"aspirin"}));
  // "spir": one edit from "spiro", contained in "aspirin" (3 edits).
  EXPECT_EQ(kg::close_matches("spir", c), (std::vector<std::string>{"spiro", "aspirin"}));
  EXPECT_TRUE(kg::close_matches("zzzz", c).empty());
  EXPECT_EQ(kg::close_matches("a", c, 2).size(), 2u);
}

}  // namespace
