// LINCS GCTX files from both writers (cmapPy/h5py, MATLAB/cmapM): layout checks, metadata as
// strings, block-wise selective matrix reads, and an atomic writer in the cmapPy layout.
#include "io/gctx.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/files.hpp"
#include "io/gct.hpp"

namespace kg {
namespace {

constexpr const char* kRowGroup = "/0/META/ROW";
constexpr const char* kColGroup = "/0/META/COL";
constexpr const char* kMatrix = "/0/DATA/0/matrix";
// One read block: at most this many samples and about this many bytes of buffer.
constexpr int64_t kMaxBlockCols = 1024;
constexpr int64_t kMaxBlockBytes = int64_t(64) << 20;

std::string ids_path(const std::string& group) { return group + "/id"; }

[[noreturn]] void fail_ds(const std::string& path, const std::string& ds, const std::string& why) {
  fail_file("GCTX", path, "dataset \"{}\": {}", ds, why);
}

h5::Reader open_reader(const std::string& path) {
  if (!files::check_regular({"GCTX", path})) fail_file("GCTX", path, "no such file");
  if (H5Fis_hdf5(path.c_str()) <= 0) fail_file("GCTX", path, "not an HDF5 file");
  try {
    return h5::Reader(path);
  } catch (const Error&) {
    fail_file("GCTX", path, "cannot open as HDF5 (truncated or corrupt?)");
  }
}

// An open dataset with its type and extent.
struct Dataset {
  h5::Handle ds, type, space;
  std::vector<hsize_t> dims;
  H5T_class_t cls = H5T_NO_CLASS;
};

Dataset open_dataset(const h5::Reader& f, const std::string& ds) {
  if (!f.has(ds)) fail_ds(f.path(), ds, "missing");
  Dataset d;
  d.ds = h5::Handle(H5Dopen2(f.id(), ds.c_str(), H5P_DEFAULT));
  if (!d.ds) fail_ds(f.path(), ds, "not a dataset (or unreadable)");
  d.type = h5::Handle(H5Dget_type(d.ds.get()));
  d.space = h5::Handle(H5Dget_space(d.ds.get()));
  int nd = H5Sget_simple_extent_ndims(d.space.get());
  if (nd < 0) fail_ds(f.path(), ds, "unreadable dataspace");
  d.dims.resize(size_t(nd));
  if (nd > 0) H5Sget_simple_extent_dims(d.space.get(), d.dims.data(), nullptr);
  d.cls = H5Tget_class(d.type.get());
  return d;
}

// Refuses a dataset whose shape asks for far more memory than the file stores for it, before
// anything is allocated by that shape: deflate expands at most ~1032:1, so more than that is a
// dataset never written (HDF5 would invent fill values) or a corrupt shape, not LINCS data.
void check_stored(const h5::Reader& f, const Dataset& d, const std::string& ds) {
  uint64_t bytes = H5Tget_size(d.type.get());
  for (hsize_t n : d.dims)
    if (__builtin_mul_overflow(bytes, uint64_t(n), &bytes)) bytes = UINT64_MAX;
  const uint64_t stored = H5Dget_storage_size(d.ds.get());
  if (bytes > (uint64_t(1) << 20) && bytes / 1100 > stored)
    fail_ds(f.path(), ds, fmt::format("its shape needs {} bytes but the file stores only {} for it "
                                      "(corrupt or never written)", bytes, stored));
}

// Names of the datasets directly inside `group`, in name order (subgroups are skipped).
std::vector<std::string> list_datasets(const h5::Reader& f, const std::string& group) {
  std::vector<std::string> names;
  h5::Handle g(H5Gopen2(f.id(), group.c_str(), H5P_DEFAULT));
  if (!g) fail_file("GCTX", f.path(), "group \"{}\": missing or not a group", group);
  H5G_info_t info;
  if (H5Gget_info(g.get(), &info) < 0) fail_file("GCTX", f.path(), "group \"{}\": unreadable", group);
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    ssize_t len = H5Lget_name_by_idx(g.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (len <= 0) continue;
    std::string name(size_t(len) + 1, '\0');
    H5Lget_name_by_idx(g.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size(), H5P_DEFAULT);
    name.resize(size_t(len));
    h5::Handle obj(H5Oopen(g.get(), name.c_str(), H5P_DEFAULT));
    if (obj && H5Iget_type(obj.get()) == H5I_DATASET) names.push_back(name);
  }
  return names;
}

// Number formatting for numeric metadata: shortest text that reads back the same value in
// the stored precision, so a float32 24 is "24" and 0.18f is "0.18" (not 0.180000007).
template <typename T>
std::string format_number(T v) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(v)) return "NaN";
  }
  return fmt::format("{}", v);
}

