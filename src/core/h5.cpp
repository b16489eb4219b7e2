// HDF5 layer: typed reads (any stored numeric type converted on read), atomic writes,
// provenance attributes. HDF5's own error stack printing is silenced; errors become kg::Error.
#include "core/h5.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <xxhash.h>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/log.hpp"

namespace kg::h5 {
namespace {

// No HDF5 error stack on stderr (errors are reported by kgpert), and no HDF5 exit hook (must
// come before the library's first call): it closes every file still open at exit, and a file
// whose flush failed (a full disk) stays half-closed after H5Fclose and crashes it (segfault in
// H5F__close_cb) after the stage has said why it failed. Handles close every file here.
struct Silence {
  Silence() {
    H5dont_atexit();
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
};
const Silence silence_hdf5_errors;

template <typename T>
hid_t native_type();
template <> hid_t native_type<float>() { return H5T_NATIVE_FLOAT; }
template <> hid_t native_type<double>() { return H5T_NATIVE_DOUBLE; }
template <> hid_t native_type<int32_t>() { return H5T_NATIVE_INT32; }
template <> hid_t native_type<int64_t>() { return H5T_NATIVE_INT64; }
template <> hid_t native_type<uint8_t>() { return H5T_NATIVE_UINT8; }
template <> hid_t native_type<int16_t>() { return H5T_NATIVE_INT16; }

std::string trim_padding(const char* p, size_t n) {
  while (n > 0 && (p[n - 1] == '\0' || p[n - 1] == ' ')) --n;
  size_t nul = std::string(p, n).find('\0');
  return std::string(p, nul == std::string::npos ? n : nul);
}

void close_any(hid_t id) {
  switch (H5Iget_type(id)) {
    case H5I_FILE: H5Fclose(id); break;
    case H5I_GROUP: H5Gclose(id); break;
    case H5I_DATASET: H5Dclose(id); break;
    case H5I_DATASPACE: H5Sclose(id); break;
    case H5I_DATATYPE: H5Tclose(id); break;
    case H5I_ATTR: H5Aclose(id); break;
    case H5I_GENPROP_LST: H5Pclose(id); break;
    default: break;
  }
}

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

std::string hostname() {
  char buf[256] = {0};
  gethostname(buf, sizeof buf - 1);
  return buf;
}

// ".<name>.tmp.<host>.<pid>" beside `path`. Those of writers on this host that are gone (killed
// before they could remove theirs) are removed first; another host's are left alone (a shared
// file system: their process may be alive).
// A name of up to NAME_MAX (255) bytes must still give a temporary name that fits: when it
// would not, the name is cut and its XXH3 (hex) appended, so that each output keeps its own.
constexpr size_t kNameMax = 255;

std::string tmp_name(const std::string& path) {
  auto p = std::filesystem::path(path);
  const std::string host = hostname().substr(0, 64);
  const std::string tail = ".tmp." + host + ".";
  constexpr size_t kPidDigits = 10;  // pid_t
  std::string name = p.filename().string();
  if (1 + name.size() + tail.size() + kPidDigits > kNameMax) {
    const std::string hash = fmt::format("~{:016x}", XXH3_64bits(name.data(), name.size()));
    name = name.substr(0, kNameMax - 1 - tail.size() - kPidDigits - hash.size()) + hash;
  }
  const std::string stem = "." + name + tail;
  const auto dir = p.parent_path().empty() ? std::filesystem::path(".") : p.parent_path();
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(stem, 0) != 0) continue;
    const std::string pid = name.substr(stem.size());
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    if (kill(pid_t(std::stol(pid)), 0) != 0 && errno == ESRCH) std::filesystem::remove(it->path(), ec);
  }
  return (p.parent_path() / (stem + std::to_string(getpid()))).string();
}

void ensure_parent_dir(const std::string& path) {
  auto parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) fail_file("output", path, "cannot create directory \"{}\": {}", parent.string(), ec.message());
}

void rename_into_place(const std::string& tmp, const std::string& path) {
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    fail_file("output", path, "cannot rename from \"{}\": {}", tmp, std::strerror(errno));
}

}  // namespace

