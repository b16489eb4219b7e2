// Config parsing: a table of keys bound to the members of Config; YAML file + --set overrides.
#include "core/config.hpp"

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include <yaml-cpp/yaml.h>
#include <fmt/ranges.h>  // fmt::join

#include "core/error.hpp"

namespace kg {
namespace {

std::string show_double(double v) {
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

std::string quote(const std::string& s) {
  YAML::Emitter e;
  e << YAML::DoubleQuoted << s;
  return e.c_str();
}

// Scalar conversions with errors that name the key.
template <typename T>
T as_scalar(const YAML::Node& n, const std::string& where, const char* what) {
  if (!n.IsScalar()) fail("{}: expected {}", where, what);
  try {
    return n.as<T>();
  } catch (const YAML::Exception&) {
    fail("{}: expected {}, got \"{}\"", where, what, n.Scalar());
  }
}

void check_range(double v, const ConfigKey& k, const std::string& where) {
  if (v < k.min || v > k.max)
    fail("{}: value {} out of range [{}, {}]", where, v, k.min, k.max);
}

void check_choice(const std::string& v, const ConfigKey& k, const std::string& where) {
  if (k.choices.empty()) return;
  for (const auto& c : k.choices)
    if (c == v) return;
  fail("{}: \"{}\" is not one of {}", where, v, fmt::join(k.choices, ", "));
}

// Builders binding a key to a member (of a section, or of Config itself).
template <typename S>
S& section(Config& c, S Config::*sec) { return c.*sec; }

struct Builder {
  std::vector<ConfigKey> keys;

  template <typename Get>
  void str(std::string key, Get get, std::string doc, std::vector<std::string> choices = {}) {
    ConfigKey k{key, "string", std::move(doc), std::move(choices), -1e300, 1e300, {}, {}};
    k.set = [get, k](Config& c, const YAML::Node& n, const std::string& where) {
      auto v = n.IsNull() ? std::string() : as_scalar<std::string>(n, where, "a string");
      check_choice(v, k, where);
      get(c) = v;
    };
    k.show = [get](const Config& c) { return quote(get(const_cast<Config&>(c))); };
    keys.push_back(std::move(k));
  }

  template <typename Get>
  void num(std::string key, Get get, std::string doc, double lo, double hi) {
    using T = std::remove_reference_t<decltype(get(std::declval<Config&>()))>;
    constexpr bool is_int = std::is_integral_v<T>;
    ConfigKey k{key, is_int ? "int" : "float", std::move(doc), {}, lo, hi, {}, {}};
    k.set = [get, k](Config& c, const YAML::Node& n, const std::string& where) {
      T v = as_scalar<T>(n, where, is_int ? "an integer" : "a number");
      check_range(static_cast<double>(v), k, where);
      get(c) = v;
    };
    k.show = [get](const Config& c) {
      auto v = get(const_cast<Config&>(c));
      if constexpr (std::is_integral_v<T>) return fmt::format("{}", v);
      else return show_double(v);
    };
    keys.push_back(std::move(k));
  }

  template <typename Get>
  void flag(std::string key, Get get, std::string doc) {
    ConfigKey k{key, "bool", std::move(doc), {}, -1e300, 1e300, {}, {}};
    k.set = [get](Config& c, const YAML::Node& n, const std::string& where) {
      get(c) = as_scalar<bool>(n, where, "true or false");
    };
    k.show = [get](const Config& c) { return std::string(get(const_cast<Config&>(c)) ? "true" : "false"); };
    keys.push_back(std::move(k));
  }

  template <typename Get>
  void list(std::string key, Get get, std::string doc, std::vector<std::string> choices = {},
            double lo = -1e300, double hi = 1e300) {
    using V = std::remove_reference_t<decltype(get(std::declval<Config&>()))>;
    using T = typename V::value_type;
    std::string type = std::is_same_v<T, std::string> ? "string_list"
                       : std::is_integral_v<T>        ? "int_list"
                                                      : "float_list";
    ConfigKey k{key, type, std::move(doc), std::move(choices), lo, hi, {}, {}};
    k.set = [get, k](Config& c, const YAML::Node& n, const std::string& where) {
      if (!n.IsSequence()) fail("{}: expected a list, e.g. [a, b]", where);
      V out;
      for (std::size_t i = 0; i < n.size(); ++i) {
        std::string w = fmt::format("{}[{}]", where, i);
        if constexpr (std::is_same_v<T, std::string>) {
          auto v = as_scalar<std::string>(n[i], w, "a string");
          check_choice(v, k, w);
          out.push_back(v);
        } else {
          T v = as_scalar<T>(n[i], w, std::is_integral_v<T> ? "an integer" : "a number");
          check_range(static_cast<double>(v), k, w);
          out.push_back(v);
        }
      }
      get(c) = out;
    };
    k.show = [get](const Config& c) {
      std::vector<std::string> parts;
      for (const auto& v : get(const_cast<Config&>(c))) {
        if constexpr (std::is_same_v<T, std::string>) parts.push_back(quote(v));
        else if constexpr (std::is_integral_v<T>) parts.push_back(fmt::format("{}", v));
        else parts.push_back(show_double(v));
      }
      return fmt::format("[{}]", fmt::join(parts, ", "));
    };
    keys.push_back(std::move(k));
  }
};

#define KG_FIELD(expr) [](Config& c) -> auto& { return c.expr; }

std::vector<ConfigKey> build_keys() {
  Builder b;
  const std::vector<std::string> splits{"random", "scaffold", "cold_cell", "cold_drug"};
  const double inf = 1e300;

  b.str("dataset", KG_FIELD(dataset), "name of the dataset; outputs go to results/<dataset>/");
  b.num("threads", KG_FIELD(threads), "threads per process (OpenMP, OpenBLAS, LibTorch)", 1, 1024);
  // Model and ablation names are checked against their registries (model/registry.hpp, above
  // core) by run_cli after loading; `kgpert help models` lists them.
  b.str("model", KG_FIELD(model), "model trained by `kgpert train`");
  b.str("ablation", KG_FIELD(ablation), "ablation applied before training");

  b.str("inputs.kg_csv", KG_FIELD(inputs.kg_csv), "PrimeKG kg.csv");
  b.str("inputs.gctx", KG_FIELD(inputs.gctx), "LINCS level-5 signatures (GCTX)");
  b.str("inputs.sig_info", KG_FIELD(inputs.sig_info), "LINCS signature metadata (sig_info / siginfo_beta)");
  b.str("inputs.gene_info", KG_FIELD(inputs.gene_info), "LINCS gene metadata (gene_info / geneinfo_beta)");
  b.str("inputs.cell_info", KG_FIELD(inputs.cell_info), "LINCS cell metadata (cell_info / cellinfo_beta)");
  b.str("inputs.pert_info", KG_FIELD(inputs.pert_info), "LINCS compound metadata with SMILES and InChIKey");
  b.str("inputs.drugbank_vocab", KG_FIELD(inputs.drugbank_vocab), "DrugBank vocabulary CSV (InChIKey to DrugBank id)");
  b.str("inputs.controls_gctx", KG_FIELD(inputs.controls_gctx), "control (ctl_vehicle) profiles for cell baselines; empty = none");
  b.str("inputs.gene_table", KG_FIELD(inputs.gene_table), "synth: real landmark gene table; empty = generated gene ids");
  b.str("inputs.embeddings", KG_FIELD(inputs.embeddings), "HDF5 of imported node embeddings (/<node_type>/ids, /<node_type>/vectors); empty = none");

  b.str("synth.regime", KG_FIELD(synth.regime), "synthetic data: demo = the quick-start demo; pathway2, ppi3, context, hubs, null_graph = the frozen benchmark regimes (docs/BENCH.md)", {"demo", "pathway2", "ppi3", "context", "hubs", "null_graph"});
  b.num("synth.seed", KG_FIELD(synth.seed), "seed of the demo data", 0, inf);
  b.num("synth.n_drugs", KG_FIELD(synth.n_drugs), "LINCS compounds", 4, 1e7);
  b.num("synth.n_cells", KG_FIELD(synth.n_cells), "cell lines", 1, 1e5);
  b.num("synth.n_proteins", KG_FIELD(synth.n_proteins), "gene/protein nodes besides the landmarks", 1, 1e8);
  b.num("synth.n_pathways", KG_FIELD(synth.n_pathways), "pathway nodes", 1, 1e6);
  b.num("synth.n_scaffolds", KG_FIELD(synth.n_scaffolds), "ring-system scaffolds of the compounds", 2, 1e6);
  b.num("synth.n_other", KG_FIELD(synth.n_other), "other PrimeKG nodes (diseases, phenotypes, processes, ...)", 0, 1e8);
  b.num("synth.targets_per_drug", KG_FIELD(synth.targets_per_drug), "mean protein targets per compound", 1, 100);
  b.num("synth.primekg_drug_frac", KG_FIELD(synth.primekg_drug_frac), "share of compounds present as PrimeKG drug nodes", 0, 1);
  b.list("synth.doses", KG_FIELD(synth.doses), "doses (uM)", {}, 0, inf);
  b.list("synth.times", KG_FIELD(synth.times), "times (h)", {}, 0, inf);
  b.num("synth.noise", KG_FIELD(synth.noise), "noise sd relative to the signal sd", 0, 100);
  b.num("synth.n_controls", KG_FIELD(synth.n_controls), "control profiles per cell line", 0, 10000);

  b.str("ingest.pert_type", KG_FIELD(ingest.pert_type), "perturbation type kept from the signatures");
  b.num("ingest.fp_bits", KG_FIELD(ingest.fp_bits), "Morgan fingerprint length", 8, 65536);
  b.num("ingest.fp_radius", KG_FIELD(ingest.fp_radius), "Morgan fingerprint radius", 0, 8);
  b.num("ingest.name_dim", KG_FIELD(ingest.name_dim), "hashed name feature size of other KG nodes", 1, 65536);
  b.flag("ingest.allow_missing_signatures", KG_FIELD(ingest.allow_missing_signatures), "skip selected sig_info signatures absent from the GCTX instead of failing");
  b.list("ingest.doses", KG_FIELD(ingest.doses), "keep only signatures at these doses (uM, within 1%); empty = all", {}, 0, inf);
  b.list("ingest.times", KG_FIELD(ingest.times), "keep only signatures at these times (h); empty = all", {}, 0, inf);
  b.list("ingest.cell_lines", KG_FIELD(ingest.cell_lines), "keep only signatures of these cell lines; empty = all");
  b.str("ingest.replicates", KG_FIELD(ingest.replicates), "signatures of one (compound, cell, dose, time): mean = one averaged sample, all = keep each", {"mean", "all"});

  b.str("split.kind", KG_FIELD(split.kind), "split of signatures into train/val/test", splits);
  b.num("split.train_frac", KG_FIELD(split.train_frac), "training fraction", 0.01, 0.98);
  b.num("split.val_frac", KG_FIELD(split.val_frac), "validation fraction", 0.01, 0.98);
  b.num("split.seed", KG_FIELD(split.seed), "seed of the split", 0, inf);

  b.num("partition.parts", KG_FIELD(partition.parts), "METIS parts (= ranks)", 1, 1e6);
  b.num("partition.seed", KG_FIELD(partition.seed), "METIS seed", 0, 2147483647);

  b.str("dist.backend", KG_FIELD(dist.backend), "communicator of train: auto = mpi under an MPI launcher, else local; nccl = CUDA tensors over NCCL", {"auto", "local", "mpi", "nccl"});
  b.num("dist.bucket_mb", KG_FIELD(dist.bucket_mb), "gradients are summed across ranks in buckets of this many MB, each launched once its gradients are ready", 0.001, 1024);
  b.num("dist.timeout_s", KG_FIELD(dist.timeout_s), "mpi backend: a collective (gradient sum, broadcast, barrier) not complete after this many seconds aborts the job, naming the ranks that did not arrive (a stalled or stopped rank); 0 = wait for ever", 0, 1e9);
  b.flag("dist.rank_logs", KG_FIELD(dist.rank_logs), "every rank also writes its progress to <out>.rank<r>.log (rank 0 always logs to stderr)");
  b.num("dist.ranks", KG_FIELD(dist.ranks), "workflow: processes of each gat, mlp and cell_mlp train job (> 1: started by dist.launcher, signatures shared by the partition, which then needs partition.parts = ranks); kgpert train itself has the ranks its launcher gives it", 1, 65536);
  b.str("dist.launcher", KG_FIELD(dist.launcher), "workflow: the command that starts a multi-rank train job, given -n <ranks> (the SLURM profile sets `srun --mpi=pmix`)");

  b.num("gat.hidden", KG_FIELD(gat.hidden), "hidden size (heads x channels)", 1, 65536);
  b.num("gat.heads", KG_FIELD(gat.heads), "attention heads", 1, 256);
  b.num("gat.layers", KG_FIELD(gat.layers), "GAT layers", 1, 16);
  b.num("gat.dropout", KG_FIELD(gat.dropout), "feature dropout", 0, 0.99);
  b.num("gat.attn_dropout", KG_FIELD(gat.attn_dropout), "attention dropout", 0, 0.99);
  b.num("gat.rel_dim", KG_FIELD(gat.rel_dim), "relation embedding size in the attention logits", 1, 4096);
  b.num("gat.head_hidden", KG_FIELD(gat.head_hidden), "DEG head hidden width", 1, 65536);
  b.str("gat.kernel", KG_FIELD(gat.kernel), "the GAT layer on CPU: fused (one pass per node, no E x hidden intermediates) or reference (stock tensor ops, as PyG)", {"fused", "reference"});
  b.list("gat.fanouts", KG_FIELD(gat.fanouts), "neighbours sampled per node, one per layer (-1 = all); [] = all at every layer", {}, -1, 1e9);
  b.flag("gat.residual", KG_FIELD(gat.residual), "residual connections between GAT layers (false: a node's own state passes on only through its self-loop's attention)");
  b.flag("gat.sample_per_relation", KG_FIELD(gat.sample_per_relation), "gat.fanouts apply to each relation's incoming edges of a node apart (rare relations are never crowded out)");
  b.flag("gat.node_embeddings", KG_FIELD(gat.node_embeddings), "add a learned vector per node (drug nodes excepted) to its projected features");
  b.num("gat.drug_dropout", KG_FIELD(gat.drug_dropout), "training: probability that a drug node's own input (its projected fingerprint) is zeroed in a step", 0, 1);
  b.list("gat.anonymous_types", KG_FIELD(gat.anonymous_types), "node types whose nodes enter the GAT by one learned vector per type instead of their own features (and get no gat.node_embeddings): their identity then reaches the model only through their edges", {"drug", "gene/protein", "disease", "effect/phenotype", "biological_process", "molecular_function", "cellular_component", "pathway", "anatomy", "exposure", "cell_line"});
  b.list("gat.relations", KG_FIELD(gat.relations), "the relations whose edges the GAT passes messages along (names of graph.h5 /relations/name, e.g. kg_ridge's metapath relations); empty = all. The other edges are dropped before training and explain, as an ablation would be");
  b.str("gat.decoder", KG_FIELD(gat.decoder), "mlp: an MLP on [drug state, cell state, dose, time] (the paper's head); programs: a response = activity x (learned gene programs weighted by the drug state gated by the cell state + a cell-line part), activity = sigmoid of drug state, dose and time: low capacity, no per-compound memory", {"mlp", "programs"});
  b.list("gat.program_types", KG_FIELD(gat.program_types), "programs decoder: node types whose nodes each carry a learned gene program (e.g. pathway); a drug's response is then the mean of the programs reaching it along its attention paths, weighted by the products of the attention on them (renormalised over the edges that carry a program), gated per gene by the cell line (instead of programs of the drug's hidden state; interpretable: each program's share is read off the attention); [] = none", {"drug", "gene/protein", "disease", "effect/phenotype", "biological_process", "molecular_function", "cellular_component", "pathway", "anatomy", "exposure", "cell_line"});
  b.str("gat.program_init", KG_FIELD(gat.program_init), "gat.program_types: how the programs start: random (small random programs, the decoder's other parts at their default initialisation), ridge (the closed-form ridge fit of the training responses on the programs' mix under the initial attention, with one mean per cell line and the penalty chosen on validation; the activity set to 1/2 and the cell gate off: training starts where kg_ridge's pathway path is, and that start is kept unless an epoch beats it on validation) or refit (ridge, then again after every epoch for the attention it has learned; the gradient then trains the attention alone)", {"random", "ridge", "refit"});
  b.flag("gat.compound_programs", KG_FIELD(gat.compound_programs), "programs decoder with gat.program_types: each compound also holds a gene program of its own, added to the mix its drug node receives and never passed along edges: what the graph does not explain of the compounds seen in training (a new compound's is zero). With gat.program_init ridge or refit it is fitted after the graph's programs, on the part of the training responses they leave, with a penalty of its own chosen on validation (none, when validation holds only new compounds)");
  b.str("gat.cell_gate", KG_FIELD(gat.cell_gate), "programs decoder with gat.program_types: what the cell line's state gates: gene (each gene of the drug's mixed program, (1 + tanh(W h_cell)) per gene) or program (each program's weight in the drug's mix, (1 + tanh(W h_cell)) per program node, before the programs are summed: a pathway can respond in one cell line and not in another; the mix is then carried along the edges as weights over the program nodes, [nodes, programs] instead of [nodes, genes]). With gat.program_init ridge or refit the program gates are fitted with the programs, alternating least squares, their penalty chosen on validation", {"gene", "program"});
  b.flag("gat.relation_softmax", KG_FIELD(gat.relation_softmax), "attention in two steps: softmax within each relation's edges into a node, times a learned share per relation (few relevant edges are not drowned by many); stock tensor ops, not the fused kernel");

  b.num("mlp.hidden", KG_FIELD(mlp.hidden), "MLP hidden width", 1, 65536);
  b.num("mlp.layers", KG_FIELD(mlp.layers), "MLP hidden layers", 1, 16);
  b.num("mlp.dropout", KG_FIELD(mlp.dropout), "MLP dropout", 0, 0.99);

  b.list("baseline.knn_k", KG_FIELD(baseline.knn_k), "knn: candidate numbers of training compounds averaged (by fingerprint Tanimoto); the best on validation is used", {}, 1, 1e6);
  b.list("baseline.ridge_alpha", KG_FIELD(baseline.ridge_alpha), "ridge: candidate L2 penalties of the weights; the best on validation is used", {}, 1e-12, 1e12);
  b.list("baseline.kg_blocks", KG_FIELD(baseline.kg_blocks), "kg_ridge: blocks of its design, each a product (*) of drug:<relation>>...>, cell:<relation>>...> (metapath vectors from the compound or cell line), cell (one-hot), dose, time, fp (drug features)");
  b.list("baseline.kg_norm", KG_FIELD(baseline.kg_norm), "kg_ridge: candidate hop normalisations of the metapaths (row: 1/out-degree; sym: 1/sqrt(out x in-degree), down-weights hubs; none); the best on validation is used", {"none", "row", "sym"});
  b.list("baseline.kg_alpha", KG_FIELD(baseline.kg_alpha), "kg_ridge: candidate L2 penalties (blocks scaled to unit mean squared row norm); the best on validation is used", {}, 1e-12, 1e12);

  b.num("train.epochs", KG_FIELD(train.epochs), "maximum epochs", 1, 1e6);
  b.num("train.batch_size", KG_FIELD(train.batch_size), "signatures per step", 1, 1e7);
  b.num("train.lr", KG_FIELD(train.lr), "learning rate (initial, when a schedule is set)", 1e-9, 10);
  b.num("train.weight_decay", KG_FIELD(train.weight_decay), "weight decay: L2 added to the gradient (adam) or decoupled (adamw)", 0, 10);
  b.num("train.patience", KG_FIELD(train.patience), "epochs without validation gain before stopping", 1, 1e6);
  b.num("train.grad_clip", KG_FIELD(train.grad_clip), "max gradient norm (0 = off)", 0, 1e6);
  b.num("train.seed", KG_FIELD(train.seed), "seed of initialisation, dropout and batch order", 0, inf);
  b.str("train.optimizer", KG_FIELD(train.optimizer), "optimizer", {"adam", "adamw"});
  b.str("train.lr_schedule", KG_FIELD(train.lr_schedule), "learning-rate schedule: none, cosine (per epoch, from lr down towards 0 at train.epochs) or plateau (halve after train.lr_patience epochs without validation gain)", {"none", "cosine", "plateau"});
  b.num("train.lr_patience", KG_FIELD(train.lr_patience), "plateau schedule: epochs without validation gain before the learning rate is halved", 1, 1e6);
  b.num("train.checkpoint_every", KG_FIELD(train.checkpoint_every), "epochs between checkpoints (0 = none)", 0, 1e6);
  b.str("train.device", KG_FIELD(train.device), "where training runs: cpu, cuda (rank r of a node on its GPU r mod the GPUs visible; an error without a CUDA LibTorch or a visible GPU) or auto (cuda when possible, else cpu)", {"cpu", "cuda", "auto"});

  b.list("sweep.models", KG_FIELD(sweep.models), "models of the sweep");
  b.list("sweep.splits", KG_FIELD(sweep.splits), "splits of the sweep", splits);
  b.list("sweep.ablations", KG_FIELD(sweep.ablations), "ablations of the sweep");
  b.list("sweep.ablation_models", KG_FIELD(sweep.ablation_models), "models that get ablations other than none");
  b.list("sweep.seeds", KG_FIELD(sweep.seeds), "training seeds of the sweep", {}, 0, inf);
  b.list("sweep.grid", KG_FIELD(sweep.grid), "hyper-parameters of the sweep, one \"key: [values]\" per key (gat.*, mlp.*, train.*, baseline.*): every combination, for the models that read the key; each in the run's path as key~value");

  b.str("sweep.search", KG_FIELD(sweep.search), "workflow: how the grid is searched: grid (every point to train.epochs) or halving (successive halving of each model's points, by sweep.halving)", {"grid", "halving"});
  b.num("sweep.halving.min_epochs", KG_FIELD(sweep.halving.min_epochs), "workflow, sweep.search halving: epochs of rung 0; rung r trains the survivors to min_epochs x eta^r epochs (the last rung to train.epochs)", 1, 1e6);
  b.num("sweep.halving.eta", KG_FIELD(sweep.halving.eta), "workflow, sweep.search halving: each rung keeps the best 1/eta of the points (at least one) and multiplies their epochs by eta", 2, 1e6);
  b.str("sweep.halving.metric", KG_FIELD(sweep.halving.metric), "workflow, sweep.search halving: the validation metric that ranks the points (the mean over their seeds; mse and rmse lower is better, the others higher)", {"pearson", "spearman", "gene_pearson", "r2", "mse", "rmse"});

  // Read by the workflow only (rule resources; a profile's set-resources overrides them).
  b.num("resources.default.mem_mb", KG_FIELD(resources.fallback.mem_mb), "workflow: memory (MB) of the jobs of every rule without its own resources.* section", 1, 1e9);
  b.num("resources.default.runtime", KG_FIELD(resources.fallback.runtime), "workflow: time limit (minutes) of those jobs", 1, 1e7);
  b.num("resources.ingest.mem_mb", KG_FIELD(resources.ingest.mem_mb), "workflow: memory (MB) of the ingest job", 1, 1e9);
  b.num("resources.ingest.runtime", KG_FIELD(resources.ingest.runtime), "workflow: time limit (minutes) of the ingest job", 1, 1e7);
  b.num("resources.train.mem_mb", KG_FIELD(resources.train.mem_mb), "workflow: memory (MB) of one train process; a job of dist.ranks ranks asks for ranks x this", 1, 1e9);
  b.num("resources.train.runtime", KG_FIELD(resources.train.runtime), "workflow: time limit (minutes) of a train job", 1, 1e7);
  b.num("resources.train.gpus", KG_FIELD(resources.train.gpus), "workflow: GPUs of one train process (0 or 1; a job of dist.ranks ranks asks for ranks x this)", 0, 1);
  return b.keys;
}

#undef KG_FIELD

const ConfigKey* find_key(const std::string& key) {
  static const std::map<std::string, const ConfigKey*> index = [] {
    std::map<std::string, const ConfigKey*> m;
    for (const auto& k : config_keys()) m[k.key] = &k;
    return m;
  }();
  auto it = index.find(key);
  return it == index.end() ? nullptr : it->second;
}

// Walks a YAML mapping; leaves (scalars, sequences, nulls) are keys of the table.
void apply_node(Config& c, const YAML::Node& node, const std::string& prefix,
                const std::string& origin) {
  std::map<std::string, int> seen;  // key -> line: a key given twice would silently take the last
  for (const auto& kv : node) {
    // A YAML key can itself be a sequence or mapping (`? [a, b]: 1`); as<std::string>() would
    // throw YAML::BadConversion past every handler (found by fuzz/fuzz_config.cpp).
    if (!kv.first.IsScalar())
      fail("{}: line {}: a key must be a plain name, not a {}", origin, kv.first.Mark().line + 1,
           kv.first.IsMap() ? "mapping" : kv.first.IsSequence() ? "sequence" : "null");
    std::string name = kv.first.as<std::string>();
    std::string key = prefix.empty() ? name : prefix + "." + name;
    const int line = kv.first.Mark().line + 1;
    if (auto [it, fresh] = seen.emplace(name, line); !fresh)
      fail("{}: line {}: key \"{}\" given twice (first on line {})", origin, line, key, it->second);
    const ConfigKey* k = find_key(key);
    const ConfigKey* member = nullptr;  // a key of the section `key`, when it is one
    for (const auto& ck : config_keys())
      if (!member && ck.key.rfind(key + ".", 0) == 0) member = &ck;
    if (k) {
      k->set(c, kv.second, fmt::format("{}: key \"{}\"", origin, key));
    } else if (member && kv.second.IsMap()) {
      apply_node(c, kv.second, key, origin);
    } else if (member) {
      fail("{}: line {}: \"{}\" is a section (keys such as \"{}\"), not a value: give it as a mapping", origin,
           line, key, member->key);
    } else {
      fail("{}: unknown key \"{}\"", origin, key);
    }
  }
}

void validate(const Config& c, const std::string& origin) {
  if (c.split.train_frac + c.split.val_frac >= 1.0)
    fail("{}: key \"split.train_frac\" + \"split.val_frac\" must be below 1 (got {} + {})", origin,
         c.split.train_frac, c.split.val_frac);
  if (c.baseline.knn_k.empty() || c.baseline.ridge_alpha.empty())
    fail("{}: keys \"baseline.knn_k\" and \"baseline.ridge_alpha\" need at least one value", origin);
  if (c.baseline.kg_blocks.empty() || c.baseline.kg_norm.empty() || c.baseline.kg_alpha.empty())
    fail("{}: keys \"baseline.kg_blocks\", \"baseline.kg_norm\" and \"baseline.kg_alpha\" need at least one value", origin);
  if (!c.gat.fanouts.empty() && int64_t(c.gat.fanouts.size()) != c.gat.layers)
    fail("{}: key \"gat.fanouts\" has {} entries but \"gat.layers\" is {} (one per layer, or [] for all)",
         origin, c.gat.fanouts.size(), c.gat.layers);
  for (int64_t f : c.gat.fanouts)
    if (f == 0) fail("{}: key \"gat.fanouts\": 0 neighbours is not allowed (use -1 for all)", origin);
  if (c.gat.hidden % c.gat.heads != 0)
    fail("{}: key \"gat.hidden\" ({}) must be a multiple of \"gat.heads\" ({})", origin,
         c.gat.hidden, c.gat.heads);
}

// ---- limits on config text, checked before yaml-cpp sees it ----------------------------------
// yaml-cpp's parser recurses once per nesting level (a file of 100k `[` overflows the stack),
// and a 1 GB scalar is 1 GB of memory; a config needs neither, nor anchors and aliases (the
// "billion laughs" bomb, which any consumer that copies the tree, Snakemake's included,
// expands). So a config is at most kMaxConfigBytes, has no anchors or aliases, at most
// kMaxFlowDepth open `[`/`{`, and content at most kMaxIndent columns in (block nesting is
// bounded by the column, compact `- ` indicators counted).

// The scan follows YAML's lexical rules just far enough: `&`, `*` and quotes are indicators only
// where a node starts (line start, after `- `, `? `, `: `, or `[`, `{`, `,` in flow context);
// inside a plain scalar (`a *b`, `it's`) they are text.
void check_yaml_text(std::string_view text, const std::string& origin) {
  if (text.size() > kMaxConfigBytes)
    fail("{}: larger than the {} bytes a config may have", origin, kMaxConfigBytes);
  int64_t line = 1, flow = 0;
  size_t col = 0;
  bool indenting = true;    // still in the line's indentation (spaces, `- `, `? `)
  char last = '\n';         // the line's last non-blank character before this one
  bool spaced = false;      // blanks since `last`
  bool after_indicator = false;  // `last` was a `- ` / `? ` of the indentation
  char quote = 0, prev = '\n';
  for (size_t i = 0; i < text.size(); prev = text[i++]) {
    char c = text[i];
    if (c == '\n') {
      ++line, col = 0, indenting = true, last = '\n', spaced = false, after_indicator = false;
      continue;
    }
    ++col;
    if (quote) {  // inside a quoted scalar: only its end matters (\" and '' do not end it)
      bool pair = i + 1 < text.size() && text[i + 1] != '\n' &&
                  ((quote == '"' && c == '\\') || (quote == '\'' && c == '\'' && text[i + 1] == '\''));
      if (pair)
        ++i, ++col;
      else if (c == quote)
        quote = 0, last = c, spaced = false, after_indicator = false;
      continue;
    }
    if (c == ' ' || c == '\t') {
      spaced = true;
      continue;
    }
    if (c == '#' && (prev == ' ' || prev == '\t' || prev == '\n')) {  // a comment, to the line's end
      while (i + 1 < text.size() && text[i + 1] != '\n') ++i;
      continue;
    }
    bool indicator = false;
    if (indenting) {
      indicator = (c == '-' || c == '?') && (i + 1 == text.size() || text[i + 1] == ' ');
      if (!indicator) {
        indenting = false;
        if (col > kMaxIndent)
          fail("{}: line {}: content at column {}, deeper than the {} columns a config may nest",
               origin, line, col, kMaxIndent);
      }
    }
    bool node_start = last == '\n' || after_indicator || (last == ':' && spaced) ||
                      (flow > 0 && (last == '[' || last == '{' || last == ','));
    if (node_start && (c == '"' || c == '\'')) quote = c;
    if (node_start && (c == '&' || c == '*'))
      fail("{}: line {}, column {}: YAML anchors and aliases ({}) are not allowed in a config",
           origin, line, col, c == '&' ? "&name" : "*name");
    if (c == '[' || c == '{') {
      if (++flow > kMaxFlowDepth)
        fail("{}: line {}, column {}: more than {} nested [ ] or {{ }}", origin, line, col,
             kMaxFlowDepth);
    } else if ((c == ']' || c == '}') && flow > 0) {
      --flow;
    }
    last = c, spaced = false, after_indicator = indicator;
  }
}

// The whole text of a config file, refused unread past kMaxConfigBytes.
std::string read_config_file(const std::string& path, const std::string& origin) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("{}: cannot open file", origin);
  std::string text(kMaxConfigBytes + 1, '\0');
  in.read(text.data(), std::streamsize(text.size()));
  if (in.bad()) fail("{}: cannot read file", origin);
  text.resize(size_t(in.gcount()));
  if (text.size() > kMaxConfigBytes)
    fail("{}: larger than the {} bytes a config may have", origin, kMaxConfigBytes);
  return text;
}

}  // namespace

const std::vector<ConfigKey>& config_keys() {
  static const std::vector<ConfigKey> keys = build_keys();
  return keys;
}

Config Config::load(const std::string& path, const std::vector<std::string>& sets) {
  Config c;
  std::string origin = "config";
  if (!path.empty()) {
    origin = fmt::format("config \"{}\"", path);
    std::string text = read_config_file(path, origin);
    check_yaml_text(text, origin);
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      fail("{}: line {}, column {}: {}", origin, e.mark.line + 1, e.mark.column + 1, e.msg);
    }
    if (!root.IsNull() && !root.IsMap()) fail("{}: the top level must be a mapping", origin);
    if (root.IsMap()) apply_node(c, root, "", origin);
  }
  for (const auto& s : sets) {
    auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0) fail("--set \"{}\": expected key=value", s);
    std::string key = s.substr(0, eq), text = s.substr(eq + 1);
    const ConfigKey* k = find_key(key);
    if (!k) fail("--set: unknown key \"{}\"", key);
    check_yaml_text(text, fmt::format("--set key \"{}\"", key));
    YAML::Node v;
    try {
      v = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      fail("--set key \"{}\": cannot parse \"{}\": {}", key, text, e.msg);
    }
    k->set(c, v, fmt::format("--set key \"{}\"", key));
    origin = "config";
  }
  validate(c, path.empty() ? "config" : fmt::format("config \"{}\"", path));
  return c;
}

std::string Config::to_yaml() const {
  // Nested output: key "a.b.c" goes under "a:" and "  b:", keeping table order.
  std::ostringstream out;
  std::vector<std::string> open;  // the sections of the previous key
  for (const auto& k : config_keys()) {
    std::vector<std::string> sections;
    for (size_t from = 0, dot; (dot = k.key.find('.', from)) != std::string::npos; from = dot + 1)
      sections.push_back(k.key.substr(from, dot - from));
    const std::string leaf = k.key.substr(k.key.rfind('.') + 1);  // npos + 1 = 0: the whole key
    size_t same = 0;
    while (same < open.size() && same < sections.size() && open[same] == sections[same]) ++same;
    for (size_t i = same; i < sections.size(); ++i)
      out << std::string(2 * i, ' ') << sections[i] << ":\n";
    open = sections;
    out << std::string(2 * sections.size(), ' ') << leaf << ": " << k.show(*this) << "\n";
  }
  return out.str();
}

}  // namespace kg
