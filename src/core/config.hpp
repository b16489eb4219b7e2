// The one typed configuration of kgpert: every parameter of every stage, its default,
// range and documentation. Parsed from YAML, overridden by `--set key=value`, validated on load.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace YAML {
class Node;
}

namespace kg {

struct InputsConfig {
  std::string kg_csv;          // PrimeKG kg.csv
  std::string gctx;            // LINCS level-5 GCTX (signatures)
  std::string sig_info;        // sig_info / siginfo_beta table
  std::string gene_info;       // gene_info / geneinfo_beta table
  std::string cell_info;       // cell_info / cellinfo_beta table
  std::string pert_info;       // pert_info / compoundinfo_beta table (SMILES, InChIKey)
  std::string drugbank_vocab;  // DrugBank vocabulary CSV (InChIKey -> DrugBank id)
  std::string controls_gctx;   // control (ctl_vehicle) profiles for cell baselines; optional
  std::string gene_table;      // synth only: real landmark gene table (e.g. row_meta_n978.txt)
  std::string embeddings;      // HDF5 of imported node embeddings (/<type>/ids, /<type>/vectors); optional
};

struct SynthConfig {
  std::string regime = "demo";       // demo | pathway2 | ppi3 | context | hubs | null_graph (docs/BENCH.md)
  int64_t seed = 7;
  int64_t n_drugs = 600;             // LINCS compounds
  int64_t n_cells = 10;              // cell lines
  int64_t n_proteins = 800;          // non-landmark gene/protein nodes
  int64_t n_pathways = 16;           // pathway nodes
  int64_t n_scaffolds = 48;          // ring-system scaffolds (> n_pathways: several per home pathway)
  int64_t n_other = 300;             // diseases, phenotypes, processes, ... (context nodes)
  int64_t targets_per_drug = 2;      // mean protein targets per compound
  double primekg_drug_frac = 0.8;    // share of compounds that exist as PrimeKG drug nodes
  std::vector<double> doses{10.0};   // doses in uM
  std::vector<double> times{24.0};   // times in h
  double noise = 0.85;               // sd of per-signature noise relative to signal sd
  int64_t n_controls = 4;            // control profiles per cell line
};

struct IngestConfig {
  std::string pert_type = "trt_cp";  // only signatures of this perturbation type
  int64_t fp_bits = 1024;            // Morgan fingerprint length
  int64_t fp_radius = 2;             // Morgan fingerprint radius
  int64_t name_dim = 64;             // hashed name feature size for other KG nodes
  bool allow_missing_signatures = false;  // selected sig_info rows absent from the GCTX: skip, not error
  std::vector<double> doses;            // keep only these doses (uM, within 1%); empty = all
  std::vector<double> times;            // keep only these times (h); empty = all
  std::vector<std::string> cell_lines;  // keep only these cell lines; empty = all
  std::string replicates = "mean";      // signatures of one (compound, cell, dose, time): mean | all
};

struct SplitConfig {
  std::string kind = "random";  // random | scaffold | cold_cell | cold_drug
  double train_frac = 0.8;
  double val_frac = 0.1;
  int64_t seed = 0;
};

struct PartitionConfig {
  int64_t parts = 2;
  int64_t seed = 0;
};

struct DistConfig {
  std::string backend = "auto";  // auto | local | mpi | nccl (dist/comm.hpp)
  double bucket_mb = 1.0;        // gradient all-reduce bucket size (MB)
  bool rank_logs = false;        // every rank also logs its progress to <out>.rank<r>.log
  double timeout_s = 600;        // a collective not done after this long aborts the job (0: none)
  // The workflow's: ranks of each gradient-trained sweep job, and what starts them.
  int64_t ranks = 1;
  std::string launcher = "mpirun --oversubscribe --bind-to none";
};

struct GatConfig {
  int64_t hidden = 64;        // per-head channels x heads = hidden
  int64_t heads = 4;
  int64_t layers = 2;
  double dropout = 0.1;
  double attn_dropout = 0.1;
  int64_t rel_dim = 16;       // relation embedding size entering the attention logits
  int64_t head_hidden = 256;  // DEG head hidden width
  std::vector<int64_t> fanouts;  // neighbours sampled per node, one per layer (-1 = all); empty = all
  std::string kernel = "fused";  // GAT layer on CPU: fused kernel or stock tensor ops ("reference")
  bool residual = true;          // h_{l+1} = h_l + GAT_l(h_l); false: h_{l+1} = GAT_l(h_l)
  bool sample_per_relation = false;  // fanouts apply to each relation's edges of a node apart
  bool node_embeddings = false;  // a learned vector per node (drugs excepted) added to its input
  double drug_dropout = 0.0;     // training: share of drug nodes whose own input is zeroed per step
  bool relation_softmax = false; // attention normalised per relation, then across relations (gat.hpp)
  std::vector<std::string> anonymous_types;  // node types entering by one learned vector, not their features
  std::vector<std::string> relations;  // when not empty: the only relations whose edges the GAT's graph keeps
  std::string decoder = "mlp";         // mlp (the paper's head) | programs (models.hpp)
  std::vector<std::string> program_types;  // programs decoder: node types carrying a learned gene program each
  std::string program_init = "random";     // random | ridge (GatModel::fit_programs)
  bool compound_programs = false;           // programs decoder: a program of each compound's own, added to its Π
  std::string cell_gate = "gene";           // programs decoder with program_types: gene | program (what the cell line gates)
};

struct MlpConfig {
  int64_t hidden = 256;
  int64_t layers = 2;
  double dropout = 0.1;
};

struct BaselineConfig {
  // Candidate values; the one with the best validation Pearson is used (test never chooses).
  std::vector<int64_t> knn_k{1, 3, 10, 30};                  // knn: neighbours by Tanimoto
  std::vector<double> ridge_alpha{0.1, 1.0, 10.0, 100.0, 1000.0};  // ridge: L2 penalty of W
  // kg_ridge: the blocks of its design (model/kg_features.hpp), hop normalisations and penalties.
  std::vector<std::string> kg_blocks{
      "cell", "dose", "time",
      "drug:drug_protein>pathway_protein",
      "drug:drug_protein>protein_protein>pathway_protein",
      "drug:drug_protein>pathway_protein*cell:cell_line_disease>disease_protein>pathway_protein",
      "drug:drug_protein>pathway_protein*dose",
      "fp"};
  std::vector<std::string> kg_norm{"row", "sym"};
  std::vector<double> kg_alpha{1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0};
};

struct TrainConfig {
  int64_t epochs = 150;
  int64_t batch_size = 128;
  double lr = 1e-3;
  double weight_decay = 0.0;
  int64_t patience = 15;  // epochs without validation improvement before stopping
  double grad_clip = 5.0; // max global gradient norm (0 = off)
  int64_t seed = 0;
  std::string optimizer = "adam";    // adam | adamw
  std::string lr_schedule = "none";  // none | cosine | plateau
  int64_t lr_patience = 5;           // plateau: epochs without validation gain before halving lr
  int64_t checkpoint_every = 1;      // epochs between checkpoints (0 = none)
  std::string device = "auto";       // cpu | cuda | auto (train/device.hpp)
};

struct SweepConfig {
  std::vector<std::string> models{"gat", "mlp", "cell_mean", "cell_mlp", "knn", "ridge"};
  std::vector<std::string> splits{"random", "scaffold", "cold_drug"};
  std::vector<std::string> ablations{"none", "edge_shuffle", "feature_random"};
  std::vector<std::string> ablation_models{"gat"};  // models that get ablations other than none
  std::vector<int64_t> seeds{0, 1, 2};
  // Hyper-parameters crossed with the above, one entry "key: [v1, v2, ...]" per key (YAML);
  // read by the workflow (workflow/rules/common.smk).
  std::vector<std::string> grid;
  // How the grid is searched (workflow only): grid (every point trained to train.epochs) or
  // halving (successive halving: rung r trains the surviving points to min_epochs x eta^r
  // epochs, capped at train.epochs, resuming from rung r-1; the best 1/eta of each model's
  // points by the validation `metric` go on; README, "Successive halving").
  std::string search = "grid";  // grid | halving
  struct Halving {
    int64_t min_epochs = 1;
    int64_t eta = 3;
    std::string metric = "pearson";  // a name of /metrics/names, on the validation set
  } halving;
};

// The workflow's (kgpert only checks them): what each job of a rule asks its executor
// for, as the Snakemake resources mem_mb, runtime and gpu. Cores come from `threads`, the MPI
// tasks of a train job from dist.ranks.
struct JobResources {
  int64_t mem_mb;   // memory of one process (MB)
  int64_t runtime;  // time limit (minutes)
  int64_t gpus;     // GPUs of one process (train only: a rank drives at most one)
};

struct ResourcesConfig {
  JobResources fallback{4000, 60, 0};  // key "default": every rule not listed below
  JobResources ingest{32000, 120, 0};
  JobResources train{16000, 240, 0};   // train and train_mpi (per rank)
};

struct Config {
  std::string dataset = "demo";   // results/<dataset>/
  int64_t threads = 1;            // OpenMP, OpenBLAS and LibTorch threads
  std::string model = "gat";      // gat | mlp | cell_mean | cell_mlp | knn | ridge | kg_ridge
  std::string ablation = "none";  // none | edge_shuffle | feature_random | no_kg | drug_shuffle
  InputsConfig inputs;
  SynthConfig synth;
  IngestConfig ingest;
  SplitConfig split;
  PartitionConfig partition;
  DistConfig dist;
  GatConfig gat;
  MlpConfig mlp;
  BaselineConfig baseline;
  TrainConfig train;
  SweepConfig sweep;
  ResourcesConfig resources;

