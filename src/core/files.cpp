// Input/output checks every stage runs before reading: see files.hpp.
#include "core/files.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/error.hpp"

namespace kg::files {
namespace {

namespace fs = std::filesystem;

// What a path is, in words, when it is not a regular file.
const char* kind_of(mode_t m) {
  if (S_ISDIR(m)) return "is a directory, not a file";
  if (S_ISFIFO(m)) return "is a FIFO, not a regular file";
  if (S_ISCHR(m)) return "is a character device, not a regular file";
  if (S_ISBLK(m)) return "is a block device, not a regular file";
  if (S_ISSOCK(m)) return "is a socket, not a regular file";
  return "is not a regular file";
}

// stat(2) following links. False when the path does not exist (ENOENT, or ENOTDIR for
// "file/x"); other failures (a link loop, no permission to search a directory) are errors.
bool stat_path(const FileArg& f, struct stat& st) {
  if (::stat(f.path.c_str(), &st) == 0) return true;
  if (errno == ENOENT) return false;
  if (errno == ENOTDIR) fail_file(f.source, f.path, "a component of the path is a file, not a directory");
  fail_file(f.source, f.path, "cannot look at it: {}", std::strerror(errno));
}

// The absolute path with links and `..` resolved as far as the path exists.
std::string resolved(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::absolute(path, ec);
  if (ec) return path;
  fs::path w = fs::weakly_canonical(p, ec);
  return (ec ? p.lexically_normal() : w).string();
}

struct Identity {
  bool exists = false;
  dev_t dev = 0;
  ino_t ino = 0;
  std::string path;  // resolved
};

Identity identify(const std::string& path) {
  Identity id;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) id.exists = true, id.dev = st.st_dev, id.ino = st.st_ino;
  id.path = resolved(path);
  return id;
}

bool same(const Identity& a, const Identity& b) {
  if (a.exists && b.exists) return a.dev == b.dev && a.ino == b.ino;
  return a.path == b.path;
}

}  // namespace

bool check_regular(const FileArg& f) {
  if (f.path.empty()) fail("{} is an empty path", f.source);
  struct stat st {};
  if (!stat_path(f, st)) return false;
  if (!S_ISREG(st.st_mode)) fail_file(f.source, f.path, "{}", kind_of(st.st_mode));
  return true;
}

bool same_file(const std::string& a, const std::string& b) { return same(identify(a), identify(b)); }

void check_stage_files(const std::vector<FileArg>& inputs, const std::vector<FileArg>& outputs,
                       const std::vector<FileArg>& out_dirs) {
  std::vector<Identity> in_ids;
  for (size_t i = 0; i < inputs.size(); ++i) {
    check_regular(inputs[i]);
    in_ids.push_back(identify(inputs[i].path));
    for (size_t j = 0; j < i; ++j)
      if (same(in_ids[i], in_ids[j]))
        fail_file(inputs[i].source, inputs[i].path, "is the same file as {} (each input must be a file of its own)",
                  inputs[j].source);
  }
  std::vector<Identity> out_ids;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const FileArg& o = outputs[i];
    if (o.path.empty()) fail("{} is an empty path", o.source);
    struct stat st {};
    if (stat_path(o, st) && S_ISDIR(st.st_mode))
      fail_file(o.source, o.path, "is a directory; give the name of the file to write");
    out_ids.push_back(identify(o.path));
    for (size_t j = 0; j < inputs.size(); ++j)
      if (same(out_ids[i], in_ids[j]))
        fail_file(o.source, o.path, "is the input given as {}; refusing to overwrite an input", inputs[j].source);
    for (size_t j = 0; j < i; ++j)
      if (same(out_ids[i], out_ids[j]))
        fail_file(o.source, o.path, "is the same file as {}; each output needs a file of its own", outputs[j].source);
  }
  for (const FileArg& d : out_dirs) {
    if (d.path.empty()) fail("{} is an empty path", d.source);
    struct stat st {};
    if (stat_path(d, st) && !S_ISDIR(st.st_mode))
      fail_file(d.source, d.path, "exists and is not a directory (this option names a directory to write into)");
  }
}

}  // namespace kg::files
