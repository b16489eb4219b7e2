// kgpert: one program, one subcommand per pipeline stage (see `kgpert help`).
#include <unistd.h>

#include <cstdlib>

#include "stages/cli.hpp"

int main(int argc, char** argv) {
  // OpenMP threads that spin while idle take the cores from OpenBLAS's threads and from other
  // ranks or jobs on the machine: with 2 threads on 2 cores a GAT step ran 3x slower than with
  // one. libgomp reads OMP_WAIT_POLICY when it is loaded, before main, so the program starts
  // itself again once with PASSIVE (sleeping) waits unless the caller chose a policy.
  if (!std::getenv("OMP_WAIT_POLICY")) {
    setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    execv("/proc/self/exe", argv);  // returns only on failure: then go on as we are
  }
  return kg::run_cli(argc, argv);
}
