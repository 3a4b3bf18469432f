#include "engine/migrate/sqlite_setup.hpp"

#include <spdlog/spdlog.h>

#include "connectors/pg/catalog.hpp"
#include "connectors/pg/chunk_sql.hpp"
#include "connectors/sqlite/sqlite_source.hpp"
#include "engine/command/source_options.hpp"
#include "engine/migrate/run_setup.hpp"
#include "engine/migrate/target_checks.hpp"
#include "engine/plan/chunk_planner.hpp"
#include "engine/plan/sqlite_source_planner.hpp"
#include "engine/state/run_state.hpp"
#include "verify/json.hpp"

namespace pgshift {
namespace {

// Out of the coroutine: GCC 12 rejects a braced list inside co_await ("array used as initializer").
std::string sqlite_options_json() {
  return verify::json_line(verify::Json::object({{"source", "sqlite"}}));
}

}  // namespace

Task<Status> set_up_sqlite_run(RunContext& context, pg::Connection& target) {
  sqlite::SourceOptions options = sqlite_migrate_source_options(context.options);
  auto read = sqlite::read_source(context.options.source.sqlite_path(), options);
  if (!read) co_return fail(read.error());
  if (auto matched = check_includes_matched(context.options.filter, (*read)->schema.tables);
      !matched) {
    co_return matched;
  }
  std::shared_ptr<const sqlite::SqliteSource> source = std::move(*read);
  for (const auto* lines : {&source->schema.warnings, &source->policy_notes}) {
    for (const auto& warning : *lines) context.warn(warning);
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
    auto chunks = plan::plan_sqlite_source_chunks(*source, planner);
    if (!chunks) co_return fail(chunks.error());
    std::vector<pg::TableDdl> ddl;
    for (const auto& statement : source->schema.after_data) {
      pg::TableDdl item;
      item.table_oid = context.tables[statement.table].oid;
      if (statement.references)
        item.referenced_table_oid = context.tables[*statement.references].oid;
      item.kind = statement.kind;
      item.name = statement.name;
      item.sql = statement.sql;
      ddl.push_back(std::move(item));
    }
    start_small_referenced_tables_first(context, ddl, *chunks);
    std::string create_tables;
    for (const auto& statement : source->schema.create_tables)
      create_tables += statement.sql + ";\n";
    auto locked =
        co_await target.query("BEGIN; SELECT pg_advisory_xact_lock(" +
                              std::to_string(state::kSetupLockKey) + "); " + state::kRunExistsSql);
    if (!locked) co_return fail(locked.error());
    if (!locked->boolean(0, 0)) {
      auto created = co_await target.query(
          create_tables +
          state::create_state_sql(context.tables, *chunks, ddl, "",
                                  state::schema_fingerprint(context.tables),
                                  context.options.source.display(), sqlite_options_json()) +
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
  for (auto& chunk : *chunks) context.chunks[{chunk.table_index, chunk.number}] = std::move(chunk);

  // Values are encoded straight into the target's binary formats: one type system.
  auto shapes = co_await pg::read_type_shapes(target);
  if (!shapes) co_return fail(shapes.error());
  context.source_shapes = *shapes;
  context.target_shapes = std::move(*shapes);
  context.build_stream_specs(context.target_shapes);  // the remap stays empty
  context.sqlite_source = source;
  context.open_source = sqlite::session_factory(source);
  co_return Status{};
}

Status check_sqlite_unchanged(const RunContext& context) {
  if (!context.sqlite_source) return {};
  return sqlite::check_unchanged(*context.sqlite_source);
}

}  // namespace pgshift
