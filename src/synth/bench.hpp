// The benchmark suite's generator (docs/BENCH.md): medium-scale, PrimeKG-dense synthetic data
// in the real formats, with one of several documented mechanisms ("regimes") by which a
// compound's response in a cell line comes from the knowledge graph. Frozen: a change to a
// regime's mechanism is a new regime with a new name.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/h5.hpp"
#include "synth/demo.hpp"

namespace kg::synth {

enum class Regime { pathway2, ppi3, context, hubs, null_graph };

/// The regime named by synth.regime; fails naming the key for "demo" or an unknown name.
Regime parse_regime(const std::string& name);
const char* regime_name(Regime r);

/// Fixed constants of the suite (docs/BENCH.md gives their reasons). Not config keys on
/// purpose: a benchmark is frozen, so changing one of these makes a new regime.
struct BenchShape {
  double home_frac = 0.6;           // share of a compound's targets from its scaffold's home cluster
  int64_t cluster_size = 8;         // proteins in a scaffold's home cluster
  int64_t max_targets = 6;          // primary targets per compound, 1..max_targets
  double missing_target = 0.15;     // share of true targets not listed in kg.csv
  double inert_frac = 0.10;         // nearly inert compounds
  double inert_efficacy = 0.05;     // their response scale
  int64_t n_hubs = 12;              // ADME hub proteins
  double hub_bind = 0.15;           // P(a drug binds a hub), all regimes but hubs
  double cell_frac = 0.6;           // share of cell lines a compound is profiled in
  double share_target = 0.70;       // variance shares of the noise-free signal at full response
  double share_chem = 0.10;
  double share_generic = 0.20;
  double ppi_own = 0.3;             // ppi3: weight of the target's own pathways
  double gate_low = 0.15;           // context: response of a pathway without disease genes
  int64_t disease_genes = 40;       // disease_protein edges of a cell line's disease
  int64_t n_latent = 48;            // null_graph: latent compound factors
};

/// The latent truth behind a generated bench dataset (what kg.csv shows is a part of it).
struct BenchTruth {
  Regime regime = Regime::pathway2;
  int64_t n_genes = 0, n_landmarks = 0, n_pathways = 0;
  std::vector<std::vector<int32_t>> gene_pathways;  // [G] leaf pathways of a gene (0-3)
  std::vector<std::vector<int32_t>> ppi_adj;        // [G] PPI neighbours (all listed in kg.csv)
  std::vector<int32_t> pathway_parent;              // [P] top-level parent, -1 for top level
  std::vector<int32_t> hubs;                        // ADME hub genes
  std::vector<int32_t> scaffold_home;               // [K] home pathway
  std::vector<std::vector<int32_t>> scaffold_cluster;  // [K] home cluster genes

  std::vector<std::vector<int32_t>> targets;        // [D] primary targets (genes, sorted)
  std::vector<std::vector<float>> affinity;         // [D] their weights w_t
  std::vector<std::vector<uint8_t>> target_listed;  // [D] listed as drug_protein edge
  std::vector<std::vector<int32_t>> drug_hubs;      // [D] hubs the compound binds
  std::vector<uint8_t> inert;                       // [D]
  std::vector<float> efficacy, ec50, hill, tau;     // [D] response scale, Hill curve, time constant (h)
  std::vector<std::vector<int32_t>> cell_disease_genes;  // [C] genes of the cell's disease node

  h5::Matrix<float> activation;  // [D, P] a_dp; null_graph: [D, n_latent] latent factors
  h5::Matrix<float> gate;        // [C, P] s_cp; null_graph: [C, n_latent]
  h5::Matrix<float> program;     // [P, L] v_p;  null_graph: [n_latent, L] latent programs
  h5::Matrix<float> chem;        // [D, L] chemistry part X_d (substituent programs)
  h5::Matrix<float> generic;     // [C, L] u_c
  double k_target = 0, k_chem = 0, k_generic = 0;  // scales making the variance shares
  double t_max = 24;                                 // longest time: the time factor is 1 there

  // Noise ceiling: mean over signatures of Pearson(noise-free, observed) across landmarks.
  double ceiling_top = 0, ceiling_top_24h = 0, ceiling_all = 0;
};

struct Bench {
  Demo data;  // identities, graph, signatures and controls, written by write_demo
  BenchTruth truth;
};

/// Builds a bench dataset from cfg.synth (regime, sizes, doses, times, noise, seed).
/// `graph_seed` != 0 replaces the seed of the graph's own randomness (PPI, annotations,
/// context, targets, KG matching) and nothing else: the tests use it to show which responses
/// depend on the graph. Throws kg::Error naming the key for sizes the suite cannot honour.
Bench make_bench(const Config& cfg, uint64_t graph_seed = 0, const BenchShape& shape = {});

/// Hill dose-response times the time factor of compound d (0..1 before efficacy).
double bench_response_scale(const BenchTruth& t, int64_t d, double dose, double time);

/// Regime, structure and noise-ceiling lines for the synth summary.
std::string bench_summary(const Bench& b);

// Internal steps of make_bench (bench_graph.cpp, bench_response.cpp): the graph and the
// latent truth it shows, then the responses, signatures and controls.
void make_bench_graph(Bench& b, const Config& cfg, uint64_t graph_seed, const BenchShape& shape);
void make_bench_responses(Bench& b, const Config& cfg, const BenchShape& shape);

}  // namespace kg::synth
