// Everything `pgshift sync` is told on the command line, with the documented defaults. The copy
// part is migrate's (the same options, the same pipeline); the rest is the change stream's.
#pragma once

#include <optional>
#include <string>

#include "engine/migrate/migrate_options.hpp"

namespace pgshift::sync {

struct SyncOptions {
  MigrateOptions copy;
  // Stop once every change up to this LSN is applied and durable: "current" (the source's WAL
  // position when sync starts) or an LSN; empty = run until interrupted.
  std::string endpos;
  std::string metrics_listen;          // HOST:PORT, empty = none
  bool replica_identity_full = false;  // set REPLICA IDENTITY FULL on tables without one
};

}  // namespace pgshift::sync
