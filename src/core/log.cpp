// The logger's state: the level, this process's rank and its rank file (see log.hpp).
#include "core/log.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <mutex>

#include "core/error.hpp"

namespace kg::log {
namespace {

struct State {
  std::mutex mutex;          // whole lines: OpenMP threads may log at once
  std::FILE* rank_file = nullptr;
  std::string rank_path;
};

State& state() {
  static State s;
  return s;
}

std::atomic<int> g_level{int(Level::info)};
std::atomic<int> g_rank{0};

void put(std::FILE* f, std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), f);
  std::fflush(f);
}

}  // namespace

Level parse_level(std::string_view text, std::string_view source) {
  if (text == "error") return Level::error;
  if (text == "warn") return Level::warn;
  if (text == "info") return Level::info;
  if (text == "debug") return Level::debug;
  fail("{} \"{}\": expected error, warn, info or debug", source, text);
}

Level level() { return Level(g_level.load(std::memory_order_relaxed)); }
void set_level(Level l) { g_level.store(int(l), std::memory_order_relaxed); }

void set_rank(int rank) { g_rank.store(rank, std::memory_order_relaxed); }
int rank() { return g_rank.load(std::memory_order_relaxed); }

void open_rank_file(const std::string& path) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  if (s.rank_file) std::fclose(s.rank_file), s.rank_file = nullptr;
  s.rank_path.clear();
  if (path.empty()) return;
  const auto dir = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);  // fopen says why if this failed
  s.rank_file = std::fopen(path.c_str(), "w");
  if (!s.rank_file) fail_file("rank log", path, "cannot open for writing: {}", std::strerror(errno));
  s.rank_path = path;
}

void write(Level l, std::string_view message) {
  if (!enabled(l) && l != Level::error) return;
  std::string line(message);
  if (line.empty() || line.back() != '\n') line += '\n';
  const int r = rank();
  State& s = state();
  std::lock_guard lock(s.mutex);
  if (r == 0) put(stderr, line);
  else if (l == Level::error) put(stderr, fmt::format("[rank {}] {}", r, line));
  if (s.rank_file) put(s.rank_file, line);
}

void terminal(std::string_view text) {
  if (rank() != 0 || !enabled(Level::info)) return;
  std::lock_guard lock(state().mutex);
  put(stderr, text);
}

}  // namespace kg::log
