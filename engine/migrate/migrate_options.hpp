// Everything a migrate run is told on the command line, with the documented defaults.
#pragma once

#include <string>
#include <vector>

#include "connectors/pg/catalog.hpp"
#include "connectors/pg/endpoint.hpp"

namespace pgshift {

enum class VerifyMode { kFull, kCount, kOff };

struct MigrateOptions {
  Endpoint source;
  Endpoint target;
  int jobs = 2;
  VerifyMode verify = VerifyMode::kFull;
  pg::TableFilter filter;
  std::string report_path;
  bool quiet = false;
  bool restart = false;
  bool force = false;  // --restart drops a finished run's tables even if written since
  bool keep_owners = false;
  std::int64_t chunk_bytes = 64LL << 20;
  std::size_t queue_bytes = 4 << 20;  // per worker, between reader and writer
  int max_retries = 5;
  // A connection silent this long (waiting for the server) is checked: if a new connection to the
  // same server cannot be opened within the same time either, it counts as lost. 0: never.
  int stall_timeout_seconds = 30;
  std::string maintenance_work_mem;       // empty: the target server's own setting
  bool dry_run = false;                   // migrate --dry-run: assess like `plan`, write nothing
  bool exact_counts = false;              // plan --exact: count(*) every table
  bool include_internal_schemas = false;  // copy a provider's own schemas (Supabase's auth, ...)

  // SQLite sources.
  std::vector<std::string> casts;      // "table.column=type" overrides
  std::string on_type_error = "fail";  // fail | null | text
  bool timestamptz = false;            // DATETIME/TIMESTAMP -> timestamptz
};

const char* verify_mode_name(VerifyMode mode);

}  // namespace pgshift