  /// Loads `path` (empty = defaults only), then applies `key=value` overrides in order.
  /// Throws kg::Error naming the file and key for unknown keys and bad values.
  static Config load(const std::string& path, const std::vector<std::string>& sets = {});

  /// The resolved config as YAML text (every key, in table order).
  std::string to_yaml() const;
};

/// One configuration key: its dotted name, type and documentation. The table of these is
/// the single source for parsing, validation, `kgpert help config` and the schema test.
struct ConfigKey {
  std::string key;    // dotted, e.g. "train.lr"
  std::string type;   // string | int | float | bool | string_list | float_list | int_list
  std::string doc;
  std::vector<std::string> choices;  // allowed values for strings / string lists; empty = any
  double min = -1e300, max = 1e300;  // numeric range (inclusive) for numbers and their lists
  std::function<void(Config&, const YAML::Node&, const std::string& where)> set;
  std::function<std::string(const Config&)> show;  // value as YAML flow text
};

/// All keys, in documentation order.
const std::vector<ConfigKey>& config_keys();

/// Limits on config text (a file, or a --set value), checked before YAML parses it; beyond
/// them Config::load refuses it, naming the file, line and limit. Anchors and aliases are
/// refused too. config.cpp says why.
inline constexpr size_t kMaxConfigBytes = 1 << 20;  // 1 MiB
inline constexpr int64_t kMaxFlowDepth = 64;        // nested [ ] / { }
inline constexpr size_t kMaxIndent = 256;           // column of a line's content (block nesting)

/// Applies the environment implied by `threads`: OpenMP, OpenBLAS (and LibTorch when linked).
void apply_threads(const Config& cfg);

}  // namespace kg
