// The texts of `pgshift --help` and `pgshift COMMAND --help`: what each command does, its
// options with their defaults, and its exit codes. Pure functions; any thread.
#pragma once

#include <string>

namespace pgshift::cli {

std::string usage();
// The help of `command`; usage() for a name that is not a command.
std::string command_help(const std::string& command);

}  // namespace pgshift::cli
