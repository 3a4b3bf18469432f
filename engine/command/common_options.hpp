// What every command that reads a source and a target is told on the command line (plan,
// migrate, sync's copy, verify), with the documented defaults. Each command's own options derive
// from this and add only what that command uses (MigrateOptions, PlanOptions, VerifyOptions), so
// a component sees no option of another command. Plain values; copied freely.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "connectors/pg/catalog.hpp"
#include "connectors/pg/endpoint.hpp"

namespace pgshift {

struct CommonOptions {
  Endpoint source;
  Endpoint target;
  pg::TableFilter filter;
  bool include_internal_schemas = false;  // a provider's own schemas (Supabase's auth, ...)
  int jobs = 2;
  std::int64_t chunk_bytes = 64LL << 20;
  std::string report_path;
  bool quiet = false;

  // SQLite sources: how values are read.
  std::vector<std::string> casts;      // "table.column=type" overrides
  std::string on_type_error = "fail";  // fail | null | text
  bool timestamptz = false;            // DATETIME/TIMESTAMP -> timestamptz
};

}  // namespace pgshift
