// main() of every GoogleTest program but the MPI one: the tests run inside a temporary directory
// of the program's own (mkdtemp under $TMPDIR or /tmp), which TEST_TMPDIR and TMPDIR point to
// (so ::testing::TempDir(), kgtest::tmp_file and std::filesystem::temp_directory_path all land
// there), and which is removed, with whatever the tests left in it, when they end. MKL (the BLAS
// of the torch wheel's LibTorch) runs in its strict reproducibility mode, unless MKL_CBWR says
// otherwise: its GEMMs would split their sums by the number of threads and the shapes, and tests
// compare bits across thread counts and code paths closely (Debian's OpenBLAS does not do that).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <system_error>

int main(int argc, char** argv) {
  const char* parent = std::getenv("TMPDIR");
  std::string tmpl = std::string(parent && *parent ? parent : "/tmp") + "/kgpert-gtest.XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    std::cerr << "cannot create a temporary directory from " << tmpl << "\n";
    return 1;
  }
  const std::string dir = tmpl;
  setenv("TEST_TMPDIR", dir.c_str(), 1);
  setenv("TMPDIR", dir.c_str(), 1);
  setenv("MKL_CBWR", "AUTO,STRICT", 0);  // read at MKL's first call, after this
  ::testing::InitGoogleTest(&argc, argv);
  const int rc = RUN_ALL_TESTS();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (ec) std::cerr << "cannot remove " << dir << ": " << ec.message() << "\n";
  return rc;
}
