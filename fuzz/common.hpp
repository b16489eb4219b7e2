// Shared by the fuzz targets: the readers take a path, so each input is written to one
// temporary file per process (in /dev/shm when there is one: no disk I/O per execution), and
// kg::Error, the readers' way to refuse bad input, is the expected outcome; anything else
// (another exception, a crash, a sanitizer report) reaches libFuzzer as a finding.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/error.hpp"

namespace kg::fuzz {

/// A per-process temporary path ending in `suffix`, removed at exit.
inline const std::string& temp_path(const char* suffix) {
  static const std::string path = [&] {
    const char* dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    std::string p = std::string(dir) + "/kgpert-fuzz-" + std::to_string(getpid()) + suffix;
    static std::string at_exit_path = p;
    std::atexit([] { std::remove(at_exit_path.c_str()); });
    return p;
  }();
  return path;
}

/// Writes `data` to the temporary file and returns its path.
inline const std::string& write_temp(const uint8_t* data, size_t size, const char* suffix) {
  const std::string& path = temp_path(suffix);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f || (size && std::fwrite(data, 1, size, f) != size) || std::fclose(f) != 0) {
    std::perror(path.c_str());
    std::abort();  // the harness itself failed: not a finding about the parser
  }
  return path;
}

/// Runs `read`; a kg::Error (input refused with a message) is fine, anything else escapes.
template <typename F>
void expect_ok_or_error(F&& read) {
  try {
    read();
  } catch (const kg::Error&) {
  }
}

}  // namespace kg::fuzz
