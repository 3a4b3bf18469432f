// Command-line parsing for `pgshift`, as a pure function from argv (and the PGSHIFT_SOURCE /
// PGSHIFT_TARGET environment) to a validated command. Help texts: help_text.hpp.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "engine/assess/plan_options.hpp"
#include "engine/compare/verify_options.hpp"

namespace pgshift::cli {

struct Command {
  std::string name;  // plan | migrate | sync | verify | status | cleanup | help | version
  bool help = false;
  std::string log_format = "text";
  bool json = false;  // status --json
  // The union of the options of plan, migrate, sync's copy and verify (PlanOptions is the widest);
  // main.cpp hands each command its own part: MigrateOptions, VerifyOptions, ...
  PlanOptions options;
  bool dry_run = false;  // migrate --dry-run: assess like `plan`, write nothing
  // A connection silent this long (waiting for the server) is checked: if a new connection to the
  // same server cannot be opened within the same time either, it counts as lost. 0: never.
  int stall_timeout_seconds = 30;
  RowHash row_hash = RowHash::kServer;  // verify
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

}  // namespace pgshift::cli
