// Command-line front end: parses `kgpert <stage> [options]`, dispatches from the stage table,
// and turns errors into one line `kgpert <stage>: <message>` and a non-zero exit.
#pragma once

#include <string>
#include <vector>

namespace kg {

/// Runs the program; returns the exit status.
int run_cli(int argc, char** argv);

/// Quotes `arg` for a POSIX shell when needed (for the recorded command line).
std::string shell_quote(const std::string& arg);

}  // namespace kg
