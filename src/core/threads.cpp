// Sets the thread counts of OpenMP and OpenBLAS from the config, so their pools do not
// fight over the cores. OpenBLAS is reached through dlsym: it may be absent (reference BLAS).
#include <dlfcn.h>
#include <omp.h>

#include <cstdlib>
#include <string>

#include "core/config.hpp"

namespace kg {

void apply_threads(const Config& cfg) {
  int n = int(cfg.threads);
  std::string s = std::to_string(n);
  setenv("OMP_NUM_THREADS", s.c_str(), 1);
  setenv("OPENBLAS_NUM_THREADS", s.c_str(), 1);
  omp_set_num_threads(n);
  using SetFn = void (*)(int);
  if (auto fn = reinterpret_cast<SetFn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) fn(n);
}

}  // namespace kg
