#include "engine/migrate/run_setup.hpp"
#include "engine/command/source_options.hpp"

#include <spdlog/spdlog.h>

#include <future>
#include <set>

#include "connectors/pg/catalog.hpp"
#include "connectors/pg/chunk_sql.hpp"
#include "connectors/pg/excluded_objects.hpp"
#include "connectors/pg/pg_source_session.hpp"
#include "connectors/pg/schema_dump.hpp"
#include "connectors/pg/snapshot.hpp"
#include "engine/assess/checks.hpp"
#include "engine/assess/source_reader.hpp"
#include "engine/assess/target_reader.hpp"
#include "engine/migrate/snapshot_renewal.hpp"
#include "engine/migrate/target_checks.hpp"
#include "engine/plan/source_planner.hpp"
#include "engine/state/run_state.hpp"
#include "verify/json.hpp"
#include "verify/report.hpp"

namespace pgshift {
namespace {

using pg::quote_literal;

Status refuse(std::string message) {
  return fail(ErrorKind::kRefused, std::move(message));
}

// The same rules `pgshift plan` reports (engine/assess/checks.hpp); migrate refuses on the first.
Task<Status> check_versions(const pg::Connection& source, const pg::Connection& target) {
  if (auto supported = pg::check_pg_dump_supports(source.server_version()); !supported) {
    co_return supported;
  }
  if (auto older = assess::check_versions(source.server_version(), target.server_version())) {
    co_return refuse(older->refusal());
  }
  co_return Status{};
}

std::string options_json(const MigrateOptions& options) {
  return verify::json_line(verify::Json::object({{"jobs", options.jobs},
                                                 {"verify", verify_mode_name(options.verify)},
                                                 {"chunk_bytes", options.chunk_bytes},
                                                 {"filter", state::filter_json(options.filter)}}));
}

// A foreign key to a table the run does not copy (an excluded schema or table) cannot be created
// on the target: it is left out, said in the log and the report.
void leave_out_foreign_keys_to_unplanned_tables(RunContext& context,
                                                std::vector<pg::TableDdl>& ddl) {
  std::set<std::uint32_t> planned;
  for (const auto& table : context.tables) planned.insert(table.oid);
  std::erase_if(ddl, [&](const pg::TableDdl& item) {
    if (item.kind != "foreign_key" || !planned.count(item.table_oid) ||
        planned.count(item.referenced_table_oid)) {
      return false;
    }
    std::string warning = "foreign key " + item.name +
                          " left out: it references a table that "
                          "is not copied (" +
                          item.sql.substr(item.sql.find(" REFERENCES ") + 1) + ")";
    context.warn(std::move(warning));
    return true;
  });
}

// pg_dump is told the planned tables by exact name, so its pattern rules (case folding, '?',
// search-path visibility) can never select other tables than pgshift's.
Task<Result<std::vector<std::string>>> dump_selection(RunContext& context,
                                                      pg::Connection& coordinator) {
  auto all_tables = co_await pg::read_table_names(coordinator);
  if (!all_tables) co_return fail(all_tables.error());
  auto all_schemas = co_await assess::read_user_schemas(coordinator);
  if (!all_schemas) co_return fail(all_schemas.error());
  std::vector<pg::QualifiedName> planned;
  for (const auto& table : context.tables) planned.emplace_back(table.schema, table.name);
  co_return pg::dump_selection_args(context.options.filter, planned, *all_tables, *all_schemas);
}

// "schema"."name" of the sequences the dump creates: the ones finalize sets, no other.
Task<Result<std::vector<std::string>>> sequence_names(pg::Connection& coordinator,
                                                      const std::vector<std::uint32_t>& oids) {
  std::vector<std::string> out;
  if (oids.empty()) co_return out;
  std::string list;
  for (auto oid : oids) list += (list.empty() ? "" : ",") + std::to_string(oid);
  auto names = co_await coordinator.query(
      "SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) FROM pg_catalog.pg_class c "
      "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ANY('{" +
      list + "}'::oid[]) ORDER BY 1");
  if (!names) co_return fail(names.error());
  for (int row = 0; row < names->rows(); ++row) out.push_back(names->text(row, 0));
  co_return out;
}

// A new run: plan, dump the schema, and commit pre-data together with the state. Returns false if
// another process created the run first (the caller then joins it).
Task<Result<bool>> create_run(RunContext& context, pg::Connection& coordinator,
                              pg::Connection& target) {
  // pg_dump costs many round trips to the source (seconds on a far link): it runs on its own
  // thread while the chunks are planned here, and its archive is rendered once pgshift knows
  // what it builds itself. It reads at the run's snapshot, which the coordinator holds open.
  pg::DumpOptions dump_options;
  dump_options.snapshot = context.snapshot;
  auto selection = co_await dump_selection(context, coordinator);
  if (!selection) co_return fail(selection.error());
  dump_options.selection = std::move(*selection);
  dump_options.keep_owners = context.options.keep_owners;
  dump_options.clean = context.options.restart;
  // Waited for on every path (std::future's destructor), so the thread outlives nothing it uses:
  // it owns copies of its arguments.
  auto archive = std::async(std::launch::async, [source = context.options.source, dump_options] {
    return pg::dump_schema_archive(source, dump_options);
  });

  plan::PlannerOptions planner;
  planner.chunk_bytes = context.options.chunk_bytes;
  planner.workers = context.options.jobs;
  auto chunks = co_await plan::plan_source_chunks(coordinator, context.tables, planner);
  if (!chunks) co_return fail(chunks.error());
  auto ddl = co_await pg::read_table_ddl(coordinator);
  if (!ddl) co_return fail(ddl.error());
  std::set<std::pair<std::uint32_t, std::uint32_t>> done_by_pgshift;
  for (const auto& item : *ddl) done_by_pgshift.insert({item.catalog_oid, item.object_oid});
  leave_out_foreign_keys_to_unplanned_tables(context, *ddl);
  start_small_referenced_tables_first(context, *ddl, *chunks);
  auto excluded =
      co_await pg::read_objects_in_excluded_schemas(coordinator, context.options.filter);
  if (!excluded) co_return fail(excluded.error());
  for (const auto& object : *excluded) {
    done_by_pgshift.insert({object.catalog_oid, object.object_oid});
    spdlog::info("left out with its schema: {}", object.description);
  }
  auto own = co_await pg::read_pgshift_stream_publications(coordinator);
  if (!own) co_return fail(own.error());
  for (const auto& object : *own) done_by_pgshift.insert({object.catalog_oid, object.object_oid});

  auto dumped = archive.get();
  if (!dumped) co_return fail(dumped.error());
  auto scripts = pg::render_schema(*dumped, dump_options, done_by_pgshift);
  if (!scripts) co_return fail(scripts.error());
  auto sequences = co_await sequence_names(coordinator, scripts->sequence_oids);
  if (!sequences) co_return fail(sequences.error());

  auto locked =
      co_await target.query("BEGIN; SELECT pg_advisory_xact_lock(" +
                            std::to_string(state::kSetupLockKey) + "); " + state::kRunExistsSql);
  if (!locked) co_return fail(locked.error());
  std::string discard;
  if (locked->boolean(0, 0)) {
    if (!context.options.restart) {
      co_await target.query("ROLLBACK");
      co_return false;
    }
    // --restart: drop the tables the recorded run created (CASCADE takes their foreign keys and
    // views), then the clean pre-data script drops and recreates the other objects.
    auto previous = co_await target.query(
        "SELECT string_agg(format('DROP TABLE IF EXISTS %I.%I CASCADE', schema_name, "
        "table_name), '; ') FROM pgshift.tables");
    if (!previous) co_return fail(previous.error());
    if (!previous->is_null(0, 0)) discard = previous->text(0, 0) + ";\n";
    discard += "DROP SCHEMA pgshift CASCADE;\n";
    spdlog::info("--restart: discarding the recorded run and its tables");
  }
  std::string fingerprint = state::schema_fingerprint(context.tables);
  // pg_dump --table dumps no CREATE SCHEMA: the planned tables' schemas are created first.
  std::string schemas;
  if (!context.options.filter.include_tables.empty()) {
    std::set<std::string> names;
    for (const auto& table : context.tables) names.insert(table.schema);
    for (const auto& name : names) {
      schemas += "CREATE SCHEMA IF NOT EXISTS " + pg::quote_identifier(name) + ";\n";
    }
  }
  auto created = co_await target.query(
      discard + schemas + scripts->pre_data + ";\n" +
      state::create_state_sql(context.tables, *chunks, *ddl, scripts->post_data, fingerprint,
                              context.options.source.display(), options_json(context.options)) +
      state::record_sequences_sql(*sequences) + "UPDATE pgshift.run SET snapshot = " +
      quote_literal(context.snapshot) + ";\n" + context.new_run_state_sql + "COMMIT");
  if (!created) {
    co_await target.query("ROLLBACK");
    co_return fail(std::move(created.error()).within("creating the schema on the target"));
  }
  co_return true;
}

// Resuming or joining: the stored plan must still fit the source.
Task<Status> adopt_run(RunContext& context, pg::Connection& coordinator, pg::Connection& target,
                       const state::StoredRun& stored) {
  // Once a sync's copy is done, the change stream owns schema changes: it stops on the first
  // change to a changed table, naming it (engine/sync/target_table.hpp).
  bool stream_follows = false;
  if (context.target_changes_after_copy) {
    auto copied = co_await state::finished_with_nothing_to_redo(target, stored);
    if (!copied) co_return fail(copied.error());
    stream_follows = *copied;
  }
  if (!stream_follows && state::schema_fingerprint(context.tables) != stored.fingerprint) {
    auto changes = co_await state::describe_schema_changes(target, context.tables);
    if (!changes) co_return fail(changes.error());
    std::string listed;
    for (std::size_t i = 0; i < changes->size() && i < 10; ++i) {
      listed += (i ? ", " : "") + (*changes)[i];
    }
    if (changes->size() > 10) listed += ", ...";
    co_return refuse("the source schema changed since this migration began (" + stored.started_at +
                     "): " + listed +
                     "; rerun with --restart to discard the recorded run and "
                     "begin again");
  }
  // A finished run is re-checked against the target (migrate_command.cpp), not read again.
  auto finished = co_await state::finished_with_nothing_to_redo(target, stored);
  if (!finished) co_return fail(finished.error());
  if (*finished) co_return Status{};
  // Read at the run's snapshot while its exporter still holds it; else at a new one.
  auto stored_snapshot = co_await target.query("SELECT COALESCE(snapshot, '') FROM pgshift.run");
  if (!stored_snapshot) co_return fail(stored_snapshot.error());
  std::string previous = stored_snapshot->text(0, 0);
  bool same_snapshot = false;
  if (!previous.empty()) {
    auto imported = co_await coordinator.query(pg::begin_at_snapshot_sql(previous));
    if (imported) {
      context.snapshot = previous;
      same_snapshot = true;
    } else {
      co_await coordinator.query("ROLLBACK");
    }
  }
  if (!same_snapshot) {
    Result<std::string> snapshot;
    if (context.export_resumed_snapshot) {
      snapshot = co_await context.export_resumed_snapshot(coordinator);
    } else {
      snapshot = co_await pg::begin_and_export_snapshot(coordinator);
    }
    if (!snapshot) co_return fail(snapshot.error());
    context.snapshot = *snapshot;
    auto saved = co_await target.query("UPDATE pgshift.run SET snapshot = " +
                                       quote_literal(context.snapshot));
    if (!saved) co_return fail(saved.error());
    context.warn(
        "resumed at a new snapshot: tables copied before the interruption reflect an earlier "
        "point in time");
  }
  auto loaded = co_await state::load_chunks(target);
  if (!loaded) co_return fail(loaded.error());

  // Chunks to redo: mismatched ones, and keyless tables copied partly at another snapshot
  // (their ctid ranges are only meaningful within one snapshot).
  auto to_reset = co_await target.query(R"SQL(
    SELECT t.table_id, t.keyless, c.chunk_no, c.state FROM pgshift.tables t
    JOIN pgshift.chunks c USING (table_id)
    WHERE c.state = 'mismatch'
       OR (t.keyless AND t.phase = 'copying'
           AND EXISTS (SELECT 1 FROM pgshift.chunks d WHERE d.table_id = t.table_id
                       AND d.state = 'done'))
    ORDER BY 1, 3)SQL");
  if (!to_reset) co_return fail(to_reset.error());
  std::set<std::size_t> truncated;
  for (int row = 0; row < to_reset->rows(); ++row) {
    auto table = static_cast<std::size_t>(to_reset->integer(row, 0));
    bool keyless = to_reset->boolean(row, 1);
    int number = static_cast<int>(to_reset->integer(row, 2));
    if (keyless && same_snapshot && to_reset->text(row, 3) != "mismatch") continue;
    std::string reset_chunks =
        "UPDATE pgshift.chunks SET state = 'pending', rows = NULL, "
        "digest = NULL, verified = NULL, target_rows = NULL, "
        "target_digest = NULL WHERE table_id = " +
        std::to_string(table);
    std::string sql;
    if (keyless) {
      if (!truncated.insert(table).second) continue;
      sql = "BEGIN; TRUNCATE ONLY " + pg::qualified_name(context.tables[table]) + "; " +
            reset_chunks + "; COMMIT";
      spdlog::info("table {} has no key and was partly copied: copying it again whole",
                   context.table_name(table));
    } else {
      const Chunk* chunk = nullptr;
      for (const auto& candidate : *loaded) {
        if (candidate.table_index == table && candidate.number == number) chunk = &candidate;
      }
      if (!chunk) continue;
      sql = "BEGIN; " + pg::delete_chunk_sql(context.tables[table], *chunk) + "; " + reset_chunks +
            " AND chunk_no = " + std::to_string(number) + "; COMMIT";
    }
    auto reset = co_await target.query(sql);
    if (!reset) co_return fail(reset.error());
  }
  co_return Status{};
}

// Type shapes on both sides and the source -> target OID map for user types.
Task<Status> prepare_streams(RunContext& context, pg::Connection& coordinator,
                             pg::Connection& target) {
  auto source_shapes = co_await pg::read_type_shapes(coordinator);
  if (!source_shapes) co_return fail(source_shapes.error());
  auto target_shapes = co_await pg::read_type_shapes(target);
  if (!target_shapes) co_return fail(target_shapes.error());
  context.source_shapes = std::move(*source_shapes);
  context.target_shapes = std::move(*target_shapes);
  auto source_names = co_await pg::read_user_type_names(coordinator);
  if (!source_names) co_return fail(source_names.error());
  auto target_names = co_await pg::read_user_type_names(target);
  if (!target_names) co_return fail(target_names.error());
  std::map<std::string, std::uint32_t> target_by_name;
  for (const auto& [oid, name] : *target_names) target_by_name[name] = oid;
  for (const auto& [oid, name] : *source_names) {
    if (auto it = target_by_name.find(name); it != target_by_name.end()) {
      context.remap.add(oid, it->second);
    }
  }
  context.build_stream_specs(context.source_shapes);
  co_return Status{};
}

}  // namespace

Task<Status> set_up_run(RunContext& context, pg::Connection& coordinator, pg::Connection& target) {
  if (auto checked = co_await check_versions(coordinator, target); !checked) co_return checked;
  auto stored = co_await state::load_run(target);
  if (!stored) co_return fail(stored.error());
  bool restarting = *stored && context.options.restart;
  if (restarting) stored->reset();

  // Catalog reads at one snapshot: the one every chunk will be read at for a new run.
  if (!*stored) {
    // Not a ?: around co_await: GCC 12 miscompiles that (TOOLCHAIN.md).
    Result<std::string> snapshot;
    if (context.export_new_run_snapshot) {
      snapshot = co_await context.export_new_run_snapshot(coordinator);
    } else {
      snapshot = co_await pg::begin_and_export_snapshot(coordinator);
    }
    if (!snapshot) co_return fail(snapshot.error());
    context.snapshot = *snapshot;
  }
  auto tables = co_await pg::read_tables(coordinator, context.options.filter);
  if (!tables) co_return fail(tables.error());
  if (auto matched = check_includes_matched(context.options.filter, *tables); !matched) {
    co_return matched;
  }
  context.tables = std::move(*tables);
  if (auto readable = co_await assess::refuse_row_security(coordinator, "source", context.tables);
      !readable) {
    co_return readable;
  }

  if (!*stored) {
    if (!restarting) {
      if (auto empty = co_await check_target_empty(context, &coordinator, target); !empty) {
        co_return empty;
      }
    }
    auto created = co_await create_run(context, coordinator, target);
    if (!created) co_return fail(created.error());
    if (!*created) {  // someone else created it meanwhile: join theirs
      stored = co_await state::load_run(target);
      if (!stored || !*stored) co_return fail(ErrorKind::kRuntime, "run state vanished");
      co_await coordinator.query("ROLLBACK");
    }
  }
  if (*stored) {
    if (auto adopted = co_await adopt_run(context, coordinator, target, **stored); !adopted) {
      co_return adopted;
    }
  }
  auto chunks = co_await state::load_chunks(target);
  if (!chunks) co_return fail(chunks.error());
  for (auto& chunk : *chunks) context.chunks[{chunk.table_index, chunk.number}] = std::move(chunk);
  context.open_source = renewing_snapshot_factory(context);
  co_return co_await prepare_streams(context, coordinator, target);
}

void start_small_referenced_tables_first(const RunContext& context,
                                         const std::vector<pg::TableDdl>& ddl,
                                         std::vector<Chunk>& chunks) {
  std::map<std::uint32_t, std::size_t> index_by_oid;
  for (std::size_t i = 0; i < context.tables.size(); ++i) index_by_oid[context.tables[i].oid] = i;
  std::vector<bool> referenced(context.tables.size(), false);
  for (const auto& item : ddl) {
    if (item.kind != "foreign_key" || item.referenced_table_oid == item.table_oid) continue;
    auto parent = index_by_oid.find(item.referenced_table_oid);
    if (parent != index_by_oid.end() && index_by_oid.count(item.table_oid)) {
      referenced[parent->second] = true;
    }
  }
  plan::start_small_referenced_tables_first(chunks, context.tables, referenced,
                                            context.options.chunk_bytes);
}

}  // namespace pgshift
