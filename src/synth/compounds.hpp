// The demo's compounds: canonical SMILES on shared ring-system scaffolds, InChIKeys and names,
// as the chemistry generator makes them (one place adapts its output for the synth module).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace kg::synth {

struct ChemCompound {
  std::string name;      // unique, lower case
  std::string smiles;    // canonical
  std::string inchikey;  // standard InChIKey
  int32_t scaffold = 0;  // index in [0, n_scaffolds)
  // The acyclic substituents on ring systems A and B, as indices in [0, n_groups()); 0 = none.
  // The world plants a target-independent effect per group (synth/world.hpp).
  std::array<int32_t, 2> groups{0, 0};
};

/// Number of substituent kinds, "none" (index 0) included.
int32_t n_groups();

/// `n` compounds spread over `n_scaffolds` scaffolds (the first n_scaffolds compounds take one
/// scaffold each, so every scaffold is used when n >= n_scaffolds). Deterministic for `seed`.
std::vector<ChemCompound> draw_compounds(int64_t n, int64_t n_scaffolds, uint64_t seed);

}  // namespace kg::synth
