#include "engine/state/state_commands.hpp"

#include <cstdio>
#include <optional>

#include "connectors/pg/session.hpp"
#include "engine/assess/checks.hpp"
#include "engine/core/task_guard.hpp"
#include "engine/migrate/progress.hpp"
#include "engine/model/pg_quote.hpp"
#include "engine/state/cutover_record.hpp"
#include "engine/state/run_presence.hpp"
#include "engine/state/run_state.hpp"
#include "engine/sync/slot_setup.hpp"
#include "engine/sync/sync_state.hpp"
#include "verify/json.hpp"

namespace pgshift {
namespace {

template <class Body>
int run_on_target(const Endpoint& endpoint, Body body) {
  asio::io_context io;
  int exit_code = 3;
  auto run = [&]() -> Task<Status> {
    auto target = co_await pg::open_session(endpoint, "target");
    if (!target) co_return fail(ErrorKind::kRefused, target.error().message);
    co_return co_await body(*target);
  };
  spawn_task(io.get_executor(), "command", run(), [&](Status status) {
    if (!status) {
      std::fprintf(stderr, "pgshift: %s\n", status.error().message.c_str());
      exit_code = exit_code_for(status.error().kind);
    } else {
      exit_code = 0;
    }
  });
  io.run();
  return exit_code;
}

// The endpoint to write in the resume command: the recorded display form, made a URI again (it
// has no password: libpq takes it from PGPASSWORD or ~/.pgpass, as in the first run).
std::string endpoint_argument(const std::string& display) {
  if (display.starts_with("sqlite:")) return display;
  return "postgres://" + display;
}

Task<Result<double>> active_seconds(pg::Connection& target, bool live) {
  auto recorded =
      co_await target.query("SELECT pg_catalog.to_regclass('pgshift.activity') IS NOT NULL");
  if (!recorded) co_return fail(recorded.error());
  if (recorded->boolean(0, 0)) {
    // Named: GCC 12 rejects a braced list inside co_await ("array used as initializer").
    std::vector<std::optional<std::string>> live_now{std::string(live ? "true" : "false")};
    auto active = co_await target.query(state::kActiveSecondsSql, live_now);
    if (!active) co_return fail(active.error());
    if (!active->is_null(0, 0)) co_return std::stod(active->text(0, 0));
  }
  // A state from an older pgshift records no periods: the wall time is all there is.
  auto wall = co_await target.query(
      "SELECT extract(epoch FROM COALESCE(finished_at, now()) - started_at)::float8 "
      "FROM pgshift.run");
  if (!wall) co_return fail(wall.error());
  co_return std::stod(wall->text(0, 0));
}

// The change stream's part of `status` (CLI.md's sync fields); empty for a migrate.
Task<Result<verify::Json>> stream_view(pg::Connection& target,
                                       const std::optional<sync::StreamState>& stream) {
  verify::Json out = verify::Json::object();
  if (!stream) co_return out;
  auto row = co_await target.query(
      "SELECT received_lsn::text, applied_lsn::text, lag_bytes, lag_seconds, spill_bytes, "
      "changes_applied, (SELECT COALESCE(sum(pg_catalog.octet_length(data)), 0) FROM "
      "pgshift.spill) FROM pgshift.sync");
  if (!row) co_return fail(row.error());
  out["slot"] = stream->slot_name;
  out["received_lsn"] = row->text(0, 0);
  out["applied_lsn"] = row->text(0, 1);
  out["lag_bytes"] = row->integer(0, 2);
  out["lag_seconds"] = std::stod(row->text(0, 3));
  out["spill_bytes"] = row->integer(0, 6);
  out["changes_applied"] = row->integer(0, 5);
  co_return out;
}

// WAL the stream's slot keeps on the source now (what it cannot recycle), and the cutover's state.
Task<Result<verify::Json>> source_view(const Endpoint& source, pg::Connection& target,
                                       const std::optional<sync::StreamState>& stream) {
  verify::Json out = verify::Json::object();
  auto cutover = co_await state::load_cutover_record(target);
  if (!cutover) co_return fail(cutover.error());
  if (*cutover) out["cutover"] = (*cutover)->state;
  if (!stream || source.conninfo().empty()) co_return out;
  auto opened = co_await pg::open_session(source, "source");
  if (!opened) co_return fail(ErrorKind::kRefused, opened.error().message);
  std::string wal_status = opened->server_version() >= 130000 ? "wal_status" : "NULL::text";
  auto row = co_await opened->query(
      "SELECT pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), restart_lsn)::bigint, " +
      wal_status + " FROM pg_catalog.pg_replication_slots WHERE slot_name = " +
      pg::quote_literal(stream->slot_name));
  if (!row) co_return fail(row.error());
  out["retained_wal_bytes"] =
      row->rows() == 1 && !row->is_null(0, 0) ? verify::Json(row->integer(0, 0)) : verify::Json();
  out["slot_lost"] = row->rows() == 1 && !row->is_null(0, 1) && row->text(0, 1) == "lost";
  co_return out;
}

}  // namespace

int run_status_command(const Endpoint& source, const Endpoint& endpoint, bool json) {
  return run_on_target(
      endpoint, [json, &endpoint, &source](pg::Connection& target) -> Task<Status> {
        auto run = co_await state::load_run(target);
        if (!run) co_return fail(run.error());
        if (!*run) {
          co_return fail(ErrorKind::kRefused, "no pgshift migration is recorded in this target");
        }
        auto progress = co_await state::load_progress(target);
        if (!progress) co_return fail(progress.error());
        auto names = co_await target.query(
            "SELECT table_id, schema_name || '.' || table_name FROM pgshift.tables ORDER BY 1");
        if (!names) co_return fail(names.error());
        auto live = co_await target.query(state::kRunIsLiveSql);
        if (!live) co_return fail(live.error());
        bool interrupted = (*run)->phase != "done" && !live->boolean(0, 0);
        auto elapsed = co_await active_seconds(target, live->boolean(0, 0));
        if (!elapsed) co_return fail(elapsed.error());
        auto errors = co_await target.query(
            "SELECT (SELECT count(*) FROM pgshift.chunks WHERE last_error IS NOT NULL AND state <> "
            "'done'), (SELECT string_agg(DISTINCT last_error, '; ') FROM pgshift.chunks "
            " WHERE last_error IS NOT NULL AND state <> 'done')");
        if (!errors) co_return fail(errors.error());
        int total = 0, done = 0, verified = 0, mismatched = 0;
        std::int64_t bytes = 0, estimated = 0;
        for (const auto& row : *progress) {
          total += row.total, done += row.done, verified += row.verified,
              mismatched += row.mismatched, bytes += row.bytes;
        }
        auto estimate =
            co_await target.query("SELECT COALESCE(sum(est_bytes), 0) FROM pgshift.chunks");
        if (estimate) estimated = estimate->integer(0, 0);
        double rate = *elapsed > 0 ? bytes / *elapsed : 0;
        // An interrupted run has no ETA: nothing is moving until someone reruns it.
        std::optional<std::string> eta;
        if ((*run)->phase == "done") {
          eta = "0s";
        } else if (!interrupted) {
          eta = rate > 0 && estimated > bytes ? format_duration((estimated - bytes) / rate) : "-";
        }
        auto stream = co_await sync::load_stream_state(target);
        if (!stream) co_return fail(stream.error());
        auto view = co_await stream_view(target, *stream);
        if (!view) co_return fail(view.error());
        auto at_source = co_await source_view(source, target, *stream);
        if (!at_source) co_return fail(at_source.error());
        for (const auto& [key, value] : at_source->items()) (*view)[key] = value;
        std::optional<std::string> wal_warning;
        if (at_source->contains("retained_wal_bytes") &&
            (*at_source)["retained_wal_bytes"].is_number() &&
            (*at_source)["retained_wal_bytes"].get<long long>() > assess::kRetainedWalWarnBytes) {
          wal_warning = "replication slot " + (*stream)->slot_name + " keeps " +
                        format_bytes((*at_source)["retained_wal_bytes"].get<double>()) +
                        " of WAL on the source (it cannot recycle it until sync catches up): run "
                        "the sync, or drop the slot with `pgshift cleanup --source S --target T`";
        }
        bool slot_lost = at_source->value("slot_lost", false);
        if (slot_lost) {
          wal_warning = sync::lost_slot_message((*stream)->slot_name, (*stream)->received_lsn);
        }
        std::string recorded_phase = *stream ? (*stream)->phase : (*run)->phase;
        // A sync is only "done" once a cutover switched: before, without a live process it is
        // interrupted.
        interrupted = !live->boolean(0, 0) && recorded_phase != "done";
        std::string phase = interrupted ? "interrupted" : recorded_phase;
        std::string resume = std::string(*stream ? "pgshift sync" : "pgshift migrate") +
                             " --source " + endpoint_argument((*run)->source) + " --target " +
                             endpoint_argument(endpoint.display()) +
                             (slot_lost ? " --restart" : "");
        if (json) {
          verify::Json out;
          out["phase"] = phase;
          if (interrupted) {
            out["stopped_in_phase"] = recorded_phase;
            out["resume"] = resume;
          }
          out["source"] = (*run)->source;
          out["started_at"] = (*run)->started_at;
          out["elapsed_seconds"] = verify::json_number(*elapsed);
          out["eta"] = eta ? verify::Json(*eta) : verify::Json(nullptr);
          out["chunks_total"] = total;
          out["chunks_done"] = done;
          out["chunks_verified"] = verified;
          out["chunks_mismatched"] = mismatched;
          out["errors"] = errors->integer(0, 0);
          for (const auto& [key, value] : view->items()) out[key] = value;
          if (wal_warning) out["warnings"] = verify::json_strings({*wal_warning});
          verify::Json tables = verify::Json::array();
          for (const auto& row : *progress) {
            tables.push_back(
                verify::Json::object({{"name", names->text(static_cast<int>(row.table), 1)},
                                      {"phase", row.phase},
                                      {"chunks_total", row.total},
                                      {"chunks_done", row.done},
                                      {"chunks_verified", row.verified},
                                      {"rows", row.rows}}));
          }
          out["tables"] = std::move(tables);
          std::printf("%s\n", verify::json_line(out).c_str());
          co_return Status{};
        }
        std::printf("migration from %s, started %s: phase %s\n", (*run)->source.c_str(),
                    (*run)->started_at.c_str(),
                    interrupted ? ("interrupted (stopped in " + recorded_phase + ")").c_str()
                                : phase.c_str());
        std::printf(
            "chunks %d/%d done, %d verified, %d mismatched; %s copied; elapsed %s (active)%s\n",
            done, total, verified, mismatched, format_bytes(static_cast<double>(bytes)).c_str(),
            format_duration(*elapsed).c_str(), eta ? ("; ETA " + *eta).c_str() : "");
        if (*stream) {
          std::printf(
              "change stream (slot %s): received %s, applied %s, lag %lld bytes / %.1f s, "
              "%lld changes applied, spill %s\n",
              (*stream)->slot_name.c_str(), (*view)["received_lsn"].get<std::string>().c_str(),
              (*view)["applied_lsn"].get<std::string>().c_str(),
              (*view)["lag_bytes"].get<long long>(), (*view)["lag_seconds"].get<double>(),
              (*view)["changes_applied"].get<long long>(),
              format_bytes(static_cast<double>((*view)["spill_bytes"].get<long long>())).c_str());
        }
        if (view->contains("retained_wal_bytes") && (*view)["retained_wal_bytes"].is_number()) {
          std::printf("the slot keeps %s of WAL on the source\n",
                      format_bytes((*view)["retained_wal_bytes"].get<double>()).c_str());
        }
        if (view->contains("cutover")) {
          std::printf("cutover: %s\n", (*view)["cutover"].get<std::string>().c_str());
        }
        if (wal_warning) std::printf("warning: %s\n", wal_warning->c_str());
        if (interrupted) {
          std::printf(slot_lost
                          ? "no pgshift process is running it, and its slot is lost: begin again "
                            "with %s\n"
                          : "no pgshift process is running it; resume with the same command: %s\n",
                      resume.c_str());
        }
        if (!errors->is_null(0, 1)) std::printf("errors: %s\n", errors->text(0, 1).c_str());
        std::printf("%-40s %-9s %9s %9s %12s\n", "table", "phase", "chunks", "verified", "rows");
        for (const auto& row : *progress) {
          std::string chunks = std::to_string(row.done) + "/" + std::to_string(row.total);
          std::printf("%-40s %-9s %9s %9d %12lld\n",
                      names->text(static_cast<int>(row.table), 1).c_str(), row.phase.c_str(),
                      chunks.c_str(), row.verified, row.rows);
        }
        co_return Status{};
      });
}

int run_cleanup_command(const Endpoint& source, const Endpoint& target_endpoint, bool quiet) {
  return run_on_target(target_endpoint, [&, quiet](pg::Connection& target) -> Task<Status> {
    auto stream = co_await sync::load_stream_state(target);
    if (!stream) co_return fail(stream.error());
    if (!source.conninfo().empty()) {
      auto opened = co_await pg::open_session(source, "source");
      if (!opened) co_return fail(ErrorKind::kRefused, opened.error().message);
      // Also an unrecorded attempt's objects, which carry the same name.
      std::string name = *stream ? (*stream)->slot_name : sync::stream_object_name(target_endpoint);
      std::string publication = *stream ? (*stream)->publication : name;
      bool were_there = false;
      if (auto dropped =
              co_await sync::drop_stream_objects(*opened, name, publication, &were_there);
          !dropped) {
        co_return dropped;
      }
      if (!quiet) {
        std::printf(were_there ? "dropped replication slot and publication %s from the source\n"
                               : "no replication slot or publication %s on the source\n",
                    name.c_str());
      }
    } else if (*stream) {
      co_return fail(ErrorKind::kUsage,
                     "the target records a sync whose slot " + (*stream)->slot_name +
                         " is on the source: give --source too, so the slot (which keeps WAL on "
                         "the source) is dropped with the state");
    }
    auto had_state = co_await target.query(
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'pgshift')");
    if (!had_state) co_return fail(had_state.error());
    auto dropped = co_await target.query("DROP SCHEMA IF EXISTS pgshift CASCADE");
    if (!dropped) co_return fail(dropped.error());
    if (!quiet) {
      std::printf(had_state->boolean(0, 0) ? "dropped pgshift's run state from the target\n"
                                           : "no pgshift run state in the target\n");
    }
    co_return Status{};
  });
}

}  // namespace pgshift