template <typename T>
std::vector<std::string> read_numbers(const Dataset& d, hid_t mem_type, const std::string& path,
                                      const std::string& ds) {
  std::vector<T> v(d.dims[0]);
  if (!v.empty() && H5Dread(d.ds.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
    fail_ds(path, ds, "read failed");
  std::vector<std::string> out;
  out.reserve(v.size());
  for (T x : v) out.push_back(format_number(x));
  return out;
}

std::string trim_fixed(const char* p, size_t w) {
  size_t n = 0;
  while (n < w && p[n] != '\0') ++n;  // NULLTERM/NULLPAD end at the first NUL
  while (n > 0 && p[n - 1] == ' ') --n;  // SPACEPAD (MATLAB) pads with spaces
  return ensure_utf8(std::string_view(p, n));
}

std::vector<std::string> read_strings(const Dataset& d, const std::string& path, const std::string& ds) {
  size_t n = d.dims[0];
  std::vector<std::string> out(n);
  if (n == 0) return out;
  if (H5Tis_variable_str(d.type.get()) > 0) {
    h5::Handle mt(H5Tcopy(H5T_C_S1));
    H5Tset_size(mt.get(), H5T_VARIABLE);
    H5Tset_cset(mt.get(), H5Tget_cset(d.type.get()));
    std::vector<char*> ptrs(n, nullptr);
    if (H5Dread(d.ds.get(), mt.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()) < 0)
      fail_ds(path, ds, "read failed");
    for (size_t i = 0; i < n; ++i) {
      std::string_view s = ptrs[i] ? ptrs[i] : "";
      while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
      out[i] = ensure_utf8(s);
    }
    H5Dvlen_reclaim(mt.get(), d.space.get(), H5P_DEFAULT, ptrs.data());
    return out;
  }
  size_t w = H5Tget_size(d.type.get());
  std::vector<char> buf(n * w);
  if (H5Dread(d.ds.get(), d.type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0)
    fail_ds(path, ds, "read failed");
  for (size_t i = 0; i < n; ++i) out[i] = trim_fixed(buf.data() + i * w, w);
  return out;
}

// A 1-D metadata dataset of any string, integer or float type, as strings.
std::vector<std::string> read_column(const h5::Reader& f, const std::string& ds) {
  Dataset d = open_dataset(f, ds);
  if (d.dims.size() != 1) fail_ds(f.path(), ds, fmt::format("expected 1-D, has {} dimensions", d.dims.size()));
  check_stored(f, d, ds);
  switch (d.cls) {
    case H5T_STRING: return read_strings(d, f.path(), ds);
    case H5T_INTEGER:
      if (H5Tget_sign(d.type.get()) == H5T_SGN_NONE && H5Tget_size(d.type.get()) >= 8)
        return read_numbers<uint64_t>(d, H5T_NATIVE_UINT64, f.path(), ds);
      return read_numbers<int64_t>(d, H5T_NATIVE_INT64, f.path(), ds);
    case H5T_FLOAT:
      if (H5Tget_size(d.type.get()) <= 4) return read_numbers<float>(d, H5T_NATIVE_FLOAT, f.path(), ds);
      return read_numbers<double>(d, H5T_NATIVE_DOUBLE, f.path(), ds);
    default: fail_ds(f.path(), ds, "unsupported type (expected strings, integers or floats)");
  }
}

// Length of a 1-D dataset; fails unless it is 1-D (and of length `expect` when given).
int64_t length_1d(const h5::Reader& f, const std::string& ds, int64_t expect, const char* what) {
  Dataset d = open_dataset(f, ds);
  if (d.dims.size() != 1) fail_ds(f.path(), ds, fmt::format("expected 1-D, has {} dimensions", d.dims.size()));
  if (expect >= 0 && int64_t(d.dims[0]) != expect)
    fail_ds(f.path(), ds, fmt::format("has {} entries but there are {} {} ids", d.dims[0], expect, what));
  return int64_t(d.dims[0]);
}

GctxAxis read_axis(const h5::Reader& f, const std::string& group) {
  GctxAxis axis;
  axis.ids = read_column(f, ids_path(group));
  for (const auto& name : list_datasets(f, group))
    if (name != "id") axis.fields[name] = read_column(f, group + "/" + name);
  return axis;
}

void check_indices(const std::string& path, const std::vector<int64_t>& idx, int64_t n, const char* what) {
  for (int64_t i : idx)
    if (i < 0 || i >= n) fail_file("GCTX", path, "{} index {} out of range (the file has {} {}s)", what, i, n, what);
}

// Reads samples `cols` (sorted, unique) x genes [gmin, gmin+span) into buf, one H5Dread per
// run of consecutive samples. (A single read of the union of the runs is much slower: for an
// irregular selection HDF5 maps every element to its chunk, which cost ~60% of a full-size
// LINCS ingest.) Blocks end at chunk boundaries, so each touched chunk is still read once.
void read_block(const std::string& path, const Dataset& d, const int64_t* cols, size_t n,
                int64_t gmin, int64_t span, float* buf) {
  h5::Handle fs(H5Scopy(d.space.get()));
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && cols[j] == cols[j - 1] + 1) ++j;
    hsize_t start[2] = {hsize_t(cols[i]), hsize_t(gmin)}, count[2] = {hsize_t(j - i), hsize_t(span)};
    h5::Handle ms(H5Screate_simple(2, count, nullptr));
    if (H5Sselect_hyperslab(fs.get(), H5S_SELECT_SET, start, nullptr, count, nullptr) < 0)
      fail_ds(path, kMatrix, "cannot select samples");
    if (H5Dread(d.ds.get(), H5T_NATIVE_FLOAT, ms.get(), fs.get(), H5P_DEFAULT, buf + i * size_t(span)) < 0)
      fail_ds(path, kMatrix, "read failed (truncated or corrupt file?)");
    i = j;
  }
}

// Samples per chunk along the first dimension (1 when contiguous), used to cut blocks at
// chunk boundaries so no chunk is read twice.
int64_t chunk_samples(const Dataset& d) {
  h5::Handle plist(H5Dget_create_plist(d.ds.get()));
  if (H5Pget_layout(plist.get()) != H5D_CHUNKED) return 1;
  hsize_t chunk[2] = {1, 1};
  if (H5Pget_chunk(plist.get(), 2, chunk) != 2) return 1;
  return std::max<int64_t>(1, int64_t(chunk[0]));
}

// End (exclusive) of the block of unique sorted samples that starts at b.
size_t block_end(const std::vector<int64_t>& uniq, size_t b, int64_t cap, int64_t chunk0) {
  size_t e = b;
  int64_t count = 0;
  while (e < uniq.size()) {
    size_t g = e;
    while (g < uniq.size() && uniq[g] / chunk0 == uniq[e] / chunk0) ++g;
    if (count + int64_t(g - e) <= cap) {
      count += int64_t(g - e);
      e = g;
      continue;
    }
    if (count == 0) e += size_t(cap);  // one chunk holds more selected samples than a block
    break;
  }
  return e;
}

}  // namespace

