// Reads a SQLite source's facts for `pgshift plan` (sqlite_facts.hpp) the way migrate reads the
// file: the same schema translation and options (--cast, --timestamptz, --on-type-error, so a
// column --on-type-error=text retypes shows as text), every value of every table read once through
// the encoder (counting what the target types refuse), the chunk plan for `planner`, and the
// file's own settings and the objects that are not migrated. Blocking and read-only; costs one
// full read of the file. Errors: the file is missing or not a database (kUsage), or a read failed.
#pragma once

#include <string>

#include "connectors/sqlite/sqlite_source.hpp"
#include "engine/assess/sqlite_facts.hpp"
#include "engine/plan/chunk_planner.hpp"

namespace pgshift::assess {

Result<SqliteFileFacts> read_sqlite_facts(const std::string& path,
                                          const sqlite::SourceOptions& options,
                                          const plan::PlannerOptions& planner);

}  // namespace pgshift::assess
