#include "engine/compare/verify_command.hpp"
#include "engine/command/source_options.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "connectors/pg/catalog.hpp"
#include "connectors/pg/pg_row_source.hpp"
#include "connectors/pg/session.hpp"
#include "connectors/pg/snapshot.hpp"
#include "connectors/sqlite/sqlite_source.hpp"
#include "engine/assess/source_reader.hpp"
#include "engine/command/command_frame.hpp"
#include "engine/compare/both_sides.hpp"
#include "engine/compare/chunk_drill.hpp"
#include "engine/compare/naming_the_table.hpp"
#include "engine/compare/object_compare.hpp"
#include "engine/compare/server_digest.hpp"
#include "engine/compare/table_pass.hpp"
#include "engine/core/fault.hpp"
#include "engine/core/task_guard.hpp"
#include "engine/migrate/progress.hpp"
#include "engine/model/pg_quote.hpp"
#include "engine/pipeline/byte_queue.hpp"
#include "engine/plan/source_planner.hpp"
#include "engine/plan/sqlite_source_planner.hpp"
#include "verify/drill_down.hpp"
#include "verify/report.hpp"
#include "verify/schema_diff.hpp"
#include "verify/stream_digest.hpp"

namespace pgshift {
namespace {

Task<Result<pg::Connection>> open_in_snapshot(const Endpoint& endpoint, const std::string& label,
                                              const std::string& snapshot) {
  auto connection = co_await pg::open_session(endpoint, label);
  if (!connection) co_return fail(connection.error());
  auto begun = co_await connection->query(pg::begin_at_snapshot_sql(snapshot));
  if (!begun) co_return fail(begun.error());
  co_return std::move(*connection);
}

Task<void> run_verify_worker(VerifyContext& context, std::vector<RecheckItem>& recheck,
                             TablePasses& passes) {
  std::optional<pg::Connection> postgres_source;
  std::optional<pg::PgRowSource> postgres_rows;
  std::unique_ptr<SourceSession> sqlite_session;
  RowSource* source_rows = nullptr;
  if (context.sqlite_source) {
    auto session = co_await sqlite::session_factory(context.sqlite_source)();
    if (!session) {
      if (!context.fatal) context.fatal = session.error();
      co_return;
    }
    sqlite_session = std::move(*session);
    source_rows = &sqlite_session->rows();
  } else {
    auto source =
        co_await open_in_snapshot(context.options.source, "source", context.source.snapshot);
    if (!source) {
      if (!context.fatal) context.fatal = source.error();
      co_return;
    }
    postgres_source.emplace(std::move(*source));
    postgres_rows.emplace(*postgres_source);
    source_rows = &*postgres_rows;
  }
  auto target =
      co_await open_in_snapshot(context.options.target, "target", context.target.snapshot);
  if (!target) {
    if (!context.fatal) context.fatal = target.error();
    co_return;
  }
  Drill drill{context, postgres_source ? &*postgres_source : nullptr, *source_rows, *target,
              recheck};
  // Whole chunks (keyless tables, tables of one chunk) first, the tables read in page ranges
  // after: a keyless table is one stream per side, and left for the end it would keep one
  // worker busy alone while the others had nothing left.
  while (context.next_chunk < context.chunks.size() && !context.fatal) {
    fault_point("throw-in-verify-lane");
    const Chunk& chunk = context.chunks[context.next_chunk++];
    auto digests = co_await deciding_digests(drill, chunk);
    if (!digests) {
      context.fatal =
          naming_the_table(std::move(digests.error()), context.tables[chunk.table_index]);
      break;
    }
    auto& table_report = context.report[chunk.table_index];
    table_report.rows_source += static_cast<long long>(digests->first.rows);
    table_report.rows_target += static_cast<long long>(digests->second.rows);
    context.progress->add(chunk.table_index, static_cast<long long>(digests->first.rows),
                          chunk.estimated_bytes);
    context.progress->chunk_done(chunk.table_index);
    if (digests->first == digests->second) {
      ++table_report.chunks_verified;
      context.progress->chunk_verified(chunk.table_index);
      continue;
    }
    Status drilled;
    if (context.tables[chunk.table_index].keyless()) {
      auto rows = std::max(digests->first.rows, digests->second.rows);
      drilled = co_await compare_keyless(drill, chunk, static_cast<long long>(rows));
    } else {
      drilled = co_await drill_chunk(drill, chunk, 0);
    }
    if (!drilled) {
      context.fatal = drilled.error();
      break;
    }
  }
  while (postgres_source && !context.fatal) {
    auto more = co_await run_next_pass_range(passes, drill, *postgres_source);
    if (!more) {
      context.fatal = std::move(more.error());
      break;
    }
    if (!*more) break;
  }
}

// How many of the target's rows have a NULL in a column of the source's key, where the target's
// own key is not on the same columns (0 without asking where it is: its key columns are NOT NULL).
Task<Result<long long>> count_null_keys(pg::Connection& target, const Table& source_table,
                                        const Table& target_table) {
  std::vector<std::string> source_key, target_key;
  for (std::size_t index : source_table.key) source_key.push_back(source_table.columns[index].name);
  for (std::size_t index : target_table.key) target_key.push_back(target_table.columns[index].name);
  std::sort(source_key.begin(), source_key.end());
  std::sort(target_key.begin(), target_key.end());
  if (source_key.empty() || source_key == target_key) co_return 0;
  for (const auto& name : source_key) {
    auto same_name = [&](const Column& column) { return column.name == name; };
    if (std::none_of(target_table.columns.begin(), target_table.columns.end(), same_name)) {
      co_return 0;  // the schema comparison reports it
    }
  }
  std::string any_null;
  for (const auto& name : source_key) {
    any_null += (any_null.empty() ? "" : " OR ") + pg::quote_identifier(name) + " IS NULL";
  }
  std::string sql = "SELECT pg_catalog.count(*) FROM ONLY " + pg::qualified_name(target_table) +
                    " WHERE " + any_null;
  auto counted = co_await target.query(sql);
  if (!counted) {
    co_return fail(naming_the_table(std::move(counted.error()), target_table));
  }
  co_return counted->integer(0, 0);
}

// Opens one PostgreSQL side at its snapshot and reads its types and tables, refusing tables that
// row security would filter. `what` is "source" or "target".
Task<Status> open_side(const Endpoint& endpoint, const char* what, const pg::TableFilter& filter,
                       std::optional<pg::Connection>& connection, Side& side,
                       Result<std::vector<Table>>& tables) {
  auto opened = co_await pg::open_session(endpoint, what);
  if (!opened) co_return fail(ErrorKind::kRefused, opened.error().message);
  connection.emplace(std::move(*opened));
  auto snapshot = co_await pg::begin_and_export_snapshot(*connection);
  if (!snapshot) co_return fail(snapshot.error());
  side.snapshot = std::move(*snapshot);
  auto shapes = co_await pg::read_type_shapes(*connection);
  if (!shapes) co_return fail(shapes.error());
  side.shapes = std::move(*shapes);
  tables = co_await pg::read_tables(*connection, filter);
  if (!tables) co_return fail(tables.error());
  // Read with row_security = off: policies that apply to either user refuse the run up front.
  co_return co_await assess::refuse_row_security(*connection, what, *tables);
}

Task<Status> verify_main(VerifyContext& context) {
  bool from_sqlite = context.options.source.kind() == EndpointKind::kSqlite;
  const pg::TableFilter& filter = context.options.filter;
  std::optional<pg::Connection> source, target;
  Result<std::vector<Table>> source_tables = fail(ErrorKind::kRuntime, "not read");
  Result<std::vector<Table>> target_tables = fail(ErrorKind::kRuntime, "not read");
  // Both sides at once: over a far link each costs a few dozen round trips before any comparing.
  auto opened_target =
      open_side(context.options.target, "target", filter, target, context.target, target_tables);
  if (from_sqlite) {
    if (auto opened = co_await std::move(opened_target); !opened) co_return opened;
    // Values are encoded in the target's formats: one type system on both sides.
    context.source.shapes = context.target.shapes;
    auto read = sqlite::read_source(context.options.source.sqlite_path(),
                                    sqlite_source_options(context.options));
    if (!read) co_return fail(read.error());
    context.sqlite_source = std::move(*read);
    source_tables = context.sqlite_source->schema.tables;
  } else {
    auto opened = co_await on_both_sides(
        context.executor,
        open_side(context.options.source, "source", filter, source, context.source, source_tables),
        std::move(opened_target));
    if (!opened) co_return opened;
  }
  if (auto matched = check_includes_matched(filter, *source_tables); !matched) {
    co_return matched;
  }
  if (from_sqlite) {
    // Type names are spelled by the translation, not by the server: compare the target's.
    std::map<std::string, const Table*> by_name;
    for (const auto& table : *target_tables) by_name[table.schema + "." + table.name] = &table;
    for (auto& table : *source_tables) {
      auto it = by_name.find(table.schema + "." + table.name);
      if (it == by_name.end()) continue;
      for (auto& column : table.columns) {
        for (const auto& theirs : it->second->columns) {
          if (theirs.name == column.name && theirs.type_oid == column.type_oid) {
            column.type_sql = theirs.type_sql;
          }
        }
      }
    }
  }

  std::map<std::string, verify::ReportTable> reported;
  auto entry = [&](const std::string& schema, const std::string& name) -> verify::ReportTable& {
    auto& table = reported[schema + "." + name];
    table.schema = schema;
    table.name = name;
    return table;
  };
  for (const auto& difference : verify::diff_schemas(*source_tables, *target_tables)) {
    auto dot = difference.table.find('.');
    auto& table = entry(difference.table.substr(0, dot), difference.table.substr(dot + 1));
    table.notes.push_back(difference.kind + ": " + difference.detail);
    if (difference.kind == "missing_table" || difference.kind == "extra_table") {
      verify::ReportMismatch mismatch;
      mismatch.chunk = -1;
      mismatch.key_range = "table";
      mismatch.kind = difference.kind == "missing_table" ? "missing" : "extra";
      mismatch.detail = difference.detail;
      table.mismatches.push_back(std::move(mismatch));
    }
  }
  std::map<std::string, const Table*> target_by_name;
  for (const auto& table : *target_tables) target_by_name[table.schema + "." + table.name] = &table;
  for (const auto& table : *source_tables) {
    auto it = target_by_name.find(table.schema + "." + table.name);
    if (it == target_by_name.end() || table.partitioned_parent) continue;
    if (!verify::comparable(table, *it->second)) {
      entry(table.schema, table.name).notes.push_back("rows not compared: columns differ");
      continue;
    }
    context.tables.push_back(table);
    // Chunks are key ranges, and a NULL key is in none: where the target does not enforce the
    // source's key, its rows with a NULL key would be compared nowhere.
    auto nulls = co_await count_null_keys(*target, table, *it->second);
    if (!nulls) co_return fail(nulls.error());
    if (*nulls > 0) {
      entry(table.schema, table.name)
          .notes.push_back(std::to_string(*nulls) +
                           " rows in the target have a NULL key column (the target does not "
                           "enforce the key " +
                           table.key_name + ")");
    }
  }
  for (auto& table : context.tables) {
    std::vector<pg::ValueKind> kinds;
    for (auto& column : table.columns) {
      column.kind = context.source.shapes.kind(column.type_oid);
      column.base_type_oid = context.source.shapes.base(column.type_oid);
      if (!column.generated) kinds.push_back(column.kind);
    }
    context.kinds.push_back(std::move(kinds));
  }

  plan::PlannerOptions planner;
  planner.chunk_bytes = context.options.chunk_bytes;
  planner.workers = context.options.jobs;
  Result<std::vector<Chunk>> chunks = fail(ErrorKind::kRuntime, "not planned");
  if (from_sqlite) {
    // Plan over the full SQLite model, then keep the comparable tables' chunks, renumbered.
    auto all = plan::plan_sqlite_source_chunks(*context.sqlite_source, planner);
    if (!all) co_return fail(all.error());
    std::map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < context.tables.size(); ++i) {
      index[context.tables[i].schema + "." + context.tables[i].name] = i;
    }
    std::vector<Chunk> kept;
    const auto& model = context.sqlite_source->schema.tables;
    for (auto chunk : *all) {
      auto it = index.find(model[chunk.table_index].schema + "." + model[chunk.table_index].name);
      if (it == index.end()) continue;
      chunk.table_index = it->second;
      kept.push_back(std::move(chunk));
    }
    chunks = std::move(kept);
  } else {
    chunks = co_await plan::plan_source_chunks(*source, context.tables, planner);
  }
  if (!chunks) co_return fail(chunks.error());
  // Keyless tables are compared whole: ctids differ between the databases.
  std::set<std::size_t> keyless_done;
  for (auto& chunk : *chunks) {
    if (!context.tables[chunk.table_index].keyless()) {
      context.chunks.push_back(chunk);
    } else if (keyless_done.insert(chunk.table_index).second) {
      Chunk whole;
      whole.table_index = chunk.table_index;
      whole.estimated_bytes = context.tables[chunk.table_index].bytes;
      context.chunks.push_back(whole);
    }
  }
  std::vector<TableProgress> progress_tables;
  for (const auto& table : context.tables) {
    verify::ReportTable report;
    report.schema = table.schema;
    report.name = table.name;
    report.bytes = table.bytes;
    context.report.push_back(std::move(report));
    TableProgress progress;
    progress.name = table.schema + "." + table.name;
    progress.estimated_bytes = table.bytes;
    progress_tables.push_back(std::move(progress));
  }
  for (const auto& chunk : context.chunks) {
    ++context.report[chunk.table_index].chunks_total;
    ++progress_tables[chunk.table_index].chunks_total;
  }
  context.progress.emplace(std::move(progress_tables), !context.options.quiet, "compare");
  context.server_hashing =
      hashes_on_servers(context, source ? source->server_version() : 0, target->server_version());
  spdlog::info("{} tables, {} chunks, {} workers, rows hashed {}", context.tables.size(),
               context.chunks.size(), context.options.jobs,
               context.server_hashing ? "on the servers" : "by pgshift");
  TablePasses passes;
  if (source) {
    auto planned = co_await plan_table_passes(context, *source, *target);
    if (!planned) co_return fail(planned.error());
    passes = std::move(*planned);
  }
  spawn_task(context.executor, "progress display", context.progress->run_printer(),
             [](Status ended) {
               if (!ended) spdlog::warn("{}", ended.error().message);  // the compare goes on
             });