GctxFile::GctxFile(const std::string& path) : path_(path), file_(open_reader(path)) {
  if (!file_.has(kRowGroup) || !file_.has(kColGroup))
    fail_file("GCTX", path, "missing group \"{}\" or \"{}\" (not a GCTX file?)", kRowGroup, kColGroup);
  n_rows_ = length_1d(file_, ids_path(kRowGroup), -1, "row");
  n_cols_ = length_1d(file_, ids_path(kColGroup), -1, "column");
  for (const auto& name : list_datasets(file_, kRowGroup))
    length_1d(file_, std::string(kRowGroup) + "/" + name, n_rows_, "row");
  for (const auto& name : list_datasets(file_, kColGroup))
    length_1d(file_, std::string(kColGroup) + "/" + name, n_cols_, "column");
  has_matrix_ = file_.has(kMatrix);
  if (!has_matrix_) return;
  Dataset d = open_dataset(file_, kMatrix);
  if (d.cls != H5T_FLOAT && d.cls != H5T_INTEGER) fail_ds(path, kMatrix, "not numeric");
  if (d.dims.size() != 2)
    fail_ds(path, kMatrix, fmt::format("expected 2-D (samples, genes), has {} dimensions", d.dims.size()));
  if (int64_t(d.dims[0]) != n_cols_ || int64_t(d.dims[1]) != n_rows_)
    fail_ds(path, kMatrix,
            fmt::format("shape ({}, {}) does not match {} row ids and {} column ids "
                        "(expected (columns, rows) = ({}, {}))",
                        d.dims[0], d.dims[1], n_rows_, n_cols_, n_cols_, n_rows_));
  check_stored(file_, d, kMatrix);
}

