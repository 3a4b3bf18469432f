// A SQLite file as a pgshift source, for the commands: its translated schema and plan model
// (read once), its chunk plan, and worker sessions (a read-only handle and a SqliteRowSource).
// The model is shared (shared_ptr) by every session; sessions may outlive the caller's scope.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "connectors/sqlite/schema_reader.hpp"
#include "connectors/sqlite/value_encoder.hpp"
#include "engine/pipeline/source_session.hpp"
#include "engine/plan/chunk_planner.hpp"

namespace pgshift::sqlite {

struct SourceOptions {
  std::vector<std::string> casts;  // "table.column=type"
  bool timestamptz = false;
  std::string on_type_error = "fail";
};

struct SqliteSource {
  std::string path;
  SqliteSchema schema;
  OnTypeError on_type_error = OnTypeError::kFail;
  std::string signature;  // file and WAL sizes and mtimes when read
};

Result<std::shared_ptr<const SqliteSource>> read_source(const std::string& path,
                                                        const SourceOptions& options);

// Chunks of every table, largest work first.
Result<std::vector<Chunk>> plan_chunks(const SqliteSource& source,
                                       const plan::PlannerOptions& options);

SourceSessionFactory session_factory(std::shared_ptr<const SqliteSource> source);

// Errors when the file changed since it was read (it must not be written during a run).
Status check_unchanged(const SqliteSource& source);

}  // namespace pgshift::sqlite
