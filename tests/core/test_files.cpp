// The checks every stage runs on its files before reading: non-regular inputs refused without
// opening them, an output that is an input (same path, link, hard link, `..`), two outputs
// or two inputs that are one file.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "core/files.hpp"
#include "support/kgtest.hpp"

namespace fs = std::filesystem;
using kg::files::check_regular;
using kg::files::check_stage_files;
using kgtest::expect_error;

namespace {

// A fresh directory for the running test.
std::string dir() {
  const auto* t = ::testing::UnitTest::GetInstance()->current_test_info();
  auto d = fs::path(::testing::TempDir()) / (std::string("files.") + t->name());
  fs::remove_all(d);
  fs::create_directories(d);
  return d.string();
}

std::string touch(const std::string& p) {
  std::ofstream(p) << "x";
  return p;
}

}  // namespace

TEST(Files, RegularFilesPassMissingOnesAreLeftToTheReader) {
  const std::string d = dir();
  EXPECT_TRUE(check_regular({"--in", touch(d + "/a")}));
  EXPECT_FALSE(check_regular({"--in", d + "/absent"}));
}

TEST(Files, NonRegularInputsAreRefusedWithoutOpening) {
  const std::string d = dir();
  ASSERT_EQ(::mkfifo((d + "/fifo").c_str(), 0600), 0);
  // Opening the FIFO would block this test forever: the check must only stat it.
  expect_error([&] { check_regular({"--samples", d + "/fifo"}); },
               {"--samples \"", "/fifo\": is a FIFO, not a regular file"});
  expect_error([&] { check_regular({"inputs.gctx", d}); }, {"inputs.gctx \"", "\": is a directory, not a file"});
  expect_error([&] { check_regular({"--graph", "/dev/null"}); },
               {"--graph \"/dev/null\": is a character device, not a regular file"});
  touch(d + "/file");
  expect_error([&] { check_regular({"--graph", d + "/file/x"}); }, {"a component of the path is a file"});
  fs::create_symlink(d + "/loop2", d + "/loop1");
  fs::create_symlink(d + "/loop1", d + "/loop2");
  expect_error([&] { check_regular({"--graph", d + "/loop1"}); }, {"cannot look at it"});
}

TEST(Files, SameFileByPathLinkHardLinkAndDotDot) {
  const std::string d = dir();
  const std::string a = touch(d + "/a.h5"), b = touch(d + "/b.h5");
  fs::create_directories(d + "/sub");
  fs::create_symlink(a, d + "/sym.h5");
  fs::create_hard_link(a, d + "/hard.h5");
  EXPECT_TRUE(kg::files::same_file(a, a));
  EXPECT_TRUE(kg::files::same_file(a, d + "/sym.h5"));
  EXPECT_TRUE(kg::files::same_file(a, d + "/hard.h5"));
  EXPECT_TRUE(kg::files::same_file(a, d + "/sub/../a.h5"));
  EXPECT_FALSE(kg::files::same_file(a, b));
  // Neither exists: the same once resolved.
  EXPECT_TRUE(kg::files::same_file(d + "/new.h5", d + "/sub/../new.h5"));
  EXPECT_FALSE(kg::files::same_file(d + "/new.h5", d + "/new2.h5"));
}

TEST(Files, OutputThatIsAnInputIsRefused) {
  const std::string d = dir();
  const std::string in = touch(d + "/samples.h5");
  fs::create_hard_link(in, d + "/hard.h5");
  fs::create_symlink(in, d + "/sym.h5");
  for (const std::string out : {in, d + "/hard.h5", d + "/sym.h5", d + "/./sub/../samples.h5"}) {
    fs::create_directories(d + "/sub");
    expect_error([&] { check_stage_files({{"--samples", in}}, {{"--out", out}}); },
                 {"--out \"" + out + "\": is the input given as --samples; refusing to overwrite an input"});
  }
  // A new output beside the input is fine.
  EXPECT_NO_THROW(check_stage_files({{"--samples", in}}, {{"--out", d + "/split.h5"}}));
}

TEST(Files, TwoOutputsOrTwoInputsThatAreOneFile) {
  const std::string d = dir();
  const std::string g = touch(d + "/g.h5");
  expect_error([&] { check_stage_files({}, {{"--graph", d + "/o.h5"}, {"--samples", d + "/o.h5"}}); },
               {"--samples \"", "is the same file as --graph; each output needs a file of its own"});
  expect_error([&] { check_stage_files({{"--graph", g}, {"--samples", g}}, {}); },
               {"--samples \"", "is the same file as --graph (each input must be a file of its own)"});
}

TEST(Files, OutputsThatAreDirectoriesOrDirectoriesThatAreFiles) {
  const std::string d = dir();
  const std::string f = touch(d + "/f");
  expect_error([&] { check_stage_files({}, {{"--out", d}}); }, {"is a directory; give the name of the file to write"});
  expect_error([&] { check_stage_files({}, {}, {{"--out", f}}); }, {"exists and is not a directory"});
  EXPECT_NO_THROW(check_stage_files({}, {}, {{"--out", d}}));
  EXPECT_NO_THROW(check_stage_files({}, {}, {{"--out", d + "/new"}}));
}
