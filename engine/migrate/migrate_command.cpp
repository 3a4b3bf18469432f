#include "engine/migrate/migrate_command.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "connectors/pg/session.hpp"
#include "engine/assess/finding.hpp"
#include "engine/assess/server_reader.hpp"
#include "engine/assess/supabase.hpp"
#include "engine/command/command_frame.hpp"
#include "engine/core/sleep_for.hpp"
#include "engine/core/task_guard.hpp"
#include "engine/migrate/copy_worker.hpp"
#include "engine/migrate/finalize.hpp"
#include "engine/migrate/finished_run_check.hpp"
#include "engine/migrate/foreign_keys.hpp"
#include "engine/migrate/run_setup.hpp"
#include "engine/migrate/slot_tasks.hpp"
#include "engine/migrate/snapshot_renewal.hpp"
#include "engine/migrate/sqlite_setup.hpp"
#include "engine/migrate/table_finisher.hpp"
#include "engine/migrate/table_readback.hpp"
#include "engine/state/readback_parts.hpp"
#include "engine/state/run_presence.hpp"
#include "engine/state/run_state.hpp"
#include "verify/report.hpp"

namespace pgshift {
namespace {

constexpr int kFinalizeLockClass = 8001;

Task<Status> seed_progress(RunContext& context, pg::Connection& target) {
  std::vector<TableProgress> tables;
  for (const auto& table : context.tables) {
    TableProgress progress;
    progress.name = table.schema + "." + table.name;
    progress.estimated_bytes = table.bytes;
    tables.push_back(std::move(progress));
  }
  auto stored = co_await state::load_progress(target);
  if (!stored) co_return fail(stored.error());
  context.table_finished.assign(context.tables.size(), false);
  context.table_indexed.assign(context.tables.size(), false);
  for (const auto& row : *stored) {
    if (row.table >= tables.size()) continue;
    context.table_finished[row.table] = context.table_indexed[row.table] = row.phase == "ready";
    tables[row.table].chunks_total = row.total;
    tables[row.table].chunks_done = row.done;
    tables[row.table].chunks_verified = row.verified;
    tables[row.table].rows = row.rows;
    tables[row.table].bytes = row.bytes;
  }
  context.progress.emplace(std::move(tables), !context.options.quiet);
  co_return Status{};
}

Task<Result<long long>> pending_chunks(RunContext& context) {
  auto target = co_await context.target_sessions.acquire();
  if (!target) co_return fail(target.error());
  auto pending =
      co_await (*target)->query("SELECT count(*) FROM pgshift.chunks WHERE state = 'pending'");
  if (!pending) co_return fail(pending.error());
  co_return pending->integer(0, 0);
}

// Copies until no chunk is pending anywhere. Chunks locked by another process are skipped by
// the workers; if that process dies its locks go with it, so they are claimed on a later round.
Task<Status> copy_all_chunks(RunContext& context) {
  for (int round = 0;; ++round) {
    int workers_running = context.options.jobs;
    Notifier workers_done(context.executor);
    for (int worker = 0; worker < context.options.jobs; ++worker) {
      spawn_task(context.executor, "copy worker " + std::to_string(worker),
                 run_copy_worker(context, worker), [&, round](Status ended) {
                   if (!ended) context.record_fatal(std::move(ended.error()));
                   --workers_running;
                   workers_done.notify();
                   // A worker with no chunk left hands its share of the servers to the table
                   // finishers (slot_tasks.hpp): the end of a run is their backlog.
                   if (round == 0) {
                     ++context.task_slots_free;
                     context.task_slots_changed.notify();
                   }
                 });
    }
    while (workers_running > 0) co_await workers_done.wait();
    if (context.fatal) co_return fail(*context.fatal);
    auto pending = co_await pending_chunks(context);
    if (!pending) co_return fail(pending.error());
    if (*pending == 0) co_return Status{};
    if (round == 0) context.progress->set_phase("waiting for chunks held by other processes");
    auto helped = co_await help_read_back(context);
    if (!helped) co_return fail(helped.error());
    if (!*helped) co_await sleep_for(std::chrono::milliseconds(500));
  }
}

// Tables whose chunks are all in but not finished (a resumed run, partitioned parents, tables a
// dead process was indexing): finish them, waiting out advisory locks held by other processes.
Task<Status> finish_remaining_tables(RunContext& context) {
  for (;;) {
    auto target = co_await context.target_sessions.acquire();
    if (!target) co_return fail(target.error());
    auto rows = co_await (*target)->query(
        "SELECT table_id FROM pgshift.tables t WHERE phase <> 'ready' AND NOT EXISTS "
        "(SELECT 1 FROM pgshift.chunks c WHERE c.table_id = t.table_id AND c.state <> 'done')");
    if (!rows) co_return fail(rows.error());
    if (rows->rows() == 0) co_return Status{};
    for (int row = 0; row < rows->rows(); ++row) {
      start_table_finisher(context, static_cast<std::size_t>(rows->integer(row, 0)));
    }
    co_await wait_for_slot_tasks(context);
    if (context.fatal) co_return fail(*context.fatal);
    auto left = co_await (*target)->query(
        "SELECT count(*) FROM pgshift.tables t WHERE phase <> 'ready' AND NOT EXISTS "
        "(SELECT 1 FROM pgshift.chunks c WHERE c.table_id = t.table_id AND c.state <> 'done')");
    if (!left) co_return fail(left.error());
    if (left->integer(0, 0) == 0) co_return Status{};
    // Another process holds a table's lock: help it read the table back meanwhile.
    auto helped = co_await help_read_back(context);
    if (!helped) co_return fail(helped.error());
    if (!*helped) co_await sleep_for(std::chrono::milliseconds(500));
  }
}

// One process finalizes; the others wait until it is done. A holder that died releases the lock.
Task<Status> finalize_once(RunContext& context, pg::Connection* snapshot_reader) {
  for (int attempt = 0;;) {
    auto target = co_await pg::open_session(context.options.target, "target");
    Status result;
    if (!target) {
      result = fail(target.error());
    } else {
      auto locked = co_await target->query("SELECT pg_try_advisory_lock(" +
                                           std::to_string(kFinalizeLockClass) + ", 0)");
      if (!locked) {
        result = fail(locked.error());
      } else if (locked->boolean(0, 0)) {
        result = co_await finalize_run(context, snapshot_reader);
        if (result) co_return result;
      } else {
        auto run = co_await state::load_run(*target);
        if (run && *run && (*run)->phase == "done") co_return Status{};
        co_await sleep_for(std::chrono::seconds(1));
        continue;
      }
    }
    if (!result.error().retryable() || ++attempt > context.options.max_retries) co_return result;
    spdlog::warn("finishing steps: {} (retry {}/{})", result.error().message, attempt,
                 context.options.max_retries);
    co_await sleep_for(std::chrono::milliseconds(500 << std::min(attempt, 5)));
  }
}

// A Supabase source's own schemas (auth, storage, ...) belong to the platform: left out unless
// --include-internal-schemas, the same rule `pgshift plan` reports.
Task<Status> leave_out_internal_schemas(RunContext& context, pg::Connection& source) {
  if (context.options.include_internal_schemas) co_return Status{};
  auto server = co_await assess::read_server_facts(source, context.options.source, "source");
  if (!server) co_return fail(server.error());
  auto detected = assess::detect_provider(*server);
  auto left_out = assess::internal_schemas_to_leave_out(detected.provider, server->schemas);
  if (left_out.empty()) co_return Status{};
  spdlog::info(
      "{} source ({}): leaving out its internal schemas {} (--include-internal-schemas "
      "copies them)",
      assess::provider_name(detected.provider), detected.evidence, assess::name_list(left_out, 50));
  for (auto& schema : left_out) context.options.filter.exclude_schemas.push_back(std::move(schema));
  co_return Status{};
}

// Connects and prepares the run for the kind of source; `coordinator` stays empty for SQLite.
Task<Status> set_up(RunContext& context, std::optional<pg::Connection>& coordinator,
                    pg::Connection& target) {
  if (context.options.source.kind() == EndpointKind::kSqlite) {
    spdlog::info("planning: source {}, target {} (PostgreSQL {})", context.options.source.display(),
                 context.options.target.display(), target.server_version() / 10000);
    co_return co_await set_up_sqlite_run(context, target);
  }
  auto opened = co_await pg::open_session(context.options.source, "source");
  if (!opened) co_return fail(ErrorKind::kRefused, opened.error().message);
  coordinator.emplace(std::move(*opened));
  spdlog::info("planning: source {} (PostgreSQL {}), target {} (PostgreSQL {})",
               context.options.source.display(), coordinator->server_version() / 10000,
               context.options.target.display(), target.server_version() / 10000);
  if (auto left_out = co_await leave_out_internal_schemas(context, *coordinator); !left_out) {
    co_return left_out;
  }
  co_return co_await set_up_run(context, *coordinator, target);
}

// --restart of a run that finished refuses to drop tables written since (the target re-checked
// against the digests recorded when each chunk was copied), unless --force.
Task<Status> refuse_restart_over_written_tables(RunContext& context, pg::Connection& target) {
  if (!context.options.restart || context.options.force || context.target_changes_after_copy) {
    co_return Status{};
  }
  auto stored = co_await state::load_run(target);
  if (!stored) co_return fail(stored.error());
  if (!*stored) co_return Status{};
  auto finished = co_await state::finished_with_nothing_to_redo(target, **stored);
  if (!finished) co_return fail(finished.error());
  if (!*finished) co_return Status{};
  auto check = co_await recheck_finished_run(target, VerifyMode::kFull);
  if (!check) co_return fail(check.error());
  if (check->changed.empty()) co_return Status{};
  co_return fail(ErrorKind::kRefused,
                 "--restart would drop tables written since the migration finished: " +
                     describe_changed(*check) +
                     "; rerun with --restart --force to drop them and migrate again");
}

// A rerun of a run that finished (and left no mismatched chunk to copy again) copies nothing: once
// set-up has checked the source's schema still matches, it re-checks the target against the
// digests recorded when each chunk was copied and reports the target as it is now (exit 1 naming
// what changed). Returns true when the rerun is thereby complete.
Task<Result<bool>> recheck_if_finished(RunContext& context, pg::Connection& target) {
  auto stored = co_await state::load_run(target);
  if (!stored) co_return fail(stored.error());
  if (!*stored) co_return false;
  auto finished = co_await state::finished_with_nothing_to_redo(target, **stored);
  if (!finished || !*finished || context.target_changes_after_copy) co_return finished;
  spdlog::info(
      "this migration (begun {}) has finished; re-checking the target against the "
      "digests recorded when each chunk was copied",
      (*stored)->started_at);
  auto check = co_await recheck_finished_run(target, context.options.verify);
  if (!check) co_return fail(check.error());
  context.tables = std::move(check->tables);
  for (const auto& mismatch : check->changed) {
    spdlog::error("{} chunk {} {}: {}", context.table_name(mismatch.table_index), mismatch.chunk,
                  mismatch.key_range, mismatch.detail);
  }
  context.mismatches = std::move(check->changed);
  spdlog::info("{} chunks re-checked, {} changed", check->chunks_checked,
               context.mismatches.size());
  co_return true;
}

// The display is not worth stopping a run for, but its failure is said, not swallowed.
void start_progress_printer(RunContext& context) {
  spawn_task(context.executor, "progress display", context.progress->run_printer(),
             [&context](Status ended) {
               if (ended) return;
               spdlog::warn("{}", ended.error().message);
               context.warnings.push_back(ended.error().message);
             });
}

// Ends the presence's heartbeat however run_migration returns.
struct PresenceStopper {
  state::RunPresence* presence;
  ~PresenceStopper() {
    if (presence) presence->stop();
  }
};

}  // namespace

Task<Status> run_migration(RunContext& context) {
  PresenceStopper stopper{context.presence_outlives_run ? nullptr : context.presence};
  std::optional<pg::Connection> coordinator;
  {
    auto lease = co_await context.target_sessions.acquire();
    if (!lease) co_return fail(ErrorKind::kRefused, lease.error().message);
    // Only now: against a target that cannot be reached, presence would hold up the exit.
    if (context.presence) {
      spawn_task(context.executor, "run presence", context.presence->run(), [](Status ended) {
        if (!ended) spdlog::debug("{}", ended.error().message);  // for status only, never fatal
      });
    }
    pg::Connection& target = **lease;
    if (auto refused = co_await refuse_restart_over_written_tables(context, target); !refused) {
      co_return refused;
    }
    auto set_up_timed = context.phase_times.time(Phase::kSetUp);
    if (auto ready = co_await set_up(context, coordinator, target); !ready) co_return ready;
    set_up_timed.stop();
    if (context.presence) context.presence->wake();
    // The pre-data script of a PostgreSQL source SETs session settings that outlive it.
    if (coordinator) lease->set_holds_session_state(true);
    if (auto upgraded = co_await target.query(std::string(state::kUpgradeStateSql) + "; " +
                                              state::kUpgradeReadbackSql);
        !upgraded) {
      co_return fail(upgraded.error());
    }
    auto finished_before = co_await recheck_if_finished(context, target);
    if (!finished_before) co_return fail(finished_before.error());
    if (*finished_before) {
      if (context.after_set_up) co_return co_await context.after_set_up();
      co_return Status{};
    }
    if (auto seeded = co_await seed_progress(context, target); !seeded) co_return seeded;
    if (auto loaded = co_await load_foreign_keys(context, target); !loaded) co_return loaded;
    if (auto found = co_await find_replaceable_tables(context, target); !found) co_return found;
  }
  if (context.after_set_up) {
    if (auto started = co_await context.after_set_up(); !started) co_return started;
  }
  spdlog::info("{} tables, {} chunks, {} workers, verification {}", context.tables.size(),
               context.chunks.size(), context.options.jobs,
               verify_mode_name(context.options.verify));

  start_progress_printer(context);
  if (auto copied = co_await copy_all_chunks(context); !copied) co_return copied;
  co_await wait_for_slot_tasks(context);
  if (context.options.source.kind() == EndpointKind::kSqlite) {
    if (auto unchanged = check_sqlite_unchanged(context); !unchanged) co_return unchanged;
  }
  if (context.fatal) co_return fail(*context.fatal);
  context.progress->set_phase("remaining indexes");
  if (auto finished = co_await finish_remaining_tables(context); !finished) co_return finished;
  // Large objects are read at the run's snapshot: through whichever session holds it now.
  auto snapshot_reader =
      co_await live_snapshot_reader(context, coordinator ? &*coordinator : nullptr);
  if (!snapshot_reader) co_return fail(snapshot_reader.error());
  auto finalize_timed = context.phase_times.time(Phase::kFinalize);
  if (auto finalized = co_await finalize_once(context, *snapshot_reader); !finalized) {
    co_return finalized;
  }
  finalize_timed.stop();
  if (coordinator) co_await coordinator->query("COMMIT");  // releases the exported snapshot
  if (context.renewed_exporter) co_await context.renewed_exporter->query("COMMIT");
  co_return Status{};
}

namespace {

// The run's mismatches, each under its table in the report.
void add_mismatches(const RunContext& context, std::vector<verify::ReportTable>& tables) {
  for (const auto& mismatch : context.mismatches) {
    if (mismatch.table_index >= tables.size()) continue;
    verify::ReportMismatch item;
    item.chunk = mismatch.chunk;
    item.key_range = mismatch.key_range;
    item.kind = mismatch.kind;
    item.keys = mismatch.keys;
    item.detail = mismatch.detail;
    tables[mismatch.table_index].mismatches.push_back(std::move(item));
  }
}

Task<std::vector<verify::ReportTable>> report_tables(RunContext& context) {
  std::vector<verify::ReportTable> out;
  for (const auto& table : context.tables) {
    verify::ReportTable row;
    row.schema = table.schema;
    row.name = table.name;
    out.push_back(std::move(row));
  }
  auto target = co_await pg::open_session(context.options.target, "target");
  if (!target) co_return out;
  auto rows = co_await target->query(R"SQL(
    SELECT table_id, count(*), count(*) FILTER (WHERE verified IS NOT NULL AND state = 'done'),
           COALESCE(sum(rows), 0), COALESCE(sum(COALESCE(target_rows, rows)), 0),
           COALESCE(sum(bytes), 0), COALESCE(sum(seconds), 0)
    FROM pgshift.chunks GROUP BY table_id)SQL");
  if (rows) {
    for (int row = 0; row < rows->rows(); ++row) {
      auto index = static_cast<std::size_t>(rows->integer(row, 0));
      if (index >= out.size()) continue;
      out[index].chunks_total = static_cast<int>(rows->integer(row, 1));
      out[index].chunks_verified = static_cast<int>(rows->integer(row, 2));
      out[index].rows_source = rows->integer(row, 3);
      out[index].rows_target = rows->integer(row, 4);
      out[index].bytes = rows->integer(row, 5);
      out[index].seconds = std::stod(rows->text(row, 6));
    }
  }
  add_mismatches(context, out);
  out.insert(out.end(), context.finishing_reports.begin(), context.finishing_reports.end());
  co_return out;
}

// The report's tables from what this process knows without asking a server: the progress
// (seeded from the recorded state, so it includes the work of earlier runs) and the mismatches.
std::vector<verify::ReportTable> progress_report_tables(const RunContext& context) {
  std::vector<verify::ReportTable> out;
  for (std::size_t i = 0; i < context.tables.size(); ++i) {
    verify::ReportTable row;
    row.schema = context.tables[i].schema;
    row.name = context.tables[i].name;
    if (context.progress && i < context.progress->tables().size()) {
      const TableProgress& progress = context.progress->tables()[i];
      row.rows_source = row.rows_target = progress.rows;
      row.bytes = progress.bytes;
      row.chunks_total = progress.chunks_total;
      row.chunks_verified = progress.chunks_verified;
    }
    out.push_back(std::move(row));
  }
  add_mismatches(context, out);
  return out;
}

}  // namespace

int run_migrate_command(MigrateOptions options) {
  CommandFrame frame("migrate", options.source, options.target, options.report_path);
  RunContext context(frame.io.get_executor(), std::move(options));
  context.worker_id = this_worker_id();
  context.task_slots_free = std::max(1, context.options.jobs);
  context.extra_lanes_free = std::max(1, context.options.jobs);
  verify::Report& report = frame.report;
  report.verify_mode = verify_mode_name(context.options.verify);

  // Tells `status` that this run is live and how long it was active (run_presence.hpp); started
  // by run_migration once the target answered.
  state::RunPresence presence(frame.io.get_executor(), context.options.target,
                              context.worker_id + ":" + report.started_at);
  context.presence = &presence;

  // SIGINT/SIGTERM: stop at once. Closing the connections makes both servers roll back the
  // in-flight chunk transactions, so the state stays exact and a rerun resumes.
  Status outcome = frame.run(
      run_migration(context),
      [&] {
        context.record_fatal(Error{ErrorKind::kInterrupted, "interrupted"});
        frame.io.stop();
      },
      [&] {
        if (context.progress) context.progress->stop();
      });

  if (frame.signalled() || !frame.task_ended()) {
    // The report is written before the exit; its figures are the in-memory progress, since a
    // query now could wait on a server that is the reason for the interruption.
    frame.close_interrupted();
    report.warnings = context.warnings;
    report.tables = progress_report_tables(context);
    frame.write_report();
    std::fprintf(stderr,
                 "\npgshift: interrupted; in-flight chunks were rolled back. Run the same command "
                 "again to resume.\n");
    std::fflush(stdout);
    std::fflush(stderr);
    _exit(130);  // coroutine frames still reference the run; the OS closes the sockets
  }
  bool differences = !context.mismatches.empty() ||
                     std::any_of(context.finishing_reports.begin(), context.finishing_reports.end(),
                                 [](const auto& entry) { return !entry.mismatches.empty(); });
  int exit_code = frame.close(outcome);
  if (outcome && differences) {
    exit_code = report.exit_code = 1;
    report.status = "differences";
  }
  report.warnings = context.warnings;
  report.extra["phases"] = context.phase_times.to_json();
  if (outcome || exit_code == 3) {
    asio::io_context report_io;
    asio::co_spawn(report_io, report_tables(context),
                   [&](std::exception_ptr, std::vector<verify::ReportTable> tables) {
                     report.tables = std::move(tables);
                   });
    report_io.run();
  }
  if (exit_code == 3) {
    std::fprintf(stderr,
                 "pgshift: state is kept in the target; rerun the same command to resume.\n");
  } else if (outcome && !context.options.quiet) {
    // The warnings were logged when found (RunContext::warn): the summary only counts them.
    verify::Report summary = report;
    summary.warnings.clear();
    std::fputs(verify::to_human(summary).c_str(), stdout);
    if (!report.warnings.empty()) {
      std::printf("%zu warning%s, shown above and kept in the report\n", report.warnings.size(),
                  report.warnings.size() == 1 ? "" : "s");
    }
  }
  frame.write_report();
  return exit_code;
}

}  // namespace pgshift