  std::vector<RecheckItem> recheck;
  int running = context.options.jobs;
  Notifier done(context.executor);
  for (int worker = 0; worker < context.options.jobs; ++worker) {
    spawn_task(context.executor, "verify worker " + std::to_string(worker),
               run_verify_worker(context, recheck, passes), [&](Status ended) {
                 if (!ended && !context.fatal) context.fatal = std::move(ended.error());
                 --running;
                 done.notify();
               });
  }
  while (running > 0) co_await done.wait();
  if (context.fatal) co_return fail(*context.fatal);
  context.progress->set_phase("re-check");
  if (auto rechecked = co_await recheck_keys(context, recheck); !rechecked) co_return rechecked;
  if (source) {
    context.progress->set_phase("materialized views and large objects");
    auto others = co_await compare_other_objects(*source, context.source.shapes, *target,
                                                 context.target.shapes, context.options.filter);
    if (!others) co_return fail(others.error());
    for (auto& other : *others) entry(other.schema, other.name) = std::move(other);
  }
  for (auto& table : context.report) {
    auto& slot = entry(table.schema, table.name);
    auto notes = std::move(slot.notes);
    slot = std::move(table);
    slot.notes.insert(slot.notes.end(), notes.begin(), notes.end());
  }
  context.report.clear();
  for (auto& [name, table] : reported) context.report.push_back(std::move(table));
  co_return Status{};
}

}  // namespace

