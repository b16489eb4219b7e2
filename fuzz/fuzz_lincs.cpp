// Fuzz target: the LINCS metadata tables (sig/gene/cell/pert info, DrugBank vocabulary). One
// input goes through every reader: each sniffs the layout from the header, so each header
// the fuzzer finds for one table is also a wrong-table input for the others.
#include "common.hpp"
#include "io/lincs.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = kg::fuzz::write_temp(data, size, ".tsv");
  kg::fuzz::expect_ok_or_error([&] { kg::read_sig_info(path); });
  kg::fuzz::expect_ok_or_error([&] { kg::read_gene_info(path); });
  kg::fuzz::expect_ok_or_error([&] { kg::read_cell_info(path); });
  kg::fuzz::expect_ok_or_error([&] { kg::read_pert_info(path); });
  kg::fuzz::expect_ok_or_error([&] { kg::read_drugbank_vocab(path); });
  return 0;
}
