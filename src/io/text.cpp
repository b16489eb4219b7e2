// Delimited-text reading and writing: the byte scanner behind every table and kg.csv reader,
// the Table of named columns, and the atomic quoting writer.
#include "io/text.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/h5.hpp"

namespace kg::text {

// ---- file bytes --------------------------------------------------------------------------

namespace {

// Inflates a gzip file (all members) into memory. Real tables deflate 3-20x; past 64 MiB
// inflated and kMaxGzipRatio x the file, it is refused as a decompression bomb (gzip reaches
// ~1000x on repeated bytes), before it takes the memory.
std::string inflate_file(const std::string& path, const std::string& what, size_t file_size) {
  gzFile gz = gzopen(path.c_str(), "rb");
  if (!gz) fail_file(what, path, "cannot open: {}", std::strerror(errno));
  gzbuffer(gz, 1 << 20);
  std::string out;
  constexpr size_t kChunk = 4 << 20;
  for (;;) {
    size_t old = out.size();
    out.resize(old + kChunk);
    int n = gzread(gz, out.data() + old, unsigned(kChunk));
    if (n < 0) {
      int err = 0;
      std::string msg = gzerror(gz, &err);
      gzclose(gz);
      fail_file(what, path, "gzip: {}", msg);
    }
    out.resize(old + size_t(n));
    if (n == 0) break;
    if (out.size() > kMinGzipBomb && out.size() / kMaxGzipRatio > file_size) {
      gzclose(gz);
      fail_file(what, path, "gzip inflates to over {}x its {} bytes: refused as a decompression bomb",
                kMaxGzipRatio, file_size);
    }
  }
  gzclose(gz);
  return out;
}

}  // namespace

FileBytes::FileBytes(const std::string& path, const std::string& what) {
  // stat before open: opening a FIFO would block until a writer comes, maybe forever.
  if (!files::check_regular({what, path})) fail_file(what, path, "cannot open: {}", std::strerror(ENOENT));
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) fail_file(what, path, "cannot open: {}", std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    fail_file(what, path, "not a regular file");
  }
  size_ = size_t(st.st_size);
  if (size_ == 0) {
    ::close(fd);
    return;
  }
  void* m = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
  int map_errno = errno;
  ::close(fd);
  if (m == MAP_FAILED) fail_file(what, path, "cannot map: {}", std::strerror(map_errno));
  ::madvise(m, size_, MADV_SEQUENTIAL);
  const auto* b = static_cast<const unsigned char*>(m);
  if (size_ >= 2 && b[0] == 0x1f && b[1] == 0x8b) {
    ::munmap(m, size_);
    inflated_ = inflate_file(path, what, size_);
    data_ = inflated_.data();
    size_ = inflated_.size();
    return;
  }
  map_ = m;
  data_ = static_cast<const char*>(m);
}

FileBytes::~FileBytes() {
  if (map_) ::munmap(map_, size_);
}

// ---- UTF-8 / Latin-1 -----------------------------------------------------------------------

namespace {

// Length of the valid UTF-8 sequence at p (1..4), or 0 when the bytes there are not one.
size_t utf8_len(const unsigned char* p, size_t avail) {
  unsigned char c = p[0];
  if (c < 0x80) return 1;
  auto cont = [&](size_t i, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
    return i < avail && p[i] >= lo && p[i] <= hi;
  };
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  for (size_t i = 0, n = s.size(); i < n;) {
    size_t k = utf8_len(p + i, n - i);
    if (k == 0) return false;
    i += k;
  }
  return true;
}

// Appends s, keeping valid UTF-8 sequences and re-encoding every other byte as Latin-1.
// Decided per sequence, so a file mixing both (a UTF-8 header, Latin-1 µ in values) reads.
void append_as_utf8(std::string& out, std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  for (size_t i = 0, n = s.size(); i < n;) {
    size_t k = utf8_len(p + i, n - i);
    if (k > 0) {
      out.append(s.data() + i, k);
      i += k;
    } else {
      out.push_back(char(0xC0 | (p[i] >> 6)));
      out.push_back(char(0x80 | (p[i] & 0x3F)));
      ++i;
    }
  }
}

// ---- the scanner ---------------------------------------------------------------------------

enum : uint8_t { kPlain = 0, kHigh = 1, kStop = 2 };

// A field as found: raw bytes, or (when it had to be rewritten) a range of the scratch buffer.
struct FieldRef {
  const char* p;  // the raw bytes, when !scratch
  size_t off;     // offset into the scratch buffer, when scratch (it may still grow)
  size_t n;
  bool scratch;
};

class Scanner {
 public:
  Scanner(std::string_view bytes, const std::string& path, const ReadOptions& opt)
      : p_(bytes.data()), end_(bytes.data() + bytes.size()), path_(path), opt_(opt) {
    for (int c = 0x80; c < 0x100; ++c) cls_[c] = kHigh;
    cls_[uint8_t(opt.delim)] = cls_['\n'] = cls_['\r'] = kStop;
    if (bytes.size() >= 3 && std::memcmp(p_, "\xEF\xBB\xBF", 3) == 0) p_ += 3;
  }

