// Small-molecule chemistry for kgpert: SMILES parsing, canonical SMILES, Morgan fingerprints,
// Bemis–Murcko scaffolds, standard InChIKeys and Tanimoto similarity, on top of RDKit + libinchi.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace RDKit {
class ROMol;
}

namespace kg::chem {

/// An owned, sanitised RDKit molecule. Move-only; never null once constructed.
///
/// Thread safety: a Mol is an ordinary value. Parsing, canonical SMILES, fingerprints and
/// scaffolds may run concurrently on different molecules (RDKit keeps no shared mutable state
/// for these; its logging is switched off once, under std::call_once). A single Mol may be read
/// from several threads only through the functions here, which never modify it. inchikey()
/// serialises the libinchi call itself (libinchi 1.03 is not re-entrant), so it is safe to
/// call from several threads but does not run in parallel.
class Mol {
 public:
  explicit Mol(std::unique_ptr<RDKit::ROMol> m);
  Mol(Mol&&) noexcept;
  Mol& operator=(Mol&&) noexcept;
  ~Mol();

  const RDKit::ROMol& rdkit() const { return *m_; }
  unsigned num_atoms() const;  // heavy atoms (hydrogens are implicit after parsing)

 private:
  std::unique_ptr<RDKit::ROMol> m_;
};

/// Removes CXSMILES extensions and a trailing name: "CCO |c:1|" -> "CCO". A SMILES string
/// itself never contains whitespace, so everything from the first blank on is dropped.
std::string_view strip_cxsmiles(std::string_view smiles);

/// Parses (and sanitises) a SMILES string, CXSMILES extensions stripped first. Returns nullopt
/// for anything RDKit rejects (syntax, valence, empty string); never throws, never logs.
std::optional<Mol> parse_smiles(std::string_view smiles);

/// RDKit canonical isomeric SMILES of a molecule.
std::string canonical_smiles(const Mol& mol);
/// Canonical SMILES of a SMILES string; nullopt when it does not parse.
std::optional<std::string> canonical_smiles(std::string_view smiles);

/// Morgan (ECFP-like) fingerprint folded to nbits, as 0/1 bytes (length nbits).
/// radius 2 / 2048 bits is ECFP4 as RDKit computes it (GetMorganFingerprintAsBitVect).
std::vector<uint8_t> morgan_bits(const Mol& mol, unsigned radius = 2, unsigned nbits = 2048);
/// Same for a SMILES string; nullopt when it does not parse.
std::optional<std::vector<uint8_t>> morgan_bits(std::string_view smiles, unsigned radius = 2,
                                                unsigned nbits = 2048);

/// Canonical SMILES of the Bemis–Murcko scaffold (ring systems and the linkers between them,
/// side chains removed; RDKit::MurckoDecompose). "" for an acyclic molecule.
std::string murcko_scaffold(const Mol& mol);

/// Standard InChI of the molecule (InChI=1S/...), computed by libinchi from the molecule's
/// graph with 0D stereo parities (only stereo written in the SMILES is used).
/// Throws kg::Error when libinchi rejects the structure.
std::string inchi(const Mol& mol);
/// Standard InChIKey (27 characters, e.g. LFQSCWFLJHTTHZ-UHFFFAOYSA-N for ethanol).
/// Throws kg::Error when libinchi rejects the structure.
std::string inchikey(const Mol& mol);

/// Tanimoto similarity |a∧b| / |a∨b| of two 0/1 fingerprints of equal length; 1 when both
/// are empty (identical). Throws InternalError when the lengths differ.
double tanimoto(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b);

/// A fingerprint packed 64 bits to a word, for fast all-pairs similarity (kNN edges).
struct PackedFp {
  std::vector<uint64_t> words;
  uint32_t nbits = 0;
  uint32_t popcount = 0;
};
PackedFp pack(const std::vector<uint8_t>& bits);
double tanimoto(const PackedFp& a, const PackedFp& b);

}  // namespace kg::chem
