// LINCS L1000 metadata tables (signatures, genes, cells, compounds) in every published naming
// generation, plus the DrugBank vocabulary, normalised into plain structs; and TSV/CSV writers.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kg {

// Every reader detects the generation from the header (the delimiter too: tab, else comma),
// reads plain or gzip files, turns LINCS missing values ("-666", "", "NA", "nan") into "",
// and throws kg::Error naming the file when no known layout fits, listing what it expected.
// Writers are atomic (temporary file renamed into place) and write "-666" for a missing value.

/// One signature (sig_info / siginfo_beta row).
struct Signature {
  std::string sig_id, pert_id, pert_name, pert_type, cell_id;
  double dose_um = NAN;    // converted to µM from pM/nM/µM/mM; NaN when unknown or not molar
  double time_h = NAN;     // hours; NaN when unknown
  bool quality_ok = true;  // is_hiq / qc_pass when present ("0"/"false" -> false)
  // Why the dose or time is unusable (unparsable, negative, unknown unit), naming the column;
  // empty when fine or missing. Ingest refuses such a signature when it would select it.
  std::string bad_value;
  int64_t line = 0;        // 1-based line in the table (0 when not read from a file)
};
struct SigInfo {
  std::string format;  // "sig_info" (GSE92742/GSE70138/cmapM) or "siginfo_beta" (CMap 2020)
  std::vector<Signature> rows;
};
/// Columns: sig_id|id, pert_id, cmap_name|pert_iname, cell_iname|cell_id, optional pert_type;
/// dose from pert_dose+pert_dose_unit, else pert_idose ("10 µM", "10.0 um"); time from
/// pert_time+pert_time_unit, else pert_itime ("24 h"); quality from is_hiq and qc_pass.
SigInfo read_sig_info(const std::string& path);
/// GSE92742 columns (sig_id, pert_id, pert_iname, pert_type, cell_id, pert_dose,
/// pert_dose_unit, pert_idose, pert_time, pert_time_unit, pert_itime), plus is_hiq when any
/// signature fails quality.
void write_sig_info(const std::string& path, const SigInfo& s);

/// One gene / probe row.
struct Gene {
  std::string gene_id;  // Entrez id as text (dhimmel probes may hold "a///b")
  std::string symbol, title;
  bool is_landmark = false;
};
struct GeneInfo {
  std::string format;  // "gene_info", "geneinfo_beta", "dhimmel geneinfo" or "row_meta"
  std::vector<Gene> rows;
};
/// gene_info (pr_gene_id, pr_gene_symbol, pr_is_lm) / geneinfo_beta (gene_id, gene_symbol,
/// feature_space == "landmark") / dhimmel geneinfo (pr_gene_id, pr_gene_symbol, is_lm) /
/// a landmark row-meta table (rid, pr_gene_id, pr_gene_symbol, no flag: all landmark).
GeneInfo read_gene_info(const std::string& path);
/// GSE92742 columns: pr_gene_id, pr_gene_symbol, pr_gene_title, pr_is_lm.
void write_gene_info(const std::string& path, const GeneInfo& g);

/// One cell line.
struct Cell {
  std::string cell_id, lineage, disease;  // disease may be ""
};
struct CellInfo {
  std::string format;  // "cell_info", "cellinfo_beta" or "dhimmel cellinfo"
  std::vector<Cell> rows;
};
/// cell_iname|cell_id; lineage from cell_lineage|primary_site; disease from
/// primary_disease|subtype|cell_histology.
CellInfo read_cell_info(const std::string& path);
/// GSE92742 columns: cell_id, primary_site, subtype (the disease).
void write_cell_info(const std::string& path, const CellInfo& c);

/// One perturbagen (compound).
struct Compound {
  std::string pert_id, name, pert_type, smiles, inchikey;  // inchikey without "InChIKey="
};
struct PertInfo {
  std::string format;  // "pert_info", "compoundinfo_beta", "dhimmel pertinfo", "compound list"
  std::vector<Compound> rows;  // one per pert_id, in first-seen order
  int64_t repeated_rows = 0;    // rows that repeat an earlier row's pert_id (merged into it)
};
/// pert_id, pert_iname|cmap_name, optional pert_type, canonical_smiles, inchi_key. Rows that
/// repeat a pert_id (compoundinfo_beta has one per target) are merged: the first non-empty
/// value of each field wins; they are counted (repeated_rows).
PertInfo read_pert_info(const std::string& path);
/// GSE92742 columns: pert_id, pert_iname, pert_type, inchi_key_prefix, inchi_key,
/// canonical_smiles.
void write_pert_info(const std::string& path, const PertInfo& p);

/// One DrugBank vocabulary entry.
struct DrugbankEntry {
  std::string id, accessions, name, cas, unii;
  std::vector<std::string> synonyms;  // split on " | "
  std::string inchikey;               // "" when none
};
struct DrugbankVocab {
  std::vector<DrugbankEntry> rows;
};
/// DrugBank's open vocabulary CSV: DrugBank ID, Accession Numbers, Common name, CAS, UNII,
/// Synonyms, Standard InChI Key (the last four may be absent).
DrugbankVocab read_drugbank_vocab(const std::string& path);
/// The same 7 columns, CSV, quoted as needed.
void write_drugbank_vocab(const std::string& path, const DrugbankVocab& v);

// ---- value parsing (exposed for tests and for other readers of LINCS metadata) ----------

/// A dose or time read with its unit: `value` is NaN when missing ("-666", "", "NA"); `error`
/// says why a value that is there cannot be used (not a number, not finite, negative, no or an
/// unknown unit), naming the field, e.g. `pert_dose_unit "mg/mL" is not a molar concentration`.
struct Quantity {
  double value = NAN;
  std::string error;
};
/// pert_dose + pert_dose_unit -> µM (pM, nM, uM/µM/μM, mM, M; any case).
Quantity parse_dose(std::string_view value, std::string_view unit);
/// pert_idose ("10 µM", "500nM") -> µM.
Quantity parse_idose(std::string_view idose);
/// pert_time + pert_time_unit -> hours (h/hr/hour(s), m/min/minute(s), d/day(s)).
Quantity parse_time(std::string_view value, std::string_view unit);
/// pert_itime ("24 h", "30 min") -> hours.
Quantity parse_itime(std::string_view itime);

/// A dose in µM from a value and a unit ("10", "um"); NaN when either is missing or the
/// unit is not a molar concentration (ng/ul, %, ...). Units: pM, nM, uM/µM/μM, mM, any case.
double dose_to_um(std::string_view value, std::string_view unit);
/// "10 µM", "10.0 um", "500nM" -> µM; NaN when unknown.
double idose_to_um(std::string_view idose);
/// A duration in hours from value and unit (h/hr/hour(s), m/min/minute(s), d/day(s)).
double time_to_h(std::string_view value, std::string_view unit);
/// "24 h", "6 h" -> hours; NaN when unknown.
double itime_to_h(std::string_view itime);
/// Strips a leading "InChIKey=", maps missing values to "".
std::string normalize_inchikey(std::string_view v);
/// A standard InChIKey's shape: 14 uppercase letters, '-', 10 uppercase letters, '-', one
/// uppercase letter (27 characters).
bool is_inchikey(std::string_view v);

}  // namespace kg