bool GctxFile::has_matrix() const { return has_matrix_; }
int64_t GctxFile::num_rows() const { return n_rows_; }
int64_t GctxFile::num_cols() const { return n_cols_; }
GctxAxis GctxFile::rows() const { return read_axis(file_, kRowGroup); }
GctxAxis GctxFile::cols() const { return read_axis(file_, kColGroup); }
std::vector<std::string> GctxFile::row_ids() const { return read_column(file_, ids_path(kRowGroup)); }
std::vector<std::string> GctxFile::col_ids() const { return read_column(file_, ids_path(kColGroup)); }

h5::Matrix<float> GctxFile::read(const std::vector<int64_t>& row_index,
                                 const std::vector<int64_t>& col_index) const {
  if (!has_matrix_)
    fail_file("GCTX", path_, "has no matrix (dataset \"{}\" is missing: a metadata-only file)", kMatrix);
  check_indices(path_, row_index, n_rows_, "row");
  check_indices(path_, col_index, n_cols_, "column");
  h5::Matrix<float> out;
  out.rows = int64_t(col_index.size());
  out.cols = int64_t(row_index.size());
  out.data.assign(col_index.size() * row_index.size(), std::numeric_limits<float>::quiet_NaN());
  if (out.data.empty()) return out;

  // Genes: read the covering range [gmin, gmax] and pick from it in memory.
  auto [lo, hi] = std::minmax_element(row_index.begin(), row_index.end());
  const int64_t gmin = *lo, span = *hi - *lo + 1;
  // Samples: visit them sorted, remembering where each request goes in the output.
  std::vector<std::pair<int64_t, int64_t>> order(col_index.size());
  for (size_t j = 0; j < col_index.size(); ++j) order[j] = {col_index[j], int64_t(j)};
  std::sort(order.begin(), order.end());
  std::vector<int64_t> uniq;
  for (const auto& o : order)
    if (uniq.empty() || uniq.back() != o.first) uniq.push_back(o.first);

  Dataset d = open_dataset(file_, kMatrix);
  const int64_t cap = std::clamp<int64_t>(kMaxBlockBytes / (span * int64_t(sizeof(float))), 1, kMaxBlockCols);
  const int64_t chunk0 = chunk_samples(d);
  std::vector<float> buf(size_t(std::min<int64_t>(cap, int64_t(uniq.size())) * span));
  size_t oi = 0;
  for (size_t b = 0; b < uniq.size();) {
    size_t e = block_end(uniq, b, cap, chunk0);
    read_block(path_, d, uniq.data() + b, e - b, gmin, span, buf.data());
    for (size_t k = b; k < e; ++k) {
      const float* src = buf.data() + (k - b) * size_t(span);
      for (; oi < order.size() && order[oi].first == uniq[k]; ++oi) {
        float* dst = out.row(order[oi].second);
        for (size_t r = 0; r < row_index.size(); ++r) dst[r] = src[row_index[r] - gmin];
      }
    }
    b = e;
  }
  return out;
}

