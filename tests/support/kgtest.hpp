// Helpers shared by the GoogleTest suites: the real data beside the checkout, per-test
// temporary files, and checks on the messages of kg::Error.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>

#include "core/error.hpp"

namespace kgtest {

/// ../shared/data/real beside the checkout (absent in a user's clone).
inline std::string real_dir() { return std::string(KGPERT_SOURCE_DIR) + "/../shared/data/real"; }

/// A file under the test temp dir, named after the running test (safe under `ctest -j`),
/// holding `content` byte for byte.
inline std::string tmp_file(const std::string& name, const std::string& content) {
  const auto* t = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string p = ::testing::TempDir() + t->test_suite_name() + "." + t->name() + "_" + name;
  std::ofstream(p, std::ios::binary) << content;
  return p;
}

/// The whole content of a file ("" when it cannot be read).
inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Path of `name` under the test temp dir, removed first with whatever it held.
inline std::string fresh_dir(const std::string& name) {
  auto d = std::filesystem::path(::testing::TempDir()) / name;
  std::filesystem::remove_all(d);
  return d.string();
}

/// The message of the kg::Error that fn throws ("" when it throws none).
template <typename Fn>
std::string error_of(Fn fn) {
  try {
    fn();
  } catch (const kg::Error& e) {
    return e.what();
  }
  return "";
}

/// Expects `fn` to throw kg::Error whose message contains every piece of `parts`.
template <typename Fn>
void expect_error(Fn&& fn, std::initializer_list<std::string> parts) {
  try {
    fn();
    ADD_FAILURE() << "no kg::Error thrown";
  } catch (const kg::Error& e) {
    for (const auto& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
}

}  // namespace kgtest

/// Declares `var` = a file of the real data, or skips the test (saying why) when it is absent.
#define KG_REAL_FILE(var, rel)                                                          \
  const std::string var = kgtest::real_dir() + "/" + (rel);                            \
  if (!std::filesystem::exists(var))                                                    \
  GTEST_SKIP() << "real data absent (a clone without ../shared): " << var
