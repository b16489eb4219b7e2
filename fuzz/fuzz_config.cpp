// Fuzz target: the YAML config (yaml-cpp parsing, then every key's type and range checks).
#include "common.hpp"
#include "core/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = kg::fuzz::write_temp(data, size, ".yaml");
  kg::fuzz::expect_ok_or_error([&] {
    kg::Config c = kg::Config::load(path);
    (void)c.to_yaml();
  });
  return 0;
}