// ---- Handle ------------------------------------------------------------------------------
Handle& Handle::operator=(Handle&& o) noexcept {
  if (this != &o) {
    if (id_ >= 0) close_any(id_);
    id_ = o.id_;
    o.id_ = -1;
  }
  return *this;
}
Handle::~Handle() {
  if (id_ >= 0) close_any(id_);
}

// ---- Reader ------------------------------------------------------------------------------
Reader::Reader(const std::string& path) : path_(path) {
  if (!files::check_regular({"HDF5 file", path})) fail_file("HDF5 file", path, "no such file");
  if (H5Fis_hdf5(path.c_str()) <= 0) fail_file("HDF5 file", path, "not an HDF5 file");
  file_ = Handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (!file_) fail_file("HDF5 file", path, "cannot open (truncated or corrupt?)");
}

void Reader::fail(const std::string& ds, const std::string& reason) const {
  fail_file("HDF5 file", path_, "dataset \"{}\": {}", ds, reason);
}

bool Reader::has(const std::string& obj) const {
  if (obj == "/" || obj.empty()) return true;
  // Check each path component so missing intermediate groups are not errors.
  std::string cur;
  std::stringstream ss(obj[0] == '/' ? obj.substr(1) : obj);
  std::string part;
  while (std::getline(ss, part, '/')) {
    cur += "/" + part;
    if (H5Lexists(file_.get(), cur.c_str(), H5P_DEFAULT) <= 0) return false;
  }
  return true;
}

std::vector<hsize_t> Reader::shape(const std::string& ds) const {
  if (!has(ds)) fail(ds, "missing");
  Handle d(H5Dopen2(file_.get(), ds.c_str(), H5P_DEFAULT));
  if (!d) fail(ds, "not a dataset");
  Handle sp(H5Dget_space(d.get()));
  int nd = H5Sget_simple_extent_ndims(sp.get());
  std::vector<hsize_t> dims(nd > 0 ? nd : 0);
  if (nd > 0) H5Sget_simple_extent_dims(sp.get(), dims.data(), nullptr);
  return dims;
}