  void run(const RecordFn& on_record) {
    std::vector<std::string_view> fields;
    while (p_ < end_) {
      int64_t start = line_;
      next_record();
      if (refs_.size() == 1 && refs_[0].n == 0) continue;  // blank line
      fields.clear();
      for (const FieldRef& r : refs_)
        fields.emplace_back(r.scratch ? scratch_.data() + r.off : r.p, r.n);
      on_record(fields, start);
    }
  }

 private:
  // Scans one record (through its line end) into refs_.
  void next_record() {
    refs_.clear();
    scratch_.clear();
    rec_line_ = line_;
    lim_ = size_t(end_ - p_) > opt_.max_record_bytes ? p_ + opt_.max_record_bytes : end_;
    for (;;) {
      if (p_ < end_ && *p_ == '"')
        quoted_field();
      else
        plain_field();
      if (refs_.size() > opt_.max_fields)
        fail_file(opt_.what, path_, "line {}: more than {} fields in a record", rec_line_,
                  opt_.max_fields);
      if (p_ == end_) return;
      char c = *p_++;
      if (c == opt_.delim) continue;  // at EOF the loop still adds the last, empty field
      if (c == '\r' && p_ < end_ && *p_ == '\n') ++p_;
      ++line_;
      return;
    }
  }

  void plain_field() {
    const char* s = p_;
    bool high = false;
    while (p_ < lim_) {
      uint8_t k = cls_[uint8_t(*p_)];
      if (k == kPlain) {
        ++p_;
      } else if (k == kHigh) {
        high = true;
        ++p_;
      } else {
        break;
      }
    }
    if (p_ >= lim_ && p_ < end_ && *p_ != '\n' && *p_ != '\r') too_long();  // lim_ < end_
    std::string_view raw(s, size_t(p_ - s));
    if (high && !valid_utf8(raw))
      push_scratch(raw, false);
    else
      refs_.push_back({s, 0, raw.size(), false});
  }

  void quoted_field() {
    int64_t open_line = line_;
    const char* s = ++p_;
    bool doubled = false, high = false;
    for (;;) {
      if (p_ >= lim_ && lim_ != end_) too_long();
      if (p_ == end_)
        fail_file(opt_.what, path_, "line {}: unterminated quoted field (opened on line {})",
                  line_, open_line);
      char c = *p_;
      if (c == '"') {
        if (p_ + 1 < end_ && p_[1] == '"') {
          doubled = true;
          p_ += 2;
          continue;
        }
        break;
      }
      if (c == '\n' || (c == '\r' && !(p_ + 1 < end_ && p_[1] == '\n'))) ++line_;
      if (uint8_t(c) >= 0x80) high = true;
      ++p_;
    }
    std::string_view raw(s, size_t(p_ - s));
    ++p_;  // the closing quote
    if (p_ < end_ && cls_[uint8_t(*p_)] != kStop)
      fail_file(opt_.what, path_, "line {}: unexpected character '{}' after a closing quote",
                line_, *p_);
    if (doubled || (high && !valid_utf8(raw)))
      push_scratch(raw, doubled);
    else
      refs_.push_back({s, 0, raw.size(), false});
  }

  [[noreturn]] void too_long() const {
    fail_file(opt_.what, path_, "line {}: record longer than {} bytes", rec_line_,
              opt_.max_record_bytes);
  }

  // Rewrites a field into scratch_: `""` -> `"` (when quoted) and Latin-1 -> UTF-8.
  void push_scratch(std::string_view raw, bool undouble) {
    size_t off = scratch_.size();
    if (!undouble) {
      append_as_utf8(scratch_, raw);
    } else {
      std::string tmp;
      tmp.reserve(raw.size());
      for (size_t i = 0; i < raw.size(); ++i) {
        tmp.push_back(raw[i]);
        if (raw[i] == '"') ++i;  // the scanner guaranteed the pair
      }
      append_as_utf8(scratch_, tmp);
    }
    refs_.push_back({nullptr, off, scratch_.size() - off, true});
  }

  const char* p_;
  const char* end_;
  const char* lim_ = nullptr;  // where the current record exceeds max_record_bytes
  int64_t rec_line_ = 1;       // the line it starts on
  const std::string& path_;
  const ReadOptions& opt_;
  std::array<uint8_t, 256> cls_{};
  int64_t line_ = 1;
  std::vector<FieldRef> refs_;
  std::string scratch_;
};

}  // namespace

void for_each_record(std::string_view bytes, const std::string& path, const ReadOptions& opt,
                     const RecordFn& on_record) {
  KG_CHECK(opt.delim != '"' && opt.delim != '\n' && opt.delim != '\r' && opt.delim != 0);
  Scanner(bytes, path, opt).run(on_record);
}

void for_each_record(const std::string& path, const ReadOptions& opt, const RecordFn& on_record) {
  FileBytes f(path, opt.what);
  for_each_record(f.data(), path, opt, on_record);
}

