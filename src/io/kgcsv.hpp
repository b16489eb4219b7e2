// PrimeKG `kg.csv`: a streaming reader (one callback per edge row, no per-row allocation)
// and an atomic writer that quotes names the way PrimeKG's own file does.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "io/text.hpp"

namespace kg {

/// The 12 leading columns every kg.csv has, in this order; extra trailing columns are ignored.
inline constexpr const char* kKgCsvColumns[12] = {
    "relation", "display_relation", "x_index", "x_id",   "x_type", "x_name",
    "x_source", "y_index",          "y_id",    "y_type", "y_name", "y_source"};

/// One edge row. The views are valid only during the callback.
struct KgRow {
  std::string_view relation, display_relation;
  int64_t x_index = 0;
  std::string_view x_id, x_type, x_name, x_source;
  int64_t y_index = 0;
  std::string_view y_id, y_type, y_name, y_source;
  int64_t line = 0;  // 1-based line in the file (the header is line 1)
};

/// Calls on_row for every edge of a PrimeKG kg.csv (plain or gzip). Errors (kg::Error):
/// `kg.csv "<path>": line N: <reason>` for a wrong header, a wrong field count or a
/// non-integer x_index/y_index.
void read_kg_csv(const std::string& path, const std::function<void(const KgRow&)>& on_row);

/// Writes a kg.csv with the standard 12-column header, atomically: add() rows, then commit()
/// renames the file into place. Destroyed uncommitted, it leaves nothing behind.
class KgCsvWriter {
 public:
  explicit KgCsvWriter(const std::string& path);
  void add(const KgRow& row);  // row.line is ignored
  void add(std::string_view relation, std::string_view display_relation, int64_t x_index,
           std::string_view x_id, std::string_view x_type, std::string_view x_name,
           std::string_view x_source, int64_t y_index, std::string_view y_id,
           std::string_view y_type, std::string_view y_name, std::string_view y_source);
  void commit();
  int64_t rows() const { return rows_; }

 private:
  text::DelimitedWriter out_;
  int64_t rows_ = 0;
};

}  // namespace kg
