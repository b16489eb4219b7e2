// The table of stages: one row per subcommand, driving dispatch, `kgpert help` and
// `kgpert help STAGE`; plus `version`, `help config` and `help models` (the registries).
#include <iostream>

#include <H5public.h>
#include <fmt/format.h>
#include <RDGeneral/versions.h>
#include <torch/csrc/api/include/torch/version.h>
#include <fmt/ranges.h>  // fmt::join
#ifdef KGPERT_HAVE_MPI
#include <mpi.h>
#endif

#include "core/error.hpp"
#include "core/h5.hpp"
#include "graph/ablation.hpp"
#include "model/registry.hpp"
#include "stages/stage.hpp"

namespace kg {
namespace {

int stage_version(StageContext&) {
  unsigned maj, min, rel;
  H5get_libversion(&maj, &min, &rel);
  std::cout << "kgpert " << h5::version_string() << "\n";
  std::cout << fmt::format("  LibTorch  {}.{}.{}\n", TORCH_VERSION_MAJOR, TORCH_VERSION_MINOR,
                           TORCH_VERSION_PATCH);
#ifdef KGPERT_HAVE_MPI
#ifdef OMPI_MAJOR_VERSION
  std::cout << fmt::format("  MPI       yes (Open MPI {}.{}.{})\n", OMPI_MAJOR_VERSION,
                           OMPI_MINOR_VERSION, OMPI_RELEASE_VERSION);
#else
  std::cout << fmt::format("  MPI       yes (MPI {}.{})\n", MPI_VERSION, MPI_SUBVERSION);
#endif
#else
  std::cout << "  MPI       no\n";
#endif
#ifdef KGPERT_HAVE_CUDA
  std::cout << "  CUDA      yes (GAT kernels; NCCL below)\n";
#else
  std::cout << "  CUDA      no\n";
#endif
#ifdef KGPERT_HAVE_NCCL
  std::cout << "  NCCL      yes\n";
#else
  std::cout << "  NCCL      no\n";
#endif
  std::cout << fmt::format("  HDF5      {}.{}.{}\n", maj, min, rel);
  std::cout << fmt::format("  RDKit     {}\n", RDKit::rdkitVersion);
  return 0;
}

// A JSON string literal.
std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') out += '\\', out += char(c);
    else if (c < 0x20) out += fmt::format("\\u{:04x}", c);
    else out += char(c);
  }
  return out + "\"";
}

std::string json_strings(const std::vector<std::string>& v) {
  std::vector<std::string> items;
  for (const auto& s : v) items.push_back(json_string(s));
  return "[" + fmt::format("{}", fmt::join(items, ", ")) + "]";
}

// `help models --json`: the registries of models and ablations, which the workflow reads
// (workflow/rules/common.smk: MODEL_KEYS, CLOSED_FORM, wildcard constraints).
void print_registry_json() {
  std::cout << "{\"models\": [\n";
  const auto& models = model_table();
  for (size_t i = 0; i < models.size(); ++i)
    std::cout << fmt::format("  {{\"name\": {}, \"closed_form\": {}, \"reads\": {}, \"summary\": {}}}{}\n",
                             json_string(models[i].name), models[i].closed_form ? "true" : "false",
                             json_strings(models[i].reads), json_string(models[i].summary),
                             i + 1 < models.size() ? "," : "");
  std::cout << "], \"ablations\": [\n";
  const auto& ablations = ablation_table();
  for (size_t i = 0; i < ablations.size(); ++i)
    std::cout << fmt::format("  {{\"name\": {}, \"summary\": {}}}{}\n", json_string(ablations[i].name),
                             json_string(ablations[i].summary), i + 1 < ablations.size() ? "," : "");
  std::cout << "]}\n";
}

void print_registry() {
  std::cout << "models (config `model`, `sweep.models`):\n";
  for (const auto& m : model_table())
    std::cout << fmt::format("  {:<10} {:<11} {}; reads {}\n", m.name, m.closed_form ? "closed-form" : "trained",
                             m.summary, m.reads.empty() ? "no other key" : fmt::format("{}", fmt::join(m.reads, ", ")));
  std::cout << "\nablations (config `ablation`, `sweep.ablations`):\n";
  for (const auto& a : ablation_table()) std::cout << fmt::format("  {:<14} {}\n", a.name, a.summary);
}

void print_config_keys() {
  for (const auto& k : config_keys()) {
    const auto registered = registered_choices(k.key);
    const auto& choices = registered.empty() ? k.choices : registered;
    std::string extra;
    if (!choices.empty()) extra = fmt::format(" {{{}}}", fmt::join(choices, "|"));
    std::cout << fmt::format("{:<26} {:<12} {:<24} {}{}\n", k.key, k.type, k.show(Config()), k.doc, extra);
  }
}

