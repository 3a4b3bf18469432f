// The state of one `pgshift verify` run, shared by its lanes (verify_command.cpp) and the
// drill-down into differing chunks (chunk_drill.hpp): the two snapshots, the tables and their
// chunks, the per-table report being filled, and the first fatal error. Owned by
// run_verify_command; every lane runs on its one io_context thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "connectors/sqlite/sqlite_source.hpp"
#include "engine/compare/verify_options.hpp"
#include "engine/core/asio.hpp"
#include "engine/migrate/progress.hpp"
#include "engine/model/binary_values.hpp"
#include "engine/model/table.hpp"
#include "verify/report.hpp"

namespace pgshift {

struct Side {
  std::string snapshot;
  pg::TypeShapes shapes;
};

struct VerifyContext {
  VerifyOptions options;
  asio::any_io_executor executor;
  Side source, target;
  std::vector<Table> tables;  // the source's model of the comparable tables
  std::vector<std::vector<pg::ValueKind>> kinds;
  std::vector<Chunk> chunks;
  std::size_t next_chunk = 0;
  std::vector<verify::ReportTable> report;
  std::optional<Progress> progress;
  std::optional<Error> fatal;
  // A SQLite source is read through its sessions; no snapshot, no key-level SQL on that side.
  std::shared_ptr<const sqlite::SqliteSource> sqlite_source;
  // Rows are digested by the servers first (server_digest.hpp); set once, before the lanes start.
  bool server_hashing = false;
};

}  // namespace pgshift
