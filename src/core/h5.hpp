// The HDF5 layer every stage uses: typed reads with errors naming file and dataset, and an
// atomic writer (temporary name, renamed into place on commit) that records provenance.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

namespace kg::h5 {

/// A row-major 2-D array read from or written to a dataset.
template <typename T>
struct Matrix {
  std::vector<T> data;
  int64_t rows = 0, cols = 0;
  T* row(int64_t i) { return data.data() + i * cols; }
  const T* row(int64_t i) const { return data.data() + i * cols; }
};

/// Owns an HDF5 identifier and closes it with the right H5*close.
class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) : id_(id) {}
  Handle(Handle&& o) noexcept : id_(o.id_) { o.id_ = -1; }
  Handle& operator=(Handle&& o) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle();
  hid_t get() const { return id_; }
  explicit operator bool() const { return id_ >= 0; }

 private:
  hid_t id_ = -1;
};

/// Read-only file. Every error names the file and the dataset.
class Reader {
 public:
  explicit Reader(const std::string& path);
  const std::string& path() const { return path_; }
  hid_t id() const { return file_.get(); }

  bool has(const std::string& obj) const;
  std::vector<hsize_t> shape(const std::string& ds) const;

  /// 1-D numeric dataset converted to T (any stored integer/float type).
  template <typename T>
  std::vector<T> read(const std::string& ds) const;
  /// 2-D numeric dataset converted to T.
  template <typename T>
  Matrix<T> read_matrix(const std::string& ds) const;
  /// Rows [first, first+count) of a 2-D numeric dataset.
  template <typename T>
  Matrix<T> read_rows(const std::string& ds, int64_t first, int64_t count) const;
  /// 1-D string dataset (fixed or variable length; trailing NULs and spaces trimmed).
  std::vector<std::string> read_strings(const std::string& ds) const;

  bool has_attr(const std::string& obj, const std::string& name) const;
  std::string attr_string(const std::string& obj, const std::string& name) const;
  double attr_double(const std::string& obj, const std::string& name) const;
  int64_t attr_int(const std::string& obj, const std::string& name) const;

  /// Every kgpert reader starts here: unless the root attribute `format` is `expected`, throws
  /// kg::Error `<what> "<path>": not a kgpert <what> file (attribute format != <expected>)`.
  void require_format(const std::string& what, const std::string& expected) const;

  /// Throws kg::Error `<what> "<path>": dataset "<ds>": <reason>`.
  [[noreturn]] void fail(const std::string& ds, const std::string& reason) const;

 private:
  std::string path_;
  Handle file_;
};

/// One input's identity, recorded in provenance. Files up to kSampledAbove bytes are hashed
/// whole; larger ones (a 23 GB LINCS level-5 GCTX, of which ingest reads a small part) by their
/// size and kSampledBlocks evenly spaced blocks of kSampledBlock bytes, first and last
/// included: reading all of it would cost more than the ingest.
inline constexpr int64_t kSampledAbove = int64_t(2) << 30, kSampledBlock = int64_t(1) << 20,
                         kSampledBlocks = 64;
struct InputInfo {
  std::string path;
  uint64_t size = 0;
  std::string xxh3;      // XXH3-64, hex: of the content (`xxhsum -H3` prints the same), or sampled
  bool sampled = false;  // xxh3 is of the sampled blocks (files over kSampledAbove)
};
InputInfo describe_input(const std::string& path, int64_t sampled_above = kSampledAbove);

/// Provenance written as root attributes of every output (see docs/FORMATS.md).
struct Provenance {
  std::string stage;           // e.g. "train"
  std::string command_line;    // the full argv, shell-quoted
  std::string config_yaml;     // the resolved config
  std::vector<InputInfo> inputs;
  int64_t world_size = 1;
};

/// Writes a new file at a temporary name beside `path`; commit() renames it into place.
/// Destroyed uncommitted (an exception, a bug) it removes the temporary file, so a failed
/// stage never leaves a file that looks complete. Groups are created as needed.
class Writer {
 public:
  explicit Writer(std::string path);
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  hid_t id() const { return file_.get(); }
  const std::string& path() const { return path_; }

  template <typename T>
  void write(const std::string& ds, const std::vector<T>& v);
  /// Datasets over 64 KB are chunked by rows (~1 MB) and compressed (shuffle + deflate 1)
  /// unless `compress` is false: measured values such as expression z-scores barely compress
  /// (their mantissas are noise) and deflating them costs more than the rest of an ingest.
  template <typename T>
  void write(const std::string& ds, const T* data, const std::vector<hsize_t>& shape, bool compress = true);
  template <typename T>
  void write(const std::string& ds, const Matrix<T>& m, bool compress = true) {
    write(ds, m.data.data(), {hsize_t(m.rows), hsize_t(m.cols)}, compress);
  }
  /// Variable-length UTF-8 strings.
  void write_strings(const std::string& ds, const std::vector<std::string>& v);

  void attr(const std::string& obj, const std::string& name, const std::string& v);
  void attr(const std::string& obj, const std::string& name, const char* v) {
    attr(obj, name, std::string(v));
  }
  void attr(const std::string& obj, const std::string& name, double v);
  void attr(const std::string& obj, const std::string& name, int64_t v);

  /// Root attributes: kgpert_version, stage, command_line, config, inputs (one line each:
  /// path, size, xxh3), host, time (UTC ISO 8601), world_size.
  void provenance(const Provenance& p);

  /// Closes and renames into place; also writes `<stem>.config.yaml` beside the output
  /// when provenance was given.
  void commit();

  /// Creates the group `g` and its parents if missing.
  void ensure_group(const std::string& g);

 private:
  std::string path_, tmp_;
  Handle file_;
  std::string config_yaml_;
  bool committed_ = false;
};

/// Atomic text output: write to tmp_path(), then commit() renames; removed if not committed.
class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  const std::string& tmp_path() const { return tmp_; }
  void commit();

 private:
  std::string path_, tmp_;
  bool committed_ = false;
};

/// `<dir>/<stem>.config.yaml`: where commit() writes the resolved config of `path`.
std::string config_sidecar(const std::string& path);

/// Writes the resolved config that made `output` to `path` atomically (a YAML comment line
/// names the output first).
void write_resolved_config(const std::string& path, const std::string& output,
                           const std::string& config_yaml);

/// Version string, e.g. "0.1.0 (git 1a2b3c4)".
std::string version_string();

}  // namespace kg::h5
