// GCT text reader (#1.3 / #1.2): streams lines from the mapped file straight into the
// sample-major matrix; every error names the file and line.
#include "io/gct.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <set>

#include "core/error.hpp"
#include "io/text.hpp"

namespace kg {

bool is_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size(), i = 0;
  while (i < n) {
    unsigned c = p[i];
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > n) return false;
    uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};  // reject overlong forms
    if (cp < min_cp[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

std::string ensure_utf8(std::string_view s) {
  if (is_utf8(s)) return std::string(s);
  std::string out;
  out.reserve(s.size() + 8);
  for (unsigned char c : s) {
    if (c < 0x80) {
      out += char(c);
    } else {
      out += char(0xC0 | (c >> 6));
      out += char(0x80 | (c & 0x3F));
    }
  }
  return out;
}

namespace {

// Splits the file into lines ending in LF, CRLF or CR, counting them from 1.
class Lines {
 public:
  explicit Lines(std::string_view data) : d_(data) {
    if (d_.substr(0, 3) == "\xEF\xBB\xBF") d_.remove_prefix(3);  // UTF-8 BOM
  }
  bool next(std::string_view& line) {
    if (pos_ >= d_.size()) return false;
    size_t e = d_.find_first_of("\r\n", pos_);
    if (e == std::string_view::npos) e = d_.size();
    line = d_.substr(pos_, e - pos_);
    pos_ = e + (e + 1 < d_.size() && d_[e] == '\r' && d_[e + 1] == '\n' ? 2 : 1);
    ++number_;
    return true;
  }
  int64_t number() const { return number_; }

 private:
  std::string_view d_;
  size_t pos_ = 0;
  int64_t number_ = 0;
};

void split_tabs(std::string_view line, std::vector<std::string_view>& out) {
  out.clear();
  size_t b = 0;
  for (;;) {
    size_t e = line.find('\t', b);
    out.push_back(line.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b));
    if (e == std::string_view::npos) return;
    b = e + 1;
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

struct Parser {
  std::string path;
  Lines lines;
  std::vector<std::string_view> f;  // the fields of the current line

  [[noreturn]] void fail_line(const std::string& why) const {
    fail_file("GCT", path, "line {}: {}", lines.number(), why);
  }
  // Reads the next line into f with exactly `n` fields (trailing empty fields are allowed).
  void next_row(size_t n, const char* what) {
    std::string_view line;
    if (!lines.next(line))
      fail_file("GCT", path, "line {}: file ends before {}", lines.number() + 1, what);
    split_tabs(line, f);
    while (f.size() > n && trim(f.back()).empty()) f.pop_back();
    if (f.size() != n) fail_line(fmt::format("expected {} fields, got {}", n, f.size()));
  }
};

int64_t parse_count(const Parser& p, std::string_view s) {
  s = trim(s);
  int64_t v = -1;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || v < 0)
    p.fail_line(fmt::format("\"{}\" is not a count", s));
  return v;
}

bool is_missing_token(std::string_view s) {
  for (std::string_view m : {"", "NA", "na", "NaN", "nan", "N/A", "#N/A", "NULL", "null"})
    if (s == m) return true;
  return false;
}

float parse_value(const Parser& p, std::string_view s, size_t field) {
  s = trim(s);
  if (is_missing_token(s)) return std::numeric_limits<float>::quiet_NaN();
  std::string_view digits = (!s.empty() && s.front() == '+') ? s.substr(1) : s;
  float v = 0;
  auto r = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (r.ec == std::errc::result_out_of_range && r.ptr == digits.data() + digits.size())
    v = float(std::strtod(std::string(digits).c_str(), nullptr));  // underflow -> 0, overflow -> inf
  else if (r.ec != std::errc() || r.ptr != digits.data() + digits.size())
    p.fail_line(fmt::format("field {}: \"{}\" is not a number", field + 1, s));
  return v == -666.0f ? std::numeric_limits<float>::quiet_NaN() : v;  // LINCS missing value
}

// Adds a column metadata field; one named "id" must repeat the ids and is not kept.
void add_col_field(const Parser& p, GctxAxis& axis, const std::string& name, std::vector<std::string> v) {
  if (name == "id") {
    if (v != axis.ids) p.fail_line("column metadata field \"id\" differs from the column ids");
    return;
  }
  if (name.empty()) p.fail_line("empty column metadata field name");
  if (!axis.fields.emplace(name, std::move(v)).second)
    p.fail_line(fmt::format("duplicate column metadata field \"{}\"", name));
}

// Row metadata names from the header; a field named "id" (index returned in id_field) must
// repeat the row ids and is not kept.
std::vector<std::string> row_field_names(const Parser& p, int64_t nrm, int64_t& id_field) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  id_field = -1;
  for (int64_t k = 0; k < nrm; ++k) {
    names.push_back(ensure_utf8(trim(p.f[size_t(1 + k)])));
    if (names.back().empty()) p.fail_line(fmt::format("field {}: empty row metadata field name", k + 2));
    if (!seen.insert(names.back()).second)
      p.fail_line(fmt::format("duplicate row metadata field \"{}\"", names.back()));
    if (names.back() == "id") id_field = k;
  }
  return names;
}

}  // namespace

GctData read_gct(const std::string& path) {
  text::FileBytes bytes(path, "GCT");
  Parser p{path, Lines(bytes.data()), {}};
  std::string_view line;
  if (!p.lines.next(line)) fail_file("GCT", path, "empty file");
  std::string_view version = trim(line);
  bool v13 = version == "#1.3";
  if (!v13 && version != "#1.2")
    p.fail_line(fmt::format("expected \"#1.3\" or \"#1.2\", got \"{}\"", ensure_utf8(version.substr(0, 40))));

  p.next_row(v13 ? 4 : 2, "the dimensions line");
  const int64_t nrow = parse_count(p, p.f[0]), ncol = parse_count(p, p.f[1]);
  const int64_t nrm = v13 ? parse_count(p, p.f[2]) : 1, ncm = v13 ? parse_count(p, p.f[3]) : 0;
  // A line holds at most one field per byte of the file: this bounds the field counts (so
  // 1 + nrm + ncol cannot overflow, as "9223372036854775807" did under fuzz/fuzz_gct.cpp).
  if (std::max(nrm, ncol) > int64_t(bytes.data().size()))
    p.fail_line(fmt::format("{} metadata fields and {} columns cannot fit in a file of {} bytes", nrm,
                            ncol, bytes.data().size()));
  // Each value takes at least one byte (its tab), which bounds a corrupt header's allocation.
  if (ncol > 0 && nrow > int64_t(bytes.data().size()) / ncol)
    p.fail_line(fmt::format("{} x {} values cannot fit in a file of {} bytes", nrow, ncol, bytes.data().size()));
  const size_t width = size_t(1 + nrm + ncol);

  GctData out;
  p.next_row(width, "the header line");
  for (int64_t j = 0; j < ncol; ++j) out.cols.ids.push_back(ensure_utf8(p.f[size_t(1 + nrm + j)]));
  int64_t id_field = -1;
  const std::vector<std::string> row_fields = row_field_names(p, nrm, id_field);

  for (int64_t m = 0; m < ncm; ++m) {
    p.next_row(width, "the column metadata");
    std::vector<std::string> v;
    v.reserve(size_t(ncol));
    for (int64_t j = 0; j < ncol; ++j) v.push_back(ensure_utf8(p.f[size_t(1 + nrm + j)]));
    add_col_field(p, out.cols, ensure_utf8(trim(p.f[0])), std::move(v));
  }

  std::vector<std::vector<std::string>> row_meta(static_cast<size_t>(nrm));
  out.values.rows = ncol;
  out.values.cols = nrow;
  out.values.data.resize(size_t(nrow * ncol));
  for (int64_t i = 0; i < nrow; ++i) {
    p.next_row(width, fmt::format("data row {} of {}", i + 1, nrow).c_str());
    out.rows.ids.push_back(ensure_utf8(p.f[0]));
    for (int64_t k = 0; k < nrm; ++k) row_meta[size_t(k)].push_back(ensure_utf8(p.f[size_t(1 + k)]));
    if (id_field >= 0 && p.f[size_t(1 + id_field)] != p.f[0])
      p.fail_line("row metadata field \"id\" differs from the row id");
    // Column j of gene i lives at j * nrow + i (indexed, not a pointer from data(): that is
    // null when ncol is 0, and null + i is undefined; found by fuzz/fuzz_gct.cpp).
    for (int64_t j = 0; j < ncol; ++j)
      out.values.data[size_t(j * nrow + i)] = parse_value(p, p.f[size_t(1 + nrm + j)], size_t(1 + nrm + j));
  }
  for (int64_t k = 0; k < nrm; ++k)
    if (k != id_field) out.rows.fields[row_fields[size_t(k)]] = std::move(row_meta[size_t(k)]);

  while (p.lines.next(line))
    if (!trim(line).empty())
      p.fail_line(fmt::format("more lines than the {} data rows announced on line 2", nrow));
  return out;
}

}  // namespace kg
