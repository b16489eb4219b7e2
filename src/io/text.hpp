// Delimited text (CSV with `"` quoting, TSV): a fast record reader over an mmapped or
// decompressed file, a header+columns Table, and an atomic writer that quotes as needed.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace kg::h5 {
class AtomicFile;
}

namespace kg::text {

/// The whole content of a file: mmapped when plain, inflated into memory when gzip
/// (detected by its magic bytes, whatever the name). Errors name `what` and the path. A gzip
/// file inflating past kMinGzipBomb bytes and kMaxGzipRatio times its size is refused.
inline constexpr size_t kMinGzipBomb = size_t(64) << 20;
inline constexpr size_t kMaxGzipRatio = 200;

class FileBytes {
 public:
  FileBytes(const std::string& path, const std::string& what);
  ~FileBytes();
  FileBytes(const FileBytes&) = delete;
  FileBytes& operator=(const FileBytes&) = delete;
  std::string_view data() const { return {data_, size_}; }

 private:
  const char* data_ = nullptr;
  size_t size_ = 0;
  void* map_ = nullptr;  // non-null when mmapped
  std::string inflated_;
};

struct ReadOptions {
  char delim = ',';
  std::string what = "file";  // names the file kind in errors, e.g. "kg.csv"
  // Limits that keep a hostile file from exhausting memory (a record's fields are held at
  // once): a longer record, or one with more fields, is an error naming the file and line.
  size_t max_record_bytes = size_t(16) << 20;  // 16 MiB, quoted line breaks included
  size_t max_fields = size_t(1) << 20;         // per record
};

/// One record: its fields, valid only during the callback, and the 1-based line it starts on.
using RecordFn = std::function<void(const std::vector<std::string_view>& fields, int64_t line)>;

/// Calls `on_record` for every non-empty record of `path`, the header included.
/// Handles `"` quoting (delimiter, `""` and line breaks inside quotes), LF/CRLF/CR line ends,
/// a UTF-8 BOM, and converts bytes that are not valid UTF-8 from Latin-1 to UTF-8.
/// Refuses records beyond opt's limits. Errors read `<what> "<path>": line N: <reason>`.
void for_each_record(const std::string& path, const ReadOptions& opt, const RecordFn& on_record);

/// Same, over bytes already in memory (`path` only names them in errors).
void for_each_record(std::string_view bytes, const std::string& path, const ReadOptions& opt,
                     const RecordFn& on_record);

/// One column's values packed in a single buffer (a cell costs its bytes + 4), so that a
/// 700k-row LINCS table does not become millions of std::string objects.
class Column {
 public:
  size_t size() const { return ends_.size(); }
  std::string_view operator[](size_t i) const {
    size_t b = i ? ends_[i - 1] : 0;
    return {data_.data() + b, ends_[i] - b};
  }
  void push_back(std::string_view v);

 private:
  std::string data_;
  std::vector<uint32_t> ends_;
};

/// A whole table held by column name; every row has exactly the header's field count.
class Table {
 public:
  const std::string& path() const { return path_; }
  const std::string& what() const { return what_; }
  const std::vector<std::string>& header() const { return header_; }
  size_t num_rows() const { return lines_.size(); }
  /// 1-based line of row i in the file (for error messages).
  int64_t line(size_t row) const { return lines_[row]; }

  /// Whether the file's header has the column (kept or not).
  bool has(const std::string& name) const { return index_.count(name) != 0; }
  /// 1-based position of the column in the header (for error messages); 0 when absent.
  size_t column_number(const std::string& name) const {
    auto it = index_.find(name);
    return it == index_.end() ? 0 : it->second + 1;
  }
  /// The column; throws kg::Error naming the file, the column and the columns present.
  const Column& column(const std::string& name) const;
  /// The column, or nullptr when absent (or not kept).
  const Column* find(const std::string& name) const;
  /// The first of `names` present, or nullptr.
  const Column* find_any(std::initializer_list<const char*> names) const;
  /// `<what> "<path>": <msg>` as a kg::Error.
  [[noreturn]] void fail(const std::string& msg) const;
  /// `<what> "<path>": line N: <msg>` for data row `row`.
  [[noreturn]] void fail_row(size_t row, const std::string& msg) const;

 private:
  friend Table read_table(const std::string&, char, const std::string&,
                          const std::vector<std::string>&);
  std::string path_, what_;
  std::vector<std::string> header_;
  std::vector<Column> columns_;  // one per header column; dropped ones stay empty
  std::vector<bool> kept_;
  std::unordered_map<std::string, size_t> index_;
  std::vector<int64_t> lines_;
};

/// Reads a header + rows table (plain or gzip). `delim` 0 sniffs it from the header line:
/// tab when the header has one, else comma. Duplicate header names are an error. When `keep`
/// is not empty only those columns are stored (the others are checked, then dropped).
Table read_table(const std::string& path, char delim = 0, const std::string& what = "table",
                 const std::vector<std::string>& keep = {});

/// Appends `field` to `out`, quoted (with `""` for `"`) when it holds the delimiter, a quote
/// or a line break, as Python's csv QUOTE_MINIMAL (and so PrimeKG's pandas writer) does.
void write_delimited_field(std::string& out, std::string_view field, char delim);

/// Writes a delimited file atomically: rows go to a temporary file, commit() renames it into
/// place; destroyed uncommitted it leaves nothing behind. Lines end with LF.
class DelimitedWriter {
 public:
  DelimitedWriter(const std::string& path, char delim, const std::string& what = "file");
  ~DelimitedWriter();
  DelimitedWriter(const DelimitedWriter&) = delete;
  DelimitedWriter& operator=(const DelimitedWriter&) = delete;

  /// One record, fields quoted as needed.
  void row(const std::vector<std::string_view>& fields);
  void row(std::initializer_list<std::string_view> fields);
  void commit();
  const std::string& path() const { return path_; }

 private:
  void flush();
  std::string path_, what_;
  char delim_;
  std::unique_ptr<h5::AtomicFile> file_;
  std::FILE* fp_ = nullptr;
  std::string buf_;
};

/// True for the spellings LINCS uses for a missing value: "", "-666", "NA", "nan", "NaN".
bool is_missing(std::string_view v);

}  // namespace kg::text