template <typename T>
std::vector<T> Reader::read(const std::string& ds) const {
  auto dims = shape(ds);
  if (dims.size() > 1) fail(ds, fmt::format("expected 1-D, has {} dimensions", dims.size()));
  Handle d(H5Dopen2(file_.get(), ds.c_str(), H5P_DEFAULT));
  Handle t(H5Dget_type(d.get()));
  auto cls = H5Tget_class(t.get());
  if (cls != H5T_INTEGER && cls != H5T_FLOAT) fail(ds, "not numeric");
  std::vector<T> out(dims.empty() ? 1 : dims[0]);
  if (!out.empty() && H5Dread(d.get(), native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
    fail(ds, "read failed");
  return out;
}

template <typename T>
Matrix<T> Reader::read_matrix(const std::string& ds) const {
  auto dims = shape(ds);
  if (dims.size() != 2) fail(ds, fmt::format("expected 2-D, has {} dimensions", dims.size()));
  return read_rows<T>(ds, 0, int64_t(dims[0]));
}

template <typename T>
Matrix<T> Reader::read_rows(const std::string& ds, int64_t first, int64_t count) const {
  auto dims = shape(ds);
  if (dims.size() != 2) fail(ds, fmt::format("expected 2-D, has {} dimensions", dims.size()));
  if (first < 0 || count < 0 || hsize_t(first + count) > dims[0])
    fail(ds, fmt::format("rows [{}, {}) out of range (has {})", first, first + count, dims[0]));
  Matrix<T> m;
  m.rows = count;
  m.cols = int64_t(dims[1]);
  m.data.resize(size_t(m.rows * m.cols));
  if (m.data.empty()) return m;
  Handle d(H5Dopen2(file_.get(), ds.c_str(), H5P_DEFAULT));
  Handle fs(H5Dget_space(d.get()));
  hsize_t start[2] = {hsize_t(first), 0}, cnt[2] = {hsize_t(count), dims[1]};
  H5Sselect_hyperslab(fs.get(), H5S_SELECT_SET, start, nullptr, cnt, nullptr);
  Handle ms(H5Screate_simple(2, cnt, nullptr));
  if (H5Dread(d.get(), native_type<T>(), ms.get(), fs.get(), H5P_DEFAULT, m.data.data()) < 0)
    fail(ds, "read failed");
  return m;
}

std::vector<std::string> Reader::read_strings(const std::string& ds) const {
  auto dims = shape(ds);
  if (dims.size() != 1) fail(ds, "expected a 1-D string dataset");
  Handle d(H5Dopen2(file_.get(), ds.c_str(), H5P_DEFAULT));
  Handle t(H5Dget_type(d.get()));
  if (H5Tget_class(t.get()) != H5T_STRING) fail(ds, "not a string dataset");
  size_t n = dims[0];
  std::vector<std::string> out(n);
  if (n == 0) return out;
  if (H5Tis_variable_str(t.get()) > 0) {
    Handle mt(H5Tcopy(H5T_C_S1));
    H5Tset_size(mt.get(), H5T_VARIABLE);
    H5Tset_cset(mt.get(), H5Tget_cset(t.get()));
    std::vector<char*> ptrs(n, nullptr);
    if (H5Dread(d.get(), mt.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()) < 0)
      fail(ds, "read failed");
    for (size_t i = 0; i < n; ++i) out[i] = ptrs[i] ? ptrs[i] : "";
    Handle sp(H5Dget_space(d.get()));
    H5Dvlen_reclaim(mt.get(), sp.get(), H5P_DEFAULT, ptrs.data());
  } else {
    size_t w = H5Tget_size(t.get());
    std::vector<char> buf(n * w);
    if (H5Dread(d.get(), t.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0)
      fail(ds, "read failed");
    for (size_t i = 0; i < n; ++i) out[i] = trim_padding(buf.data() + i * w, w);
  }
  return out;
}

bool Reader::has_attr(const std::string& obj, const std::string& name) const {
  if (!has(obj)) return false;
  return H5Aexists_by_name(file_.get(), obj.c_str(), name.c_str(), H5P_DEFAULT) > 0;
}

std::string Reader::attr_string(const std::string& obj, const std::string& name) const {
  std::string where = fmt::format("{} (attribute {})", obj, name);
  if (!has_attr(obj, name)) fail(where, "missing");
  Handle a(H5Aopen_by_name(file_.get(), obj.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT));
  Handle t(H5Aget_type(a.get()));
  if (H5Tget_class(t.get()) != H5T_STRING) fail(where, "not a string");
  if (H5Tis_variable_str(t.get()) > 0) {
    Handle mt(H5Tcopy(H5T_C_S1));
    H5Tset_size(mt.get(), H5T_VARIABLE);
    H5Tset_cset(mt.get(), H5Tget_cset(t.get()));
    char* p = nullptr;
    if (H5Aread(a.get(), mt.get(), &p) < 0) fail(where, "read failed");
    std::string s = p ? p : "";
    H5free_memory(p);
    return s;
  }
  size_t w = H5Tget_size(t.get());
  std::vector<char> buf(w);
  if (H5Aread(a.get(), t.get(), buf.data()) < 0) fail(where, "read failed");
  return trim_padding(buf.data(), w);
}

// A numeric scalar attribute converted to T; errors name the file, object and attribute.
template <typename T>
static T scalar_attr(const Reader& r, const std::string& obj, const std::string& name,
                     const char* expected) {
  std::string where = fmt::format("{} (attribute {})", obj, name);
  if (!r.has_attr(obj, name)) r.fail(where, "missing");
  Handle a(H5Aopen_by_name(r.id(), obj.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT));
  T v{};
  if (H5Aread(a.get(), native_type<T>(), &v) < 0) r.fail(where, expected);
  return v;
}

double Reader::attr_double(const std::string& obj, const std::string& name) const {
  return scalar_attr<double>(*this, obj, name, "not numeric");
}

int64_t Reader::attr_int(const std::string& obj, const std::string& name) const {
  return scalar_attr<int64_t>(*this, obj, name, "not an integer");
}

void Reader::require_format(const std::string& what, const std::string& expected) const {
  if (!has_attr("/", "format") || attr_string("/", "format") != expected)
    fail_file(what, path_, "not a kgpert {} file (attribute format != {})", what, expected);
}

// X(T) for each element type the Reader and Writer templates are instantiated for.
#define KG_H5_TYPES(X) X(float) X(double) X(int32_t) X(int64_t) X(uint8_t)

#define KG_INSTANTIATE(T)                                                              \
  template std::vector<T> Reader::read<T>(const std::string&) const;                   \
  template Matrix<T> Reader::read_matrix<T>(const std::string&) const;                 \
  template Matrix<T> Reader::read_rows<T>(const std::string&, int64_t, int64_t) const;
KG_H5_TYPES(KG_INSTANTIATE)
#undef KG_INSTANTIATE

// ---- inputs ------------------------------------------------------------------------------
InputInfo describe_input(const std::string& path, int64_t sampled_above) {
  InputInfo info;
  info.path = path;
  if (!files::check_regular({"input", path})) fail_file("input", path, "no such file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail_file("input", path, "cannot open");
  in.seekg(0, std::ios::end);
  info.size = uint64_t(std::max<std::streamoff>(0, in.tellg()));
  in.seekg(0);
  XXH3_state_t* st = XXH3_createState();
  XXH3_64bits_reset(st);
  std::vector<char> buf(static_cast<size_t>(kSampledBlock));
  auto hash = [&](uint64_t offset, uint64_t len) {
    in.clear();
    in.seekg(std::streamoff(offset));
    in.read(buf.data(), std::streamsize(len));
    if (in.gcount() != std::streamsize(len)) fail_file("input", path, "read error while checksumming");
    XXH3_64bits_update(st, buf.data(), size_t(len));
  };
  info.sampled = info.size > uint64_t(std::max(sampled_above, kSampledBlock * kSampledBlocks));
  if (!info.sampled) {
    for (uint64_t at = 0; at < info.size; at += uint64_t(kSampledBlock))
      hash(at, std::min<uint64_t>(uint64_t(kSampledBlock), info.size - at));
  } else {  // the size and kSampledBlocks evenly spaced blocks, the first and the last included
    XXH3_64bits_update(st, &info.size, sizeof info.size);
    const uint64_t last = info.size - uint64_t(kSampledBlock);
    for (int64_t k = 0; k < kSampledBlocks; ++k) hash(last / uint64_t(kSampledBlocks - 1) * uint64_t(k), uint64_t(kSampledBlock));
  }
  info.xxh3 = fmt::format("{:016x}", XXH3_64bits_digest(st));
  XXH3_freeState(st);
  return info;
}

// ---- Writer ------------------------------------------------------------------------------
Writer::Writer(std::string path) : path_(std::move(path)), tmp_(tmp_name(path_)) {
  ensure_parent_dir(path_);
  errno = 0;
  file_ = Handle(H5Fcreate(tmp_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
  if (!file_) {
    const std::string why = errno ? std::strerror(errno) : "HDF5 error";  // ENOSPC: a full disk
    std::remove(tmp_.c_str());
    fail_file("output", path_, "cannot create \"{}\": {}", tmp_, why);
  }
}

Writer::~Writer() {
  if (!committed_) {
    file_ = Handle();  // may fail on a full disk: see Silence
    std::remove(tmp_.c_str());
  }
}

void Writer::ensure_group(const std::string& g) {
  std::string cur;
  std::stringstream ss(g[0] == '/' ? g.substr(1) : g);
  std::string part;
  while (std::getline(ss, part, '/')) {
    if (part.empty()) continue;
    cur += "/" + part;
    if (H5Lexists(file_.get(), cur.c_str(), H5P_DEFAULT) <= 0) {
      Handle grp(H5Gcreate2(file_.get(), cur.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
      if (!grp) fail_file("output", path_, "cannot create group \"{}\"", cur);
    }
  }
}

static std::string parent_of(const std::string& ds) {
  auto pos = ds.rfind('/');
  return pos == std::string::npos || pos == 0 ? "/" : ds.substr(0, pos);
}

template <typename T>
void Writer::write(const std::string& ds, const T* data, const std::vector<hsize_t>& shape, bool compress) {
  ensure_group(parent_of(ds));
  Handle sp(H5Screate_simple(int(shape.size()), shape.data(), nullptr));
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE));
  hsize_t total = 1;
  for (auto s : shape) total *= s;
  // Compress larger datasets in row chunks (~1 MB) so readers can take slices.
  if (total * sizeof(T) > (1u << 16) && !shape.empty() && shape[0] > 0) {
    std::vector<hsize_t> chunk(shape);
    hsize_t row = total / shape[0];
    chunk[0] = std::max<hsize_t>(1, std::min<hsize_t>(shape[0], (1u << 20) / (row * sizeof(T) + 1)));
    for (auto& c : chunk) c = std::max<hsize_t>(c, 1);
    H5Pset_chunk(dcpl.get(), int(chunk.size()), chunk.data());
    if (compress) {
      H5Pset_shuffle(dcpl.get());
      H5Pset_deflate(dcpl.get(), 1);
    }
  }
  Handle d(H5Dcreate2(file_.get(), ds.c_str(), native_type<T>(), sp.get(), H5P_DEFAULT, dcpl.get(),
                      H5P_DEFAULT));
  if (!d) fail_file("output", path_, "cannot create dataset \"{}\"", ds);
  if (total > 0 && H5Dwrite(d.get(), native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
    fail_file("output", path_, "cannot write dataset \"{}\" (disk full?)", ds);
}

template <typename T>
void Writer::write(const std::string& ds, const std::vector<T>& v) {
  write(ds, v.data(), {hsize_t(v.size())});
}

#define KG_INSTANTIATE(T)                                                                 \
  template void Writer::write<T>(const std::string&, const T*, const std::vector<hsize_t>&, bool); \
  template void Writer::write<T>(const std::string&, const std::vector<T>&);
KG_H5_TYPES(KG_INSTANTIATE)
#undef KG_INSTANTIATE
#undef KG_H5_TYPES

void Writer::write_strings(const std::string& ds, const std::vector<std::string>& v) {
  ensure_group(parent_of(ds));
  Handle t(H5Tcopy(H5T_C_S1));
  H5Tset_size(t.get(), H5T_VARIABLE);
  H5Tset_cset(t.get(), H5T_CSET_UTF8);
  hsize_t n = v.size();
  Handle sp(H5Screate_simple(1, &n, nullptr));
  Handle d(H5Dcreate2(file_.get(), ds.c_str(), t.get(), sp.get(), H5P_DEFAULT, H5P_DEFAULT,
                      H5P_DEFAULT));
  if (!d) fail_file("output", path_, "cannot create dataset \"{}\"", ds);
  std::vector<const char*> ptrs(n);
  for (size_t i = 0; i < n; ++i) ptrs[i] = v[i].c_str();
  if (n > 0 && H5Dwrite(d.get(), t.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()) < 0)
    fail_file("output", path_, "cannot write dataset \"{}\" (disk full?)", ds);
}

static Handle open_attr_target(hid_t file, const std::string& obj) {
  return Handle(H5Oopen(file, obj.c_str(), H5P_DEFAULT));
}

void Writer::attr(const std::string& obj, const std::string& name, const std::string& v) {
  Handle o = open_attr_target(file_.get(), obj);
  if (!o) fail_file("output", path_, "no object \"{}\" for attribute \"{}\"", obj, name);
  Handle t(H5Tcopy(H5T_C_S1));
  H5Tset_size(t.get(), H5T_VARIABLE);
  H5Tset_cset(t.get(), H5T_CSET_UTF8);
  Handle sp(H5Screate(H5S_SCALAR));
  if (H5Aexists(o.get(), name.c_str()) > 0) H5Adelete(o.get(), name.c_str());
  Handle a(H5Acreate2(o.get(), name.c_str(), t.get(), sp.get(), H5P_DEFAULT, H5P_DEFAULT));
  const char* p = v.c_str();
  if (!a || H5Awrite(a.get(), t.get(), &p) < 0)
    fail_file("output", path_, "cannot write attribute \"{}\"", name);
}

template <typename T>
static void write_scalar_attr(hid_t file, const std::string& path, const std::string& obj,
                              const std::string& name, T v) {
  Handle o = open_attr_target(file, obj);
  if (!o) fail_file("output", path, "no object \"{}\" for attribute \"{}\"", obj, name);
  Handle sp(H5Screate(H5S_SCALAR));
  if (H5Aexists(o.get(), name.c_str()) > 0) H5Adelete(o.get(), name.c_str());
  Handle a(H5Acreate2(o.get(), name.c_str(), native_type<T>(), sp.get(), H5P_DEFAULT, H5P_DEFAULT));
  if (!a || H5Awrite(a.get(), native_type<T>(), &v) < 0)
    fail_file("output", path, "cannot write attribute \"{}\"", name);
}

void Writer::attr(const std::string& obj, const std::string& name, double v) {
  write_scalar_attr(file_.get(), path_, obj, name, v);
}
void Writer::attr(const std::string& obj, const std::string& name, int64_t v) {
  write_scalar_attr(file_.get(), path_, obj, name, v);
}

void Writer::provenance(const Provenance& p) {
  attr("/", "kgpert_version", version_string());
  attr("/", "stage", p.stage);
  attr("/", "command_line", p.command_line);
  attr("/", "config", p.config_yaml);
  std::string inputs;
  for (const auto& in : p.inputs)
    inputs += fmt::format("{}\t{}\t{}:{}\n", in.path, in.size, in.sampled ? "xxh3-sampled" : "xxh3", in.xxh3);
  attr("/", "inputs", inputs);
  attr("/", "host", hostname());
  attr("/", "time", utc_now());
  attr("/", "world_size", p.world_size);
  config_yaml_ = p.config_yaml;
}

void Writer::commit() {
  KG_CHECK(!committed_);
  errno = 0;
  if (H5Fflush(file_.get(), H5F_SCOPE_GLOBAL) < 0)
    fail_file("output", path_, "cannot flush \"{}\": {}", tmp_, errno ? std::strerror(errno) : "disk full?");
  file_ = Handle();  // close before rename
  if (!config_yaml_.empty()) {
    const std::string side = config_sidecar(path_);
    if (std::filesystem::path(side).filename().string().size() <= kNameMax)
      write_resolved_config(side, path_, config_yaml_);
    else  // the config is in the output's provenance all the same
      log::warn("note: no \"{}\" beside \"{}\": the name would be over {} bytes; the resolved config "
                "is in its provenance (attribute config)", side, path_, kNameMax);
  }
  rename_into_place(tmp_, path_);
  committed_ = true;
}

std::string config_sidecar(const std::string& path) {
  auto p = std::filesystem::path(path);
  return (p.parent_path() / (p.stem().string() + ".config.yaml")).string();
}

// ---- AtomicFile --------------------------------------------------------------------------
AtomicFile::AtomicFile(std::string path) : path_(std::move(path)), tmp_(tmp_name(path_)) {
  ensure_parent_dir(path_);
}
AtomicFile::~AtomicFile() {
  if (!committed_) std::remove(tmp_.c_str());
}
void AtomicFile::commit() {
  KG_CHECK(!committed_);
  rename_into_place(tmp_, path_);
  committed_ = true;
}

void write_resolved_config(const std::string& path, const std::string& output,
                           const std::string& config_yaml) {
  AtomicFile side(path);
  std::ofstream out(side.tmp_path());
  out << "# resolved config of " << output << "\n" << config_yaml;
  out.close();
  if (!out) fail_file("output", side.tmp_path(), "cannot write (disk full?)");
  side.commit();
}

std::string version_string() {
#if defined(KGPERT_VERSION) && defined(KGPERT_GIT)
  return fmt::format("{} (git {})", KGPERT_VERSION, KGPERT_GIT);
#else
  return "unknown";
#endif
}

}  // namespace kg::h5
