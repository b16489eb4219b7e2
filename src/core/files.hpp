// The files a stage is given, checked before it reads any of them: every input is a regular
// file (a FIFO is never opened, so it cannot block), no output is one of the inputs, and no two
// outputs, or two inputs, are the same file.
#pragma once

#include <string>
#include <vector>

namespace kg::files {

/// A file named on the command line or in the config; `source` says where, as a user would
/// recognise it: "--graph", "inputs.kg_csv", "argument 2", "config beside --out".
struct FileArg {
  std::string source;
  std::string path;
};

/// Throws kg::Error `<source> "<path>": <reason>` when the path exists and is not a regular
/// file ("is a directory", "is a FIFO, not a regular file", a device, a socket), or cannot be
/// looked at (a symbolic-link loop, a component that is a file). Returns whether it exists;
/// a missing input is left to its reader, whose message says what the file should hold.
/// Only stat(2) is used: nothing is opened.
bool check_regular(const FileArg& f);

/// Whether two paths name the same file: the same device and inode when both exist (a hard
/// link counts), else the same absolute path once symbolic links and `..` are resolved.
bool same_file(const std::string& a, const std::string& b);

/// Refuses, before a stage reads anything (each a kg::Error naming both sources):
///  - an input that exists and is not a regular file (check_regular);
///  - two inputs that are the same file (`--samples "x": is the same file as --graph`);
///  - an output that is one of the inputs (`--out "x": is the input given as --samples`);
///  - two outputs that are the same file;
///  - an output that is an existing directory, or an output directory that is an existing
///    file (`out_dirs`).
void check_stage_files(const std::vector<FileArg>& inputs, const std::vector<FileArg>& outputs,
                       const std::vector<FileArg>& out_dirs = {});

}  // namespace kg::files