// ---- writer ------------------------------------------------------------------------------
namespace {

void check_axis(const std::string& path, const GctxAxis& axis, int64_t n, const char* what) {
  if (int64_t(axis.ids.size()) != n)
    fail_file("GCTX", path, "cannot write: the matrix has {} {}s but there are {} {} ids", n, what,
              axis.ids.size(), what);
  std::set<std::string_view> seen;
  for (const auto& id : axis.ids)
    if (!seen.insert(id).second) fail_file("GCTX", path, "cannot write: duplicate {} id \"{}\"", what, id);
  for (const auto& [name, values] : axis.fields) {
    if (name.empty() || name == "id" || name.find('/') != std::string::npos)
      fail_file("GCTX", path, "cannot write: invalid {} metadata field name \"{}\"", what, name);
    if (values.size() != axis.ids.size())
      fail_file("GCTX", path, "cannot write: {} metadata field \"{}\" has {} values for {} ids", what,
                name, values.size(), axis.ids.size());
  }
}

// Property list that makes H5Dcreate2 create missing parent groups.
h5::Handle intermediate_groups() {
  h5::Handle lcpl(H5Pcreate(H5P_LINK_CREATE));
  H5Pset_create_intermediate_group(lcpl.get(), 1);
  return lcpl;
}

// Fixed-length NULLPAD strings, as cmapPy writes them.
void write_strings(hid_t file, const std::string& path, const std::string& ds,
                   const std::vector<std::string>& v) {
  size_t w = 1;
  bool ascii = true;
  for (const auto& s : v) {
    w = std::max(w, s.size());
    for (unsigned char c : s) ascii = ascii && c < 0x80;
  }
  h5::Handle type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.get(), w);
  H5Tset_strpad(type.get(), H5T_STR_NULLPAD);
  H5Tset_cset(type.get(), ascii ? H5T_CSET_ASCII : H5T_CSET_UTF8);
  std::vector<char> buf(std::max<size_t>(1, v.size() * w), '\0');
  for (size_t i = 0; i < v.size(); ++i) std::copy(v[i].begin(), v[i].end(), buf.begin() + i * w);
  hsize_t dims[1] = {v.size()};
  h5::Handle space(H5Screate_simple(1, dims, nullptr));
  h5::Handle lcpl = intermediate_groups();
  h5::Handle d(H5Dcreate2(file, ds.c_str(), type.get(), space.get(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT));
  if (!d || H5Dwrite(d.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0)
    fail_file("GCTX", path, "dataset \"{}\": cannot write (disk full?)", ds);
}

// Whole samples per chunk (reads select samples), at most 256 and about 16 MB.
h5::Handle create_matrix(hid_t file, const std::string& path, int64_t n_cols, int64_t n_rows) {
  hsize_t dims[2] = {hsize_t(n_cols), hsize_t(n_rows)};
  h5::Handle space(H5Screate_simple(2, dims, nullptr));
  h5::Handle dcpl(H5Pcreate(H5P_DATASET_CREATE));
  if (n_cols > 0 && n_rows > 0) {
    int64_t per = std::clamp<int64_t>((int64_t(16) << 20) / (n_rows * 4), 1, 256);
    hsize_t chunk[2] = {hsize_t(std::min<int64_t>(n_cols, per)), hsize_t(n_rows)};
    H5Pset_chunk(dcpl.get(), 2, chunk);
  }
  h5::Handle lcpl = intermediate_groups();
  h5::Handle d(H5Dcreate2(file, kMatrix, H5T_IEEE_F32LE, space.get(), lcpl.get(), dcpl.get(), H5P_DEFAULT));
  if (!d) fail_file("GCTX", path, "dataset \"{}\": cannot create", kMatrix);
  return d;
}

void write_version(hid_t file, const std::string& path) {
  const std::string v = "GCTX1.0";
  h5::Handle type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.get(), v.size());
  H5Tset_strpad(type.get(), H5T_STR_NULLPAD);
  h5::Handle space(H5Screate(H5S_SCALAR));
  h5::Handle a(H5Acreate2(file, "version", type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT));
  if (!a || H5Awrite(a.get(), type.get(), v.data()) < 0)
    fail_file("GCTX", path, "cannot write the version attribute");
}

void write_axis(hid_t file, const std::string& path, const std::string& group, const GctxAxis& axis) {
  write_strings(file, path, ids_path(group), axis.ids);
  for (const auto& [name, values] : axis.fields) write_strings(file, path, group + "/" + name, values);
}

}  // namespace

