// Command-line parsing for `pgshift`, as a pure function from argv (and the PGSHIFT_SOURCE /
// PGSHIFT_TARGET environment) to a validated command. Help texts live here too.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "engine/migrate/migrate_options.hpp"

namespace pgshift::cli {

struct Command {
  std::string name;  // plan | migrate | sync | verify | status | cleanup | help | version
  bool help = false;
  std::string log_format = "text";
  bool json = false;  // status --json
  MigrateOptions options;
  // sync
  std::string endpos;
  std::string metrics_listen;
  bool replica_identity_full = false;
  // cutover
  std::chrono::milliseconds max_lag{1000};
  std::chrono::milliseconds timeout{60'000};
  bool freeze_read_only = true;
  std::string freeze_hook, unfreeze_hook, switch_hook;
  bool reverse = false;
};

using Environment = std::optional<std::string> (*)(const char* name);

Result<Command> parse(const std::vector<std::string>& args, Environment environment);

std::string usage();
std::string command_help(const std::string& command);

}  // namespace pgshift::cli
