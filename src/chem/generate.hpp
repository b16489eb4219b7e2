// Deterministic demo compound generator for the synthetic dataset: real drug-like ring systems
// decorated with small acyclic substituents, each compound tied to its Bemis–Murcko scaffold.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace kg::chem {

/// One built-in ring system (a Bemis–Murcko scaffold written by hand).
struct ScaffoldDef {
  const char* name;    // e.g. "quinazoline"
  const char* smiles;  // a Murcko scaffold: rings, linkers, ring =O only
};

/// The built-in scaffold library (~70 ring systems found in approved drugs). Every entry is its
/// own Murcko scaffold. Decoration sites are found, not written: every ring carbon that carries
/// a hydrogen (symmetry-equivalent sites only give duplicates, which the generator drops).
const std::vector<ScaffoldDef>& scaffold_library();

/// The acyclic substituents, as SMILES whose first atom bonds to the ring (methyl, F, OMe,
/// amide, nitrile, CF3, carboxylic acid, ...).
const std::vector<const char*>& substituent_library();

struct Compound {
  std::string smiles;           // canonical SMILES (RDKit)
  int32_t scaffold_index = 0;   // 0 .. n_scaffolds-1
  std::string scaffold_smiles;  // canonical SMILES of the scaffold == murcko_scaffold(smiles)
  std::string inchikey;         // standard InChIKey
  std::string name;             // made-up, pronounceable, unique within one call
};

/// Draws n distinct compounds over exactly n_scaffolds scaffolds. The scaffolds are library
/// entries picked in a seeded order; beyond the library size, further scaffolds are made by
/// joining two library ring systems through a short linker (a new Murcko scaffold). Every
/// scaffold gets at least one compound, the rest follow a skewed (Zipf-like) share, as in real
/// compound collections. Each compound carries 1–3 substituents on ring carbons.
///
/// Guarantees, checked as it runs (KG_CHECK): every SMILES parses and is canonical, all SMILES,
/// InChIKeys (so no two tautomers) and names are distinct, and
/// murcko_scaffold(compound) == scaffold_smiles. The same (n,
/// n_scaffolds, seed) gives identical output on every platform (own RNG, no std::
/// distributions). Throws kg::Error when n < n_scaffolds, n_scaffolds == 0 < n, or the
/// scaffolds cannot hold n distinct compounds.
std::vector<Compound> generate_compounds(size_t n, size_t n_scaffolds, uint64_t seed);

}  // namespace kg::chem
