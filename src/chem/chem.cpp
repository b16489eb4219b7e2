// SMILES parsing, canonical SMILES, Morgan fingerprints, Murcko scaffolds and Tanimoto
// similarity (RDKit). The InChI side lives in inchi.cpp.
#include "chem/chem.hpp"

#include <GraphMol/ChemTransforms/ChemTransforms.h>
#include <GraphMol/Fingerprints/MorganFingerprints.h>
#include <GraphMol/GraphMol.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>
#include <DataStructs/ExplicitBitVect.h>
#include <RDGeneral/RDLog.h>

#include <mutex>

#include "core/error.hpp"

namespace kg::chem {
namespace {

// RDKit prints every rejected SMILES to stderr; a 20k-compound table with a few bad rows
// would bury the real log. Switch its loggers off once per process (thread-safe).
void silence_rdkit() {
  static std::once_flag once;
  std::call_once(once, [] {
    RDLog::InitLogs();
    boost::logging::disable_logs("rdApp.*");
  });
}

}  // namespace

Mol::Mol(std::unique_ptr<RDKit::ROMol> m) : m_(std::move(m)) { KG_CHECK(m_ != nullptr); }
Mol::Mol(Mol&&) noexcept = default;
Mol& Mol::operator=(Mol&&) noexcept = default;
Mol::~Mol() = default;

unsigned Mol::num_atoms() const { return m_->getNumAtoms(); }

std::string_view strip_cxsmiles(std::string_view smiles) {
  size_t b = 0;
  while (b < smiles.size() && (smiles[b] == ' ' || smiles[b] == '\t')) ++b;
  size_t e = b;
  while (e < smiles.size() && smiles[e] != ' ' && smiles[e] != '\t' && smiles[e] != '\r' &&
         smiles[e] != '\n')
    ++e;
  return smiles.substr(b, e - b);
}

std::optional<Mol> parse_smiles(std::string_view smiles) {
  silence_rdkit();
  const std::string_view core = strip_cxsmiles(smiles);
  if (core.empty()) return std::nullopt;
  RDKit::SmilesParserParams params;
  params.allowCXSMILES = false;  // already stripped; RDKit's parser would reject some
  params.parseName = false;
  try {
    std::unique_ptr<RDKit::RWMol> m(RDKit::SmilesToMol(std::string(core), params));
    if (!m || m->getNumAtoms() == 0) return std::nullopt;
    return Mol(std::unique_ptr<RDKit::ROMol>(m.release()));
  } catch (...) {
    // SmilesParseException, MolSanitizeException (bad valence, kekulisation) and friends:
    // all mean "not a usable molecule" to the caller.
    return std::nullopt;
  }
}

std::string canonical_smiles(const Mol& mol) { return RDKit::MolToSmiles(mol.rdkit()); }

std::optional<std::string> canonical_smiles(std::string_view smiles) {
  auto m = parse_smiles(smiles);
  if (!m) return std::nullopt;
  return canonical_smiles(*m);
}

std::vector<uint8_t> morgan_bits(const Mol& mol, unsigned radius, unsigned nbits) {
  KG_CHECK(nbits > 0);
  std::unique_ptr<ExplicitBitVect> fp(
      RDKit::MorganFingerprints::getFingerprintAsBitVect(mol.rdkit(), radius, nbits));
  std::vector<uint8_t> out(nbits, 0);
  for (unsigned i = 0; i < nbits; ++i) out[i] = fp->getBit(i) ? 1 : 0;
  return out;
}

std::optional<std::vector<uint8_t>> morgan_bits(std::string_view smiles, unsigned radius,
                                                unsigned nbits) {
  auto m = parse_smiles(smiles);
  if (!m) return std::nullopt;
  return morgan_bits(*m, radius, nbits);
}

std::string murcko_scaffold(const Mol& mol) {
  silence_rdkit();
  std::unique_ptr<RDKit::ROMol> core(RDKit::MurckoDecompose(mol.rdkit()));
  if (!core || core->getNumAtoms() == 0) return "";
  // The decomposition leaves stale implicit-H counts and ring info on the atoms it cut
  // from; re-sanitise so the SMILES matches what parsing the scaffold on its own gives.
  RDKit::RWMol rw(*core);
  try {
    RDKit::MolOps::sanitizeMol(rw);
  } catch (...) {
    rw.updatePropertyCache(false);
  }
  return RDKit::MolToSmiles(rw);
}

double tanimoto(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  KG_CHECK(a.size() == b.size(), "fingerprint lengths {} and {}", a.size(), b.size());
  size_t both = 0, any = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    both += (a[i] & b[i]) != 0;
    any += (a[i] | b[i]) != 0;
  }
  return any == 0 ? 1.0 : double(both) / double(any);
}

PackedFp pack(const std::vector<uint8_t>& bits) {
  PackedFp p;
  p.nbits = uint32_t(bits.size());
  p.words.assign((bits.size() + 63) / 64, 0);
  for (size_t i = 0; i < bits.size(); ++i)
    if (bits[i]) p.words[i / 64] |= uint64_t(1) << (i % 64);
  for (uint64_t w : p.words) p.popcount += uint32_t(__builtin_popcountll(w));
  return p;
}

double tanimoto(const PackedFp& a, const PackedFp& b) {
  KG_CHECK(a.nbits == b.nbits, "fingerprint lengths {} and {}", a.nbits, b.nbits);
  uint32_t both = 0;
  for (size_t i = 0; i < a.words.size(); ++i)
    both += uint32_t(__builtin_popcountll(a.words[i] & b.words[i]));
  const uint32_t any = a.popcount + b.popcount - both;
  return any == 0 ? 1.0 : double(both) / double(any);
}

}  // namespace kg::chem