int run_verify_command(VerifyOptions options) {
  CommandFrame frame("verify", options.source, options.target, options.report_path);
  VerifyContext context{std::move(options), frame.io.get_executor()};
  verify::Report& report = frame.report;
  report.verify_mode = "full";
  Status outcome = frame.run(
      verify_main(context), [&] { frame.io.stop(); },
      [&] {
        if (context.progress) context.progress->stop();
      });
  if (frame.signalled()) {
    // The report still says what was compared so far (the tables' figures up to the interrupt).
    frame.close_interrupted();
    report.tables = context.report;
    frame.write_report();
    std::fprintf(stderr, "\npgshift: interrupted; nothing was written to either database.\n");
    std::fflush(stderr);
    _exit(130);
  }
  report.extra["row_hash"] = context.server_hashing ? "server" : "client";
  int exit_code = frame.close(outcome, "equal");
  if (outcome) {
    report.tables = std::move(context.report);
    bool different = false;
    for (const auto& table : report.tables) {
      if (!table.mismatches.empty() || !table.notes.empty()) different = true;
    }
    if (different) {
      exit_code = report.exit_code = 1;
      report.status = "differences";
    }
    if (!context.options.quiet) {
      std::fputs(verify::to_human(report).c_str(), stdout);
      for (const auto& table : report.tables) {
        for (const auto& note : table.notes) {
          std::printf("%s.%s: %s\n", table.schema.c_str(), table.name.c_str(), note.c_str());
        }
      }
    }
  }
  frame.write_report();
  return exit_code;
}

}  // namespace pgshift