int stage_help(StageContext& ctx) {
  if (ctx.flag("json") && (ctx.positional.empty() || ctx.positional.front() != "models"))
    fail("--json goes with `kgpert help models` only");
  if (!ctx.positional.empty()) {
    const std::string& what = ctx.positional.front();
    if (what == "config") {
      print_config_keys();
      return 0;
    }
    if (what == "models") {
      ctx.flag("json") ? print_registry_json() : print_registry();
      return 0;
    }
    for (const auto& s : stage_table()) {
      if (s.name != what) continue;
      std::cout << "usage: kgpert " << s.name
                << (s.takes_config ? " [--config FILE] [--set key=value]..." : "")
                << (s.usage.empty() ? "" : " " + s.usage) << "\n\n"
                << s.summary << "\n";
      return 0;
    }
    fail("no command or topic \"{}\"; run `kgpert help`", what);
  }
  std::cout << "kgpert " << h5::version_string()
            << " - knowledge-graph perturbation modelling (LINCS L1000 x PrimeKG)\n\n"
               "usage: kgpert <command> [options]\n\ncommands:\n";
  for (const auto& s : stage_table()) std::cout << fmt::format("  {:<10} {}\n", s.name, s.summary);
  std::cout << "\nEvery stage takes --config FILE (YAML) and any number of --set key=value.\n"
               "`kgpert help <command>` shows its options; `kgpert help config` lists every key;\n"
               "`kgpert help models [--json]` the models and ablations.\n";
  return 0;
}

}  // namespace

const std::vector<StageInfo>& stage_table() {
  static const std::vector<StageInfo> table{
      {"synth", "write a demo dataset (PrimeKG kg.csv, LINCS GCTX + metadata) with a planted signal",
       "--out DIR [--scale demo|primekg] [--signatures N]", {"out", "scale", "signatures"}, {}, true, stage_synth,
       {"inputs.gene_table"}, {}, {"out"}},
      {"ingest", "read kg.csv, GCTX and LINCS tables into graph.h5 and samples.h5",
       "--graph graph.h5 [--samples samples.h5] (no inputs.gctx: graph only)", {"graph", "samples"}, {}, true, stage_ingest,
       {"inputs.*"}, {"graph", "samples"}, {}},
      {"split", "split signatures into train/val/test (random or scaffold)",
       "--samples samples.h5 --out split.h5", {"samples", "out"}, {}, true, stage_split,
       {"samples"}, {"out"}, {}},
      {"partition", "partition the graph with METIS (vertex weights = training signatures)",
       "--graph graph.h5 --samples samples.h5 [--split split.h5] --out partition.h5",
       {"graph", "samples", "split", "out"}, {}, true, stage_partition,
       {"graph", "samples", "split"}, {"out"}, {}},
      {"train", "train a model (GAT or MLP) and write curves, metrics and test predictions",
       "--graph graph.h5 --samples samples.h5 --split split.h5 [--partition partition.h5] "
       "[--variant \"key=value ...\"] [--stop-epoch N] [--resume-from CKPT] [--final-checkpoint CKPT] "
       "[--rung R/N] --out run.h5 (data parallel under mpirun -np R or srun; the four options in "
       "brackets: a rung of a successive-halving sweep, README \"Successive halving\")",
       {"graph", "samples", "split", "partition", "variant", "stop-epoch", "resume-from", "final-checkpoint", "rung", "out"},
       {}, true, stage_train, {"graph", "samples", "split", "partition", "resume-from"}, {"out"}, {}},
      {"report", "gather run.h5 files into report.h5 (runs of one dataset, unless --allow-mixed)",
       "--out report.h5 [--allow-mixed] [--python-env FILE] RUN.h5... (--python-env: a text file, "
       "kept in report.h5 as the attribute python_env; the workflow gives its venv's packages)",
       {"out", "python-env"}, {"allow-mixed"}, true, stage_report, {"ARGS", "python-env"}, {"out"}, {}},
      {"compare", "print the runs of report.h5 grouped, or two reports side by side",
       "REPORT.h5 [OTHER.h5] [--by model,ablation,split,variant,seed] [--where key=v1,v2]... "
       "[--metric pearson,...] [--paired] [--stopped] [--format table|csv|markdown] [--out FILE] "
       "(--stopped: also the points a successive-halving sweep stopped early, by rung)",
       {"format", "out", "by", "where", "metric"}, {"paired", "stopped"}, false, stage_compare,
       {"ARGS"}, {"out"}, {}},
      {"explain", "the KG nodes and relation paths carrying a GAT run's attention into one drug-cell prediction",
       "--run RUN.h5 --drug NAME --cell NAME [--graph graph.h5] [--samples samples.h5] [--out DIR] [--top K]",
       {"run", "drug", "cell", "graph", "samples", "out", "top"}, {}, false, stage_explain,
       {"run", "graph", "samples"}, {}, {"out"}},
      {"bench", "time one GAT layer (fused kernel or stock ops), forward and backward, on a random graph",
       "gat [--impl fused|reference] [--device cpu|cuda] [--nodes N] [--edges E] [--features F] [--heads H] [--channels C] "
       "[--relations R] [--threads T] [--repeats K] [--warmup K] [--seed S] [--save-graph FILE.h5]",
       {"impl", "device", "nodes", "edges", "features", "heads", "channels", "relations", "threads", "repeats",
        "warmup", "seed", "save-graph"}, {}, false, stage_bench,
       {}, {"save-graph"}, {}},
      {"version", "print the version and the features compiled in", "", {}, {}, false,
       stage_version, {}, {}, {}},
      {"help", "show help for a command, `help config` for every config key, `help models` for the models and ablations",
       "[COMMAND|config|models] [--json] (--json: `help models` as JSON, read by the workflow)", {}, {"json"}, false,
       stage_help, {}, {}, {}},
  };
  return table;
}

}  // namespace kg
