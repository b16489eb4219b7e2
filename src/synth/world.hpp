// The demo's generative model in memory: genes grouped in pathways, compounds whose targets
// follow their scaffold's home pathway, cell lines with pathway sensitivities, and the
// signatures and control profiles these imply. No file formats here (see synth/write.hpp).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "core/config.hpp"
#include "core/h5.hpp"

namespace kg::synth {

/*
 * THE PLANTED SIGNAL (also in docs/SYNTH.md)
 *
 * Genes 0..L-1 are the landmarks (the signature rows), L..L+n_proteins-1 other proteins.
 *  - Pathways: each gene belongs to 1 pathway (2 with prob. 0.3). PPI edges join genes of a
 *    shared pathway (80%) or random genes (20%).
 *  - Scaffolds: scaffold k has home pathway k mod P (shuffled), so each pathway is home to
 *    several scaffolds. Each compound draws ~targets_per_drug targets: with prob. 0.75 a
 *    uniform member of its home pathway, else a uniform gene. Targets are latent for every
 *    compound; only compounds that are PrimeKG drugs (primekg_drug_frac) show them as
 *    drug_protein edges. Test compounds (new scaffolds) thus mostly hit proteins nobody
 *    targeted in training, but in pathways that were: drug->protein->pathway generalises,
 *    a multi-hot of targets does not.
 *  - Activation a_dp = mean_t member(t,p) + 0.2 * mean_t (share of t's PPI neighbours in p)
 *    + 0.25 * #{substituents of d whose group acts on p}. Each substituent kind (methyl,
 *    chloro, nitrile, ...; "none" excepted) acts on one random pathway, whatever the targets:
 *    the target-independent, chemistry-borne part of a response (think reactive groups and
 *    stress responses). Substituents are shared across scaffolds and seen only in the Morgan
 *    fingerprint (no graph edge carries them), so under a scaffold split this part is
 *    predictable from the drug's features and from nothing else: feature_random loses it.
 *  - Response v_p over landmarks: +-U(0.6,1.4) on landmark members of p (random signs), +-0.3
 *    on landmark PPI neighbours of members.
 *  - Cell c: sensitivities s_cp = max(0, 1 + 0.4 N), generic response u_c = 0.6 g + 0.8 g_c
 *    (g shared by all cells), scaled to the RMS of a typical v_p.
 *  - Amplitude amp(dose, time) = log1p(dose)/log1p(10) * (0.5 + 0.5 min(time, 24)/24).
 *  - signal y* = k * amp * (sum_p a_dp s_cp v_p + generic_weight * u_c), k making sd(y*) = 1 at
 *    amp 1; y = clip(y* + N(0, noise^2), -10, 10) (the MODZ clip).
 *  - Controls (log2, ~4..14): baseline_c = m + sum_p s_cp w_p + N(0, 0.15^2) per cell, plus
 *    N(0, 0.1^2) per replicate; w_p = +-0.5 on landmark members of p. The baseline thus
 *    carries the cell's sensitivities.
 *  - Each compound is profiled in a random ~70% of the cell lines (at least one), at every
 *    dose x time.
 */

struct WorldShape {
  int64_t n_landmarks = 978;
  double home_frac = 0.75;       // share of targets drawn from the scaffold's home pathway
  double cell_frac = 0.7;        // share of cell lines each compound is profiled in
  double generic_weight = 0.3;   // weight of the cell's generic response u_c
  double spill = 0.2;            // PPI spill-over into pathway activation
  double group_weight = 0.25;    // activation of a substituent's pathway, per substituent
};

using Groups = std::array<int32_t, 2>;  // a compound's substituent kinds (0 = none)

struct Signature {
  int32_t drug, cell;
  double dose, time;
};

struct World {
  int64_t n_genes = 0, n_landmarks = 0, n_pathways = 0;
  std::vector<std::vector<int32_t>> gene_pathways;  // [G] 1-2 pathways
  std::vector<std::vector<int32_t>> pathway_genes;  // [P]
  std::vector<std::vector<int32_t>> ppi_adj;        // [G] neighbours (sorted, both directions)
  std::vector<std::pair<int32_t, int32_t>> ppi;     // undirected, a < b
  std::vector<int32_t> pathway_parent;              // [P] parent pathway or -1

  std::vector<int32_t> scaffold_home;               // [K] home pathway of each scaffold
  std::vector<int32_t> compound_scaffold;           // [D]
  std::vector<uint8_t> compound_in_kg;              // [D] a PrimeKG drug node?
  std::vector<std::vector<int32_t>> compound_targets;  // [D] latent targets (sorted genes)
  std::vector<Groups> compound_groups;              // [D] substituent kinds
  std::vector<int32_t> group_pathway;               // [n kinds] pathway a kind acts on; -1 for none
  h5::Matrix<float> activation;                     // [D, P] a_dp

  h5::Matrix<float> sensitivity;  // [C, P] s_cp
  h5::Matrix<float> generic;      // [C, L] u_c
  h5::Matrix<float> response;     // [P, L] v_p
  h5::Matrix<float> baseline_w;   // [P, L] w_p

  std::vector<Signature> signatures;  // [S]
  h5::Matrix<float> signal;           // [S, L] noise-free
  h5::Matrix<float> y;                // [S, L] observed (noisy, clipped)
  std::vector<int32_t> control_cell;  // [C * n_controls]
  h5::Matrix<float> controls;         // [C * n_controls, L] log2 expression
};

/// Builds the world. `compound_scaffold[d]` in [0, cfg.n_scaffolds) and `compound_groups[d]`
/// in [0, n_group_kinds) (from the chemistry generator); their size sets the number of compounds.
World make_world(const SynthConfig& cfg, const std::vector<int32_t>& compound_scaffold,
                 const std::vector<Groups>& compound_groups, int32_t n_group_kinds,
                 const WorldShape& shape = {});

/// A rows x cols matrix of zeros.
h5::Matrix<float> zeros(int64_t rows, int64_t cols);

/// Amplitude of a response at a dose (uM) and time (h); 1 at 10 uM, 24 h.
double amplitude(double dose, double time);

}  // namespace kg::synth
