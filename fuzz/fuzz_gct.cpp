// Fuzz target: the GCT #1.3 / #1.2 text reader (dimensions line, metadata, values).
#include "common.hpp"
#include "io/gct.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = kg::fuzz::write_temp(data, size, ".gct");
  kg::fuzz::expect_ok_or_error([&] {
    kg::GctData d = kg::read_gct(path);
    // The reader's promise: a [cols, rows] matrix that matches the ids and every field.
    if (d.values.rows != int64_t(d.cols.ids.size()) || d.values.cols != int64_t(d.rows.ids.size()) ||
        d.values.data.size() != d.rows.ids.size() * d.cols.ids.size())
      std::abort();
    for (const auto* axis : {&d.rows, &d.cols})
      for (const auto& [name, v] : axis->fields)
        if (v.size() != axis->ids.size()) std::abort();
  });
  return 0;
}
