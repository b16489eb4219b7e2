// Standard InChI / InChIKey of an RDKit molecule through libinchi (1.03 API): the molecule's
// graph is handed over as inchi_Atom records with all-zero coordinates plus 0D stereo parities.
//
// Why not MolToMolBlock + a molfile entry point: libinchi 1.03 (Debian) has no
// MakeINCHIFromMolfileText, and a molfile would need 2D coordinates (slow, and it can invent
// cis/trans geometry for double bonds the SMILES left unspecified). 0D parities carry exactly
// the stereo written in the SMILES.
#include <inchi_api.h>

#include <GraphMol/GraphMol.h>
#include <GraphMol/MolOps.h>

#include <cstring>
#include <mutex>

#include "chem/chem.hpp"
#include "core/error.hpp"

namespace kg::chem {
namespace {

constexpr size_t kMaxInchiAtoms = 1023;  // the API's AT_NUM limit (num_atoms < 1024)

inchi_Atom to_inchi_atom(const RDKit::Atom& a) {
  inchi_Atom ia;
  std::memset(&ia, 0, sizeof ia);  // zero coordinates: InChI then uses the 0D parities
  const std::string& sym = a.getSymbol();
  if (a.getAtomicNum() == 0 || sym.size() >= ATOM_EL_LEN)
    fail("unsupported atom \"{}\" (dummy or query atom) for InChI", sym);
  std::memcpy(ia.elname, sym.c_str(), sym.size() + 1);
  ia.num_iso_H[0] = S_CHAR(a.getTotalNumHs(false));  // Hs that are not graph atoms
  ia.isotopic_mass = AT_NUM(a.getIsotope());         // absolute mass; 0 = natural
  ia.charge = S_CHAR(a.getFormalCharge());
  const unsigned rad = a.getNumRadicalElectrons();
  ia.radical = S_CHAR(rad == 0 ? INCHI_RADICAL_NONE
                               : rad == 1 ? INCHI_RADICAL_DOUBLET : INCHI_RADICAL_TRIPLET);
  return ia;
}

S_CHAR to_inchi_bond(const RDKit::Bond& b) {
  switch (b.getBondType()) {
    case RDKit::Bond::SINGLE: return INCHI_BOND_TYPE_SINGLE;
    case RDKit::Bond::DOUBLE: return INCHI_BOND_TYPE_DOUBLE;
    case RDKit::Bond::TRIPLE: return INCHI_BOND_TYPE_TRIPLE;
    default: fail("unsupported bond type {} for InChI", int(b.getBondType()));
  }
}

// Each bond is listed once, under its begin atom (the API allows either end).
std::vector<inchi_Atom> inchi_atoms(const RDKit::ROMol& kekule) {
  std::vector<inchi_Atom> atoms;
  atoms.reserve(kekule.getNumAtoms());
  for (const RDKit::Atom* a : kekule.atoms()) atoms.push_back(to_inchi_atom(*a));
  for (const RDKit::Bond* b : kekule.bonds()) {
    inchi_Atom& ia = atoms[b->getBeginAtomIdx()];
    if (ia.num_bonds >= MAXVAL)
      fail("atom {} has more than {} bonds", b->getBeginAtomIdx(), MAXVAL);
    ia.neighbor[ia.num_bonds] = AT_NUM(b->getEndAtomIdx());
    ia.bond_type[ia.num_bonds] = to_inchi_bond(*b);
    ++ia.num_bonds;
  }
  return atoms;
}

// RDKit's tag: seen from the first neighbour (in the atom's bond-list order) the other three
// run clockwise (CW, SMILES @@) or counter-clockwise (CCW, @); an implicit H or lone pair
// comes last in that order. InChI takes the same four atoms, the centre itself standing in for
// the implicit H / lone pair. With the lists in the same order, CW is InChI's 'even' (checked
// against RDKit's own InChI for implicit-H, lone-pair, four-neighbour and ring-closure centres
// in both senses: tests/chem/test_chem.cpp, InchiKeyStereo).
std::optional<inchi_Stereo0D> tetrahedral(const RDKit::ROMol& mol, const RDKit::Atom& a) {
  const auto tag = a.getChiralTag();
  if (tag != RDKit::Atom::CHI_TETRAHEDRAL_CW && tag != RDKit::Atom::CHI_TETRAHEDRAL_CCW)
    return std::nullopt;
  std::vector<AT_NUM> nbrs;
  for (const RDKit::Bond* b : mol.atomBonds(&a))
    nbrs.push_back(AT_NUM(b->getOtherAtomIdx(a.getIdx())));
  if (nbrs.size() == 3) nbrs.push_back(AT_NUM(a.getIdx()));
  if (nbrs.size() != 4) return std::nullopt;  // not a tetrahedral centre InChI can take
  inchi_Stereo0D s;
  std::copy(nbrs.begin(), nbrs.end(), s.neighbor);
  s.central_atom = AT_NUM(a.getIdx());
  s.type = INCHI_StereoType_Tetrahedral;
  s.parity = tag == RDKit::Atom::CHI_TETRAHEDRAL_CW ? INCHI_PARITY_EVEN : INCHI_PARITY_ODD;
  return s;
}

// RDKit's E/Z (CIS/TRANS) refers to the bond's two stereo atoms; InChI wants {X, A, B, Y}
// with X on A, Y on B, and 'o' for cis, 'e' for trans.
std::optional<inchi_Stereo0D> double_bond(const RDKit::ROMol& mol, const RDKit::Bond& b) {
  const auto st = b.getStereo();
  const bool cis = st == RDKit::Bond::STEREOZ || st == RDKit::Bond::STEREOCIS;
  const bool trans = st == RDKit::Bond::STEREOE || st == RDKit::Bond::STEREOTRANS;
  if ((!cis && !trans) || b.getStereoAtoms().size() != 2) return std::nullopt;
  int x = b.getStereoAtoms()[0], y = b.getStereoAtoms()[1];
  const int A = int(b.getBeginAtomIdx()), B = int(b.getEndAtomIdx());
  if (!mol.getBondBetweenAtoms(x, A)) std::swap(x, y);
  KG_CHECK(mol.getBondBetweenAtoms(x, A) && mol.getBondBetweenAtoms(y, B));
  inchi_Stereo0D s;
  s.neighbor[0] = AT_NUM(x);
  s.neighbor[1] = AT_NUM(A);
  s.neighbor[2] = AT_NUM(B);
  s.neighbor[3] = AT_NUM(y);
  s.central_atom = NO_ATOM;
  s.type = INCHI_StereoType_DoubleBond;
  s.parity = cis ? INCHI_PARITY_ODD : INCHI_PARITY_EVEN;
  return s;
}

std::vector<inchi_Stereo0D> stereo_0d(const RDKit::ROMol& mol) {
  std::vector<inchi_Stereo0D> out;
  for (const RDKit::Atom* a : mol.atoms())
    if (auto s = tetrahedral(mol, *a)) out.push_back(*s);
  for (const RDKit::Bond* b : mol.bonds())
    if (auto s = double_bond(mol, *b)) out.push_back(*s);
  return out;
}

// libinchi 1.03 keeps global state: one call at a time per process.
std::mutex& inchi_mutex() {
  static std::mutex m;
  return m;
}

}  // namespace

std::string inchi(const Mol& mol) {
  const RDKit::ROMol& m = mol.rdkit();
  if (m.getNumAtoms() > kMaxInchiAtoms)
    fail("molecule has {} atoms; InChI takes at most {}", m.getNumAtoms(), kMaxInchiAtoms);
  RDKit::RWMol kekule(m);  // same atom and bond indices, explicit single/double bonds
  try {
    RDKit::MolOps::Kekulize(kekule, true);
  } catch (const std::exception& e) {
    fail("cannot kekulize for InChI: {}", e.what());
  }
  std::vector<inchi_Atom> atoms = inchi_atoms(kekule);
  std::vector<inchi_Stereo0D> stereo = stereo_0d(m);

  inchi_Input in;
  in.atom = atoms.data();
  in.stereo0D = stereo.empty() ? nullptr : stereo.data();
  char no_options[] = "";
  in.szOptions = no_options;
  in.num_atoms = AT_NUM(atoms.size());
  in.num_stereo0D = AT_NUM(stereo.size());

  inchi_Output out;
  std::memset(&out, 0, sizeof out);
  std::string result, message;
  int rc;
  {
    std::lock_guard<std::mutex> lock(inchi_mutex());
    rc = GetStdINCHI(&in, &out);
    if (out.szInChI) result = out.szInChI;
    if (out.szMessage) message = out.szMessage;
    FreeStdINCHI(&out);
  }
  if ((rc != inchi_Ret_OKAY && rc != inchi_Ret_WARNING) || result.empty())
    fail("libinchi failed (code {}): {}", rc, message.empty() ? "no message" : message);
  return result;
}

std::string inchikey(const Mol& mol) {
  const std::string code = inchi(mol);
  char key[32] = {0};
  int rc;
  {
    std::lock_guard<std::mutex> lock(inchi_mutex());
    rc = GetStdINCHIKeyFromStdINCHI(code.c_str(), key);
  }
  if (rc != INCHIKEY_OK) fail("libinchi could not hash \"{}\" (code {})", code, rc);
  return key;
}

}  // namespace kg::chem
