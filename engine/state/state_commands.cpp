#include "engine/state/state_commands.hpp"

#include <cstdio>

#include "connectors/pg/session.hpp"
#include "engine/core/task_guard.hpp"
#include "engine/migrate/progress.hpp"
#include "engine/state/run_state.hpp"
#include "verify/report.hpp"

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

}  // namespace

int run_status_command(const Endpoint& endpoint, bool json) {
  return run_on_target(endpoint, [json](pg::Connection& target) -> Task<Status> {
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
    auto timing = co_await target.query(
        "SELECT extract(epoch FROM COALESCE(finished_at, now()) - started_at), "
        "(SELECT count(*) FROM pgshift.chunks WHERE last_error IS NOT NULL AND state <> 'done'), "
        "(SELECT string_agg(DISTINCT last_error, '; ') FROM pgshift.chunks "
        " WHERE last_error IS NOT NULL AND state <> 'done') FROM pgshift.run");
    if (!timing) co_return fail(timing.error());
    double elapsed = std::stod(timing->text(0, 0));
    int total = 0, done = 0, verified = 0, mismatched = 0;
    std::int64_t bytes = 0, estimated = 0;
    for (const auto& row : *progress) {
      total += row.total, done += row.done, verified += row.verified, mismatched += row.mismatched,
          bytes += row.bytes;
    }
    auto estimate = co_await target.query("SELECT COALESCE(sum(est_bytes), 0) FROM pgshift.chunks");
    if (estimate) estimated = estimate->integer(0, 0);
    double rate = elapsed > 0 ? bytes / elapsed : 0;
    std::string eta = (*run)->phase == "done"         ? "0s"
                      : rate > 0 && estimated > bytes ? format_duration((estimated - bytes) / rate)
                                                      : "-";
    if (json) {
      std::string out = "{\"phase\": \"" + verify::json_escape((*run)->phase) +
                        "\", \"source\": \"" + verify::json_escape((*run)->source) +
                        "\", \"started_at\": \"" + verify::json_escape((*run)->started_at) +
                        "\", \"elapsed_seconds\": " + std::to_string(elapsed) + ", \"eta\": \"" +
                        eta + "\", \"chunks_total\": " + std::to_string(total) +
                        ", \"chunks_done\": " + std::to_string(done) +
                        ", \"chunks_verified\": " + std::to_string(verified) +
                        ", \"chunks_mismatched\": " + std::to_string(mismatched) +
                        ", \"errors\": " + timing->text(0, 1) + ", \"tables\": [";
      for (std::size_t i = 0; i < progress->size(); ++i) {
        const auto& row = (*progress)[i];
        out += (i ? ", " : "") + std::string("{\"name\": \"") +
               verify::json_escape(names->text(static_cast<int>(row.table), 1)) +
               "\", \"phase\": \"" + row.phase +
               "\", \"chunks_total\": " + std::to_string(row.total) +
               ", \"chunks_done\": " + std::to_string(row.done) +
               ", \"chunks_verified\": " + std::to_string(row.verified) +
               ", \"rows\": " + std::to_string(row.rows) + "}";
      }
      std::printf("%s]}\n", out.c_str());
      co_return Status{};
    }
    std::printf("migration from %s, started %s: phase %s\n", (*run)->source.c_str(),
                (*run)->started_at.c_str(), (*run)->phase.c_str());
    std::printf("chunks %d/%d done, %d verified, %d mismatched; %s copied; elapsed %s; ETA %s\n",
                done, total, verified, mismatched, format_bytes(static_cast<double>(bytes)).c_str(),
                format_duration(elapsed).c_str(), eta.c_str());
    if (!timing->is_null(0, 2)) std::printf("errors: %s\n", timing->text(0, 2).c_str());
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

int run_cleanup_command(const Endpoint& endpoint, bool quiet) {
  return run_on_target(endpoint, [quiet](pg::Connection& target) -> Task<Status> {
    auto dropped = co_await target.query("DROP SCHEMA IF EXISTS pgshift CASCADE");
    if (!dropped) co_return fail(dropped.error());
    if (!quiet) std::printf("dropped pgshift's run state from the target\n");
    co_return Status{};
  });
}

}  // namespace pgshift
