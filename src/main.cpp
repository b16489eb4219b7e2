// kgpert: one program, one subcommand per pipeline stage (see `kgpert help`).
#include "stages/cli.hpp"

int main(int argc, char** argv) { return kg::run_cli(argc, argv); }
