// The program's one logger: levelled, rank-aware, formatted with the program's one fmt.
// Library code and stages report through it and never write to stderr themselves; what a
// command prints as its result (help, `compare`'s tables, `explain`'s paths) goes to stdout.
//
//   log::info("partition: {} parts", n);   // one line (the newline is added)
//
// Levels, most to least severe: error, warn, info (the default), debug; `kgpert` sets the least
// severe level shown from KGPERT_LOG_LEVEL (error | warn | info | debug) when it starts.
// Rank 0 writes to stderr; other ranks only their errors, prefixed "[rank r] " (set_rank).
// With a rank file (open_rank_file, `dist.rank_logs`), every line a rank logs at a shown level
// also goes to its own file. Lines are written whole, so ranks' lines never interleave mid-line.
//
// Why not spdlog: its compiled library is built against Debian's fmt 9, while the torch wheel's
// LibTorch brings fmt 12 headers (the program has one fmt; see CMakeLists.txt). Levels, a rank
// prefix and a second sink are all this program needs.
#pragma once

#include <string>
#include <string_view>

#include <fmt/format.h>

namespace kg::log {

enum class Level : int { error = 0, warn = 1, info = 2, debug = 3 };

/// Parses "error" | "warn" | "info" | "debug"; throws Error naming `source` otherwise.
Level parse_level(std::string_view text, std::string_view source);

/// The least severe level shown (default info) and setting it.
Level level();
void set_level(Level level);
inline bool enabled(Level l) { return int(l) <= int(level()); }

/// This process's rank: ranks other than 0 keep stderr for their errors.
void set_rank(int rank);
int rank();

/// Every line this rank logs from now on also goes to `path` (truncated; its folder made when
/// absent); "" closes it.
void open_rank_file(const std::string& path);

/// Writes one message at `level` (a newline is added unless it ends with one).
void write(Level level, std::string_view message);

/// Text for a terminal, as is (a progress bar redrawn in place): rank 0's stderr, at level
/// info or below, never to a rank file.
void terminal(std::string_view text);

template <typename... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  write(Level::error, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::warn)) write(Level::warn, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::info)) write(Level::info, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::debug)) write(Level::debug, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace kg::log