GctxWriter::GctxWriter(const std::string& path, const GctxAxis& rows, const GctxAxis& cols)
    : path_(path), out_(path), n_rows_(int64_t(rows.ids.size())), n_cols_(int64_t(cols.ids.size())) {
  check_axis(path, rows, n_rows_, "row");
  check_axis(path, cols, n_cols_, "column");
  file_ = h5::Handle(H5Fcreate(out_.tmp_path().c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
  if (!file_) fail_file("GCTX", path, "cannot create \"{}\"", out_.tmp_path());
  write_version(file_.get(), path);
  matrix_ = create_matrix(file_.get(), path, n_cols_, n_rows_);
  write_axis(file_.get(), path, kRowGroup, rows);
  write_axis(file_.get(), path, kColGroup, cols);
}

GctxWriter::~GctxWriter() = default;  // an uncommitted AtomicFile removes its temporary

void GctxWriter::write(const h5::Matrix<float>& block) {
  KG_CHECK(block.cols == n_rows_ && int64_t(block.data.size()) == block.rows * block.cols);
  if (written_ + block.rows > n_cols_)
    fail_file("GCTX", path_, "cannot write: {} samples written after {} of {}", block.rows, written_, n_cols_);
  if (block.rows == 0 || n_rows_ == 0) return;
  hsize_t start[2] = {hsize_t(written_), 0}, count[2] = {hsize_t(block.rows), hsize_t(n_rows_)};
  h5::Handle fs(H5Dget_space(matrix_.get()));
  h5::Handle ms(H5Screate_simple(2, count, nullptr));
  if (H5Sselect_hyperslab(fs.get(), H5S_SELECT_SET, start, nullptr, count, nullptr) < 0 ||
      H5Dwrite(matrix_.get(), H5T_NATIVE_FLOAT, ms.get(), fs.get(), H5P_DEFAULT, block.data.data()) < 0)
    fail_file("GCTX", path_, "dataset \"{}\": cannot write (disk full?)", kMatrix);
  written_ += block.rows;
}

void GctxWriter::commit() {
  if (written_ != n_cols_ && n_rows_ > 0)
    fail_file("GCTX", path_, "cannot commit: {} of {} samples written", written_, n_cols_);
  if (H5Fflush(file_.get(), H5F_SCOPE_GLOBAL) < 0) fail_file("GCTX", path_, "cannot flush (disk full?)");
  matrix_ = h5::Handle();
  file_ = h5::Handle();  // closed before the rename
  out_.commit();
}

void write_gctx(const std::string& path, const GctxData& data) {
  KG_CHECK(int64_t(data.values.data.size()) == data.values.rows * data.values.cols);
  check_axis(path, data.rows, data.values.cols, "row");
  check_axis(path, data.cols, data.values.rows, "column");
  GctxWriter w(path, data.rows, data.cols);
  w.write(data.values);
  w.commit();
}

}  // namespace kg
