// The logger: levels filter, rank 0 alone writes to stderr (other ranks their errors, with a
// prefix), a rank file receives every shown line of its rank.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "core/log.hpp"

namespace kg {
namespace {

std::string read_all(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Restores rank 0, level info and no rank file after each test.
class Log : public ::testing::Test {
 protected:
  void TearDown() override {
    log::open_rank_file("");
    log::set_rank(0);
    log::set_level(log::Level::info);
  }
};

TEST_F(Log, Rank0WritesShownLevelsToStderrWithOneNewline) {
  log::set_level(log::Level::info);
  testing::internal::CaptureStderr();
  log::info("a {} line", 1);
  log::info("ends with its own newline\n");
  log::debug("hidden {}", 2);
  log::warn("shown warning");
  log::error("shown error");
  EXPECT_EQ(testing::internal::GetCapturedStderr(),
            "a 1 line\nends with its own newline\nshown warning\nshown error\n");
}

TEST_F(Log, LevelWarnHidesInfoAndTerminalText) {
  log::set_level(log::Level::warn);
  testing::internal::CaptureStderr();
  log::info("hidden");
  log::terminal("\rbar");
  log::warn("kept");
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "kept\n");
  log::set_level(log::Level::debug);
  testing::internal::CaptureStderr();
  log::debug("now {}", "shown");
  log::terminal("\rbar");
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "now shown\n\rbar");
}

TEST_F(Log, OtherRanksWriteOnlyErrorsToStderrWithTheirRank) {
  log::set_rank(3);
  testing::internal::CaptureStderr();
  log::info("quiet");
  log::warn("quiet too");
  log::terminal("\rbar");
  log::error("broken");
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "[rank 3] broken\n");
}

TEST_F(Log, RankFileGetsEveryShownLineOfItsRankButNoTerminalText) {
  const std::string path = (std::filesystem::temp_directory_path() / "kgpert_test_log.rank1.log").string();
  log::set_rank(1);
  log::open_rank_file(path);
  testing::internal::CaptureStderr();
  log::info("epoch {}", 1);
  log::debug("hidden");
  log::terminal("\rbar");
  log::error("broken");
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "[rank 1] broken\n");
  log::open_rank_file("");  // closes it
  log::info("after closing");
  EXPECT_EQ(read_all(path), "epoch 1\nbroken\n");
  std::filesystem::remove(path);
}

TEST_F(Log, RankFileThatCannotBeOpenedNamesThePath) {
  try {
    log::open_rank_file("/proc/x/y.rank0.log");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("\"/proc/x/y.rank0.log\": cannot open for writing: "), std::string::npos)
        << e.what();
  }
}

TEST(LogLevel, ParsesTheFourNamesAndRefusesOthersNamingTheSource) {
  EXPECT_EQ(log::parse_level("error", "x"), log::Level::error);
  EXPECT_EQ(log::parse_level("warn", "x"), log::Level::warn);
  EXPECT_EQ(log::parse_level("info", "x"), log::Level::info);
  EXPECT_EQ(log::parse_level("debug", "x"), log::Level::debug);
  try {
    log::parse_level("verbose", "KGPERT_LOG_LEVEL");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "KGPERT_LOG_LEVEL \"verbose\": expected error, warn, info or debug");
  }
}

}  // namespace
}  // namespace kg
