// `kgpert explain`: the KG nodes and relation paths that carry the most attention into one
// prediction (a drug in a cell line) of a trained GAT run: printed, written as TSV, and drawn
// (Graphviz DOT, rendered to PNG and SVG when `dot` is installed).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <fmt/ranges.h>  // fmt::join

#include "core/error.hpp"
#include "stages/cli.hpp"
#include "stages/stage.hpp"
#include "train/explain.hpp"
#include "train/run_file.hpp"

namespace kg {
namespace {

namespace fs = std::filesystem;

// The run's config, from its provenance (a YAML text, every key): loaded through a temporary
// file, the way every config is read.
Config run_config(const RunFile& run) {
  if (!run.has_config) fail_file("run", run.path, "has no config attribute (not written by kgpert train?)");
  const fs::path tmp = fs::temp_directory_path() / fmt::format("kgpert-explain-{}.yaml", ::getpid());
  std::ofstream(tmp) << run.config;
  try {
    Config c = Config::load(tmp.string());
    fs::remove(tmp);
    return c;
  } catch (const Error& e) {
    fs::remove(tmp);
    fail_file("run", run.path, "its config does not load: {}", e.what());
  }
}

// --graph / --samples, else the path the run recorded (the n-th input of `kgpert train`).
std::string input_path(const StageContext& ctx, const RunFile& run, size_t n, const std::string& option) {
  const auto& rec = run.inputs;
  if (std::string path = ctx.option(option); !path.empty()) return path;
  if (n >= rec.size()) fail_file("run", run.path, "records no {} input; pass --{}", option, option);
  if (!fs::exists(rec[n].path))
    fail_file("run", run.path, "its {} \"{}\" is not there (relative to this directory); pass --{}", option,
              rec[n].path, option);
  return rec[n].path;
}

// A file other than the recorded one (another size or checksum) is used, with a warning: a
// graph of another ingest has been refused already where the run records its ingest_generation.
void warn_if_not_recorded(const RunFile& run, size_t n, const std::string& option, const std::string& path) {
  const auto& rec = run.inputs;
  if (n >= rec.size()) return;
  const auto here = h5::describe_input(path);
  if (std::to_string(here.size) != rec[n].size || rec[n].xxh3.find(here.xxh3) == std::string::npos)
    log::warn("explain: warning: {} \"{}\" is not the file run \"{}\" was trained on "
              "(size or checksum differ): the explanation may not be the run's",
              option, path, run.path);
}

std::string safe_name(std::string s) {
  for (auto& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_') c = '_';
  return s;
}

bool have_dot() {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "");
  for (std::string d; std::getline(dirs, d, ':');)
    if (!d.empty() && ::access((fs::path(d) / "dot").c_str(), X_OK) == 0) return true;
  return false;
}

// Renders `dot_file` to `out` (format png or svg) atomically; false (with a warning) when dot fails.
bool render(const std::string& dot_file, const std::string& out, const std::string& format) {
  h5::AtomicFile f(out);
  const std::string cmd = fmt::format("dot -T{} -o {} {} 2>&1", format, shell_quote(f.tmp_path()), shell_quote(dot_file));
  if (std::system(cmd.c_str()) != 0 || !fs::exists(f.tmp_path())) {
    log::warn("explain: warning: `{}` failed; {} not written", cmd, out);
    return false;
  }
  f.commit();
  return true;
}

void print(const Graph& g, const Explanation& e, size_t top) {
  std::cout << fmt::format("\nTop {} nodes by attention rollout (share of the target's final state that flows from\n"
                           "the node's input; score = mean of the drug's and the cell line's)\n", top);
  std::cout << fmt::format("{:>4}  {:<32} {:<20} {:>7} {:>7} {:>7}\n", "rank", "node", "type", "drug", "cell", "score");
  const auto order = ranked_nodes(e);
  for (size_t i = 0; i < std::min(top, order.size()); ++i) {
    const int64_t v = order[i];
    std::cout << fmt::format("{:>4}  {:<32} {:<20} {:>7.4f} {:>7.4f} {:>7.4f}\n", i + 1,
                             g.node_name[size_t(v)].substr(0, 32), node_type_names()[size_t(g.node_type[size_t(v)])],
                             e.drug_score[size_t(v)], e.cell_score[size_t(v)], e.score(v));
  }
  for (const auto& [what, label, paths] : {std::tuple{"drug", &e.drug.label, &e.drug_paths},
                                           std::tuple{"cell line", &e.cell.label, &e.cell_paths}}) {
    std::cout << fmt::format("\nTop {} paths into the {} {}\n{:>4}  {:>6}  {:>6}  path\n", top, what, *label, "rank",
                             "score", "alpha");
    size_t shown = 0;
    for (const auto& p : *paths) {
      if (p.rels.empty()) continue;
      if (shown++ == top) break;
      std::cout << fmt::format("{:>4}  {:.4f}  {:.4f}  {}\n", shown, p.score, p.alpha, path_text(g, p));
    }
    for (const auto& p : *paths)
      if (p.rels.empty())
        std::cout << fmt::format("{:>4}  {:.4f}  {:.4f}  (its own input, through residuals and self-loops)\n", "-",
                                 p.score, p.alpha);
  }
}

}  // namespace

int stage_explain(StageContext& ctx) {
  const std::string& run_path = ctx.require("run");
  const std::string& drug_query = ctx.require("drug");
  const std::string& cell_query = ctx.require("cell");
  const auto top = size_t(ctx.integer("top", 10, 1, INT64_MAX));
  const RunFile run = read_run_file(run_path);
  Config cfg = run_config(run);
  if (cfg.model != "gat")
    fail_file("run", run_path, "is a {} run; explain reads the attention of a GAT run", cfg.model);
  const std::string graph_path = input_path(ctx, run, 0, "graph");
  const std::string samples_path = input_path(ctx, run, 1, "samples");

  check_made_from("run", run_path, graph_path, "",
                  "pass the --graph and --samples of the ingest it was trained on");
  check_ingest_pair(graph_path, samples_path);
  warn_if_not_recorded(run, 0, "graph", graph_path);
  warn_if_not_recorded(run, 1, "samples", samples_path);
  Graph g = read_graph(graph_path);
  Samples s = read_samples(samples_path);
  s.validate(fmt::format("samples \"{}\"", samples_path), g.num_nodes());
  apply_ablation(cfg, g, s);
  NodeMatch drug, cell;
  try {
    drug = find_drug(g, s, drug_query);
    cell = find_cell(g, s, cell_query);
  } catch (const Error& e) {
    fail("run \"{}\": {}", run_path, e.what());
  }
  apply_threads(cfg);
  const Explanation e = explain_pair(cfg, g, s, h5::Reader(run_path), drug, cell);

  std::cout << fmt::format("explain: run \"{}\" ({}, ablation {}, {} split, seed {})\n", run_path, cfg.model,
                           cfg.ablation, cfg.split.kind, cfg.train.seed);
  std::cout << fmt::format("drug: {}, node {} \"{}\"; cell line: {}, node {}\n", drug.label, drug.node,
                           g.node_name[size_t(drug.node)], cell.label, cell.node);
  print(g, e, top);
  std::cout << "\nnode scores: attention rollout through the residuals (a node's score is the sum of its\n"
               "paths' scores); alpha: the attention alone along the path (product of head-averaged alpha)\n";

  const std::string dir = ctx.option(
      "out", (fs::path(run_path).parent_path() /
              fmt::format("explain_{}_{}", safe_name(drug_query), safe_name(cell.label))).string());
  if (std::error_code ec; fs::create_directories(dir.empty() ? "." : dir, ec), ec)
    fail_file("output directory", dir, "cannot create: {}", ec.message());
  const auto file = [&](const std::string& name) { return (fs::path(dir) / name).string(); };
  write_nodes_tsv(file("explain_nodes.tsv"), g, e);
  write_paths_tsv(file("explain_paths.tsv"), g, e);
  write_dot(file("explain.dot"), g, e, top);
  std::vector<std::string> written{"explain_nodes.tsv", "explain_paths.tsv", "explain.dot"};
  if (have_dot()) {
    for (const std::string ext : {"png", "svg"})
      if (render(file("explain.dot"), file("explain." + ext), ext)) written.push_back("explain." + ext);
  } else {
    log::warn("explain: Graphviz `dot` is not installed (apt install graphviz): explain.dot written, not rendered");
  }
  std::cout << fmt::format("\nwrote {}: {}\n", (fs::path(dir) / "").string(), fmt::join(written, ", "));
  return 0;
}

}  // namespace kg
