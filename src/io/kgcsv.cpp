// PrimeKG kg.csv reading (header check, integer indices, field count) and writing.
#include "io/kgcsv.hpp"

#include <charconv>
#include <string>

#include "core/error.hpp"

namespace kg {

namespace {

const std::string kWhat = "kg.csv";

std::string expected_header() {
  std::string h;
  for (const char* c : kKgCsvColumns) h += (h.empty() ? "" : ",") + std::string(c);
  return h;
}

void check_header(const std::string& path, const std::vector<std::string_view>& f) {
  for (size_t i = 0; i < 12; ++i) {
    if (i >= f.size())
      fail_file(kWhat, path, "line 1: missing column \"{}\" (the header must start with {})",
                kKgCsvColumns[i], expected_header());
    if (f[i] != kKgCsvColumns[i])
      fail_file(kWhat, path,
                "line 1: column {} is \"{}\" where \"{}\" was expected (the header must start "
                "with {})",
                i + 1, f[i], kKgCsvColumns[i], expected_header());
  }
}

int64_t parse_index(const std::string& path, int64_t line, const char* col,
                    std::string_view v) {
  int64_t out = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (v.empty() || ec != std::errc() || end != v.data() + v.size())
    fail_file(kWhat, path, "line {}: {} \"{}\" is not an integer", line, col, v);
  if (out < 0) fail_file(kWhat, path, "line {}: {} {} is negative (PrimeKG's node indices count from 0)", line, col, out);
  return out;
}

}  // namespace

void read_kg_csv(const std::string& path, const std::function<void(const KgRow&)>& on_row) {
  text::ReadOptions opt;
  opt.delim = ',';
  opt.what = kWhat;
  size_t ncol = 0;  // the header's field count, extra columns included
  KgRow row;
  text::for_each_record(path, opt, [&](const std::vector<std::string_view>& f, int64_t line) {
    if (ncol == 0) {
      check_header(path, f);
      ncol = f.size();
      return;
    }
    if (f.size() != ncol)
      fail_file(kWhat, path, "line {}: expected {} fields, got {}", line, ncol, f.size());
    row.relation = f[0];
    row.display_relation = f[1];
    row.x_index = parse_index(path, line, "x_index", f[2]);
    row.x_id = f[3];
    row.x_type = f[4];
    row.x_name = f[5];
    row.x_source = f[6];
    row.y_index = parse_index(path, line, "y_index", f[7]);
    row.y_id = f[8];
    row.y_type = f[9];
    row.y_name = f[10];
    row.y_source = f[11];
    row.line = line;
    on_row(row);
  });
  if (ncol == 0) fail_file(kWhat, path, "empty file (no header line)");
  if (row.line == 0) fail_file(kWhat, path, "a header and no edge (a graph needs at least one row)");
}

KgCsvWriter::KgCsvWriter(const std::string& path) : out_(path, ',', kWhat) {
  out_.row(std::vector<std::string_view>(std::begin(kKgCsvColumns), std::end(kKgCsvColumns)));
}

void KgCsvWriter::add(const KgRow& r) {
  add(r.relation, r.display_relation, r.x_index, r.x_id, r.x_type, r.x_name, r.x_source,
      r.y_index, r.y_id, r.y_type, r.y_name, r.y_source);
}

void KgCsvWriter::add(std::string_view relation, std::string_view display_relation,
                      int64_t x_index, std::string_view x_id, std::string_view x_type,
                      std::string_view x_name, std::string_view x_source, int64_t y_index,
                      std::string_view y_id, std::string_view y_type, std::string_view y_name,
                      std::string_view y_source) {
  char xi[24], yi[24];
  auto xe = std::to_chars(xi, xi + sizeof xi, x_index).ptr;
  auto ye = std::to_chars(yi, yi + sizeof yi, y_index).ptr;
  out_.row({relation, display_relation, std::string_view(xi, size_t(xe - xi)), x_id, x_type,
            x_name, x_source, std::string_view(yi, size_t(ye - yi)), y_id, y_type, y_name,
            y_source});
  ++rows_;
}

void KgCsvWriter::commit() { out_.commit(); }

}  // namespace kg
