// A SQLite file as a pgshift source, for the commands: its translated schema and plan model
// (read once), its chunk plan, and worker sessions (a read-only handle and a SqliteRowSource).
// The model is shared (shared_ptr) by every session; sessions may outlive the caller's scope.
// With --on-type-error=text every value is read once before the DDL is built, and each column
// holding values its type refuses becomes text (value_scan.hpp); migrate and verify read the file
// the same way, so they agree on the retyped columns.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "connectors/sqlite/cluster_memory.hpp"
#include "connectors/sqlite/schema_reader.hpp"
#include "connectors/sqlite/value_encoder.hpp"
#include "connectors/sqlite/value_scan.hpp"
#include "engine/core/source_session.hpp"

namespace pgshift::sqlite {

struct SourceOptions {
  std::vector<std::string> casts;  // "table.column=type"
  bool timestamptz = false;
  std::string on_type_error = "fail";
  // `pgshift plan`: scan every value whatever the policy (SqliteSource::scans), and record what
  // migrate would refuse (mixed epoch units, values text cannot hold) instead of failing on it.
  bool assess = false;
  // Which tables to read, by name (unset: all of them).
  std::function<bool(const std::string&)> include_table;
  // migrate (and plan, to show migrate's chunks): readers send a keyless table in its first
  // index's order, in batches granted from this many bytes shared by all `readers`
  // (sqlite_row_source.hpp); 0 sends rows as read (verify, where order is moot). See
  // engine/plan/sqlite_source_planner.hpp for the tables that are then one chunk.
  std::size_t cluster_memory_bytes = 0;
  int readers = 1;
};

struct SqliteSource {
  std::string path;
  SqliteSchema schema;
  OnTypeError on_type_error = OnTypeError::kFail;
  std::shared_ptr<ClusterMemory> cluster_memory;  // null: clustering off
  std::size_t cluster_share = 0;                  // a reader's part of it
  std::string signature;                          // file and WAL sizes and mtimes when read
  std::vector<TableScan> scans;           // per table, when values were scanned (assess or text)
  std::vector<std::string> policy_notes;  // per column --on-type-error changed: what and how many
};

Result<std::shared_ptr<const SqliteSource>> read_source(const std::string& path,
                                                        const SourceOptions& options);

// The index whose order migrate sends table `i`'s rows in (clustering on, the table keyless and
// the index's leading column one whose binary form sorts), or null.
const CatalogIndex* clustered_on(const SqliteSource& source, std::size_t i);

SourceSessionFactory session_factory(std::shared_ptr<const SqliteSource> source);

// Errors when the file changed since it was read (it must not be written during a run).
Status check_unchanged(const SqliteSource& source);

}  // namespace pgshift::sqlite
