#include "engine/migrate/sqlite_setup.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include "connectors/pg/catalog.hpp"
#include "connectors/sqlite/schema_reader.hpp"
#include "connectors/sqlite/sqlite_chunk_planner.hpp"
#include "connectors/sqlite/sqlite_database.hpp"
#include "connectors/sqlite/sqlite_row_source.hpp"
#include "engine/migrate/target_checks.hpp"
#include "engine/plan/chunk_planner.hpp"
#include "engine/plan/chunk_sql.hpp"
#include "engine/state/run_state.hpp"

namespace pgshift {
namespace {

struct SqliteSource {
  sqlite::SqliteSchema schema;
  std::string signature;  // file and WAL size + mtime at set-up
};

std::string file_signature(const std::string& path) {
  std::string out;
  for (const std::string& file : {path, path + "-wal"}) {
    struct stat info {};
    if (stat(file.c_str(), &info) == 0) {
      out += std::to_string(info.st_size) + ":" + std::to_string(info.st_mtim.tv_sec) + "." +
             std::to_string(info.st_mtim.tv_nsec) + ";";
    } else {
      out += "-;";
    }
  }
  return out;
}

class SqliteSourceSession final : public SourceSession {
 public:
  SqliteSourceSession(sqlite::DatabaseHandle db, std::shared_ptr<const SqliteSource> source,
                      sqlite::OnTypeError policy)
      : db_(std::move(db)), source_(std::move(source)), rows_(db_.get(), source_->schema.sources,
                                                              policy) {}
  RowSource& rows() override { return rows_; }

 private:
  sqlite::DatabaseHandle db_;
  std::shared_ptr<const SqliteSource> source_;
  sqlite::SqliteRowSource rows_;
};

Result<sqlite::SchemaOptions> schema_options(const MigrateOptions& options) {
  sqlite::SchemaOptions out;
  out.types.timestamptz = options.timestamptz;
  for (const auto& spec : options.casts) {
    auto cast = sqlite::parse_cast_override(spec);
    if (!cast) return fail(cast.error());
    out.casts.push_back(std::move(*cast));
  }
  return out;
}

}  // namespace

Task<Status> set_up_sqlite_run(RunContext& context, pg::Connection& target) {
  const std::string& path = context.options.source.sqlite_path();
  auto options = schema_options(context.options);
  if (!options) co_return fail(options.error());
  auto policy = sqlite::parse_on_type_error(context.options.on_type_error);
  if (!policy) co_return fail(policy.error());
  auto db = sqlite::open_read_only(path);
  if (!db) co_return fail(db.error());
  auto source = std::make_shared<SqliteSource>();
  source->signature = file_signature(path);
  auto schema = sqlite::read_schema(db->get(), *options);
  if (!schema) co_return fail(schema.error());
  source->schema = std::move(*schema);
  for (const auto& warning : source->schema.warnings) {
    spdlog::warn("{}", warning);
    context.warnings.push_back(warning);
  }
  context.tables = source->schema.tables;

  auto stored = co_await state::load_run(target);
  if (!stored) co_return fail(stored.error());
  if (*stored && context.options.restart) {
    co_return fail(ErrorKind::kRefused,
                   "--restart with a SQLite source: drop and recreate the target database, then "
                   "run the same command");
  }
  if (!*stored) {
    if (auto empty = co_await check_target_empty(context, nullptr, target); !empty) co_return empty;
    plan::PlannerOptions planner;
    planner.chunk_bytes = context.options.chunk_bytes;
    planner.workers = context.options.jobs;
    std::vector<Chunk> chunks;
    for (std::size_t i = 0; i < context.tables.size(); ++i) {
      auto table_chunks =
          sqlite::plan_sqlite_chunks(db->get(), i, context.tables[i], source->schema.sources[i],
                                     plan::desired_chunks(context.tables[i].bytes, planner));
      if (!table_chunks) co_return fail(table_chunks.error());
      chunks.insert(chunks.end(), table_chunks->begin(), table_chunks->end());
    }
    plan::order_largest_first(chunks, context.tables);
    std::vector<pg::TableDdl> ddl;
    for (const auto& statement : source->schema.after_data) {
      pg::TableDdl item;
      item.table_oid = context.tables[statement.table].oid;
      item.kind = statement.kind;
      item.name = statement.name;
      item.sql = statement.sql;
      ddl.push_back(std::move(item));
    }
    std::string create_tables;
    for (const auto& statement : source->schema.create_tables) create_tables += statement.sql + ";\n";
    auto locked = co_await target.query(
        "BEGIN; SELECT pg_advisory_xact_lock(" + std::to_string(state::kSetupLockKey) +
        "); SELECT to_regclass('pgshift.run') IS NOT NULL");
    if (!locked) co_return fail(locked.error());
    if (!locked->boolean(0, 0)) {
      auto created = co_await target.query(
          create_tables +
          state::create_state_sql(context.tables, chunks, ddl, "", 
                                  state::schema_fingerprint(context.tables),
                                  context.options.source.display(), "{\"source\": \"sqlite\"}") +
          "UPDATE pgshift.steps SET done = true WHERE name IN ('sequences', 'large_objects');\n"
          "COMMIT");
      if (!created) {
        co_await target.query("ROLLBACK");
        co_return fail(std::move(created.error()).within("creating the schema on the target"));
      }
    } else {
      co_await target.query("ROLLBACK");
    }
    stored = co_await state::load_run(target);
    if (!stored) co_return fail(stored.error());
  }
  if (!*stored || state::schema_fingerprint(context.tables) != (*stored)->fingerprint) {
    co_return fail(ErrorKind::kRefused,
                   "the SQLite file's schema changed since this migration began; drop and "
                   "recreate the target database to begin again");
  }
  auto chunks = co_await state::load_chunks(target);
  if (!chunks) co_return fail(chunks.error());
  for (auto& chunk : *chunks) context.chunks[{chunk.table, chunk.number}] = std::move(chunk);

  // Values are encoded straight into the target's binary formats: one type system.
  auto shapes = co_await pg::read_type_shapes(target);
  if (!shapes) co_return fail(shapes.error());
  context.source_shapes = *shapes;
  context.target_shapes = std::move(*shapes);
  context.specs.clear();
  for (auto& table : context.tables) {
    TableStreamSpec spec;
    spec.table = &table;
    spec.source_shapes = &context.source_shapes;
    spec.remap = &context.remap;
    for (auto& column : table.columns) {
      column.kind = context.target_shapes.kind(column.type_oid);
      if (!column.generated) spec.copied_kinds.push_back(column.kind);
    }
    context.specs.push_back(std::move(spec));
  }
  context.sqlite_signature = source->signature;
  sqlite::OnTypeError on_error = *policy;
  context.open_source = [path, source, on_error]() -> Task<Result<std::unique_ptr<SourceSession>>> {
    auto handle = sqlite::open_read_only(path);
    if (!handle) co_return fail(handle.error());
    co_return std::make_unique<SqliteSourceSession>(std::move(*handle), source, on_error);
  };
  co_return Status{};
}

Status check_sqlite_unchanged(const RunContext& context) {
  if (file_signature(context.options.source.sqlite_path()) != context.sqlite_signature) {
    return fail(ErrorKind::kRuntime,
                "the SQLite file " + context.options.source.sqlite_path() +
                    " was written during the migration; stop the application (or copy the file) "
                    "and migrate again into an empty database");
  }
  return {};
}

}  // namespace pgshift