// ---- Table ---------------------------------------------------------------------------------

namespace {

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

char sniff_delim(std::string_view bytes) {
  size_t eol = bytes.find_first_of("\r\n");
  std::string_view first = bytes.substr(0, eol);
  return first.find('\t') != std::string_view::npos ? '\t' : ',';
}

}  // namespace

void Column::push_back(std::string_view v) {
  if (data_.size() + v.size() > UINT32_MAX) fail("a table column exceeds 4 GiB");
  data_.append(v);
  ends_.push_back(uint32_t(data_.size()));
}

const Column& Table::column(const std::string& name) const {
  if (const auto* c = find(name)) return *c;
  KG_CHECK(!has(name), "column \"{}\" was read but not kept", name);
  fail(fmt::format("no column \"{}\" (columns: {})", name, join_names(header_)));
}

const Column* Table::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() || !kept_[it->second] ? nullptr : &columns_[it->second];
}

const Column* Table::find_any(std::initializer_list<const char*> names) const {
  for (const char* n : names)
    if (const auto* c = find(n)) return c;
  return nullptr;
}

void Table::fail(const std::string& msg) const { fail_file(what_, path_, "{}", msg); }

void Table::fail_row(size_t row, const std::string& msg) const {
  fail_file(what_, path_, "line {}: {}", lines_.at(row), msg);
}

Table read_table(const std::string& path, char delim, const std::string& what,
                 const std::vector<std::string>& keep) {
  FileBytes bytes(path, what);
  ReadOptions opt;
  opt.delim = delim ? delim : sniff_delim(bytes.data());
  opt.what = what;
  Table t;
  t.path_ = path;
  t.what_ = what;
  bool have_header = false;
  for_each_record(bytes.data(), path, opt, [&](const std::vector<std::string_view>& f, int64_t line) {
    if (!have_header) {
      have_header = true;
      for (size_t i = 0; i < f.size(); ++i) {
        t.header_.emplace_back(f[i]);
        if (!t.index_.emplace(t.header_.back(), i).second)
          fail_file(what, path, "line {}: duplicate column \"{}\"", line, f[i]);
      }
      t.columns_.resize(f.size());
      for (const auto& h : t.header_)
        t.kept_.push_back(keep.empty() || std::find(keep.begin(), keep.end(), h) != keep.end());
      return;
    }
    if (f.size() != t.header_.size())
      fail_file(what, path, "line {}: expected {} fields (as the header), got {}", line,
                t.header_.size(), f.size());
    for (size_t i = 0; i < f.size(); ++i)
      if (t.kept_[i]) t.columns_[i].push_back(f[i]);
    t.lines_.push_back(line);
  });
  if (!have_header) fail_file(what, path, "empty file (no header line)");
  return t;
}

// ---- writing -------------------------------------------------------------------------------

void write_delimited_field(std::string& out, std::string_view field, char delim) {
  bool quote = false;
  for (char c : field)
    if (c == delim || c == '"' || c == '\n' || c == '\r') {
      quote = true;
      break;
    }
  if (!quote) {
    out.append(field);
    return;
  }
  out.push_back('"');
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

DelimitedWriter::DelimitedWriter(const std::string& path, char delim, const std::string& what)
    : path_(path), what_(what), delim_(delim), file_(std::make_unique<h5::AtomicFile>(path)) {
  fp_ = std::fopen(file_->tmp_path().c_str(), "wb");
  if (!fp_)
    fail_file(what_, path_, "cannot create \"{}\": {}", file_->tmp_path(), std::strerror(errno));
  buf_.reserve(1 << 20);
}

DelimitedWriter::~DelimitedWriter() {
  if (fp_) std::fclose(fp_);  // uncommitted: the AtomicFile removes the temporary file
}

void DelimitedWriter::row(const std::vector<std::string_view>& fields) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) buf_.push_back(delim_);
    write_delimited_field(buf_, fields[i], delim_);
  }
  buf_.push_back('\n');
  if (buf_.size() >= (1 << 20)) flush();
}

void DelimitedWriter::row(std::initializer_list<std::string_view> fields) {
  size_t i = 0;
  for (std::string_view f : fields) {
    if (i++) buf_.push_back(delim_);
    write_delimited_field(buf_, f, delim_);
  }
  buf_.push_back('\n');
  if (buf_.size() >= (1 << 20)) flush();
}

void DelimitedWriter::flush() {
  KG_CHECK(fp_ != nullptr, "write after commit");
  if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), fp_) != buf_.size())
    fail_file(what_, path_, "write failed: {}", std::strerror(errno));
  buf_.clear();
}

void DelimitedWriter::commit() {
  flush();
  int rc = std::fclose(fp_);
  fp_ = nullptr;
  if (rc != 0) fail_file(what_, path_, "write failed: {}", std::strerror(errno));
  file_->commit();
}

bool is_missing(std::string_view v) {
  return v.empty() || v == "-666" || v == "-666.0" || v == "NA" || v == "nan" || v == "NaN";
}

}  // namespace kg::text
