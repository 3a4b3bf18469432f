#include "engine/sync/stream_monitor.hpp"

#include <spdlog/spdlog.h>

#include <optional>

#include "connectors/pg/replication/wire_frames.hpp"
#include "connectors/pg/session.hpp"
#include "engine/core/task_guard.hpp"
#include "engine/model/pg_quote.hpp"
#include "engine/observe/metric_names.hpp"
#include "engine/observe/metrics_text.hpp"

namespace pgshift::sync {
namespace {

constexpr auto kTick = std::chrono::seconds(1);
constexpr int kLineEveryTicks = 5;
constexpr int kSpillSizeEveryTicks = 5;

bool caught_up(const StreamRun& run) {
  return run.caught_up_through.valid() && run.caught_up_through >= run.durable;
}

Task<Status> monitor(RunContext& context, StreamRun& run) {
  // Reopened after a failure (a target restart): a view that stopped for good would show a lag
  // and a phase frozen at that moment for the rest of the run.
  std::optional<pg::Connection> target;
  bool failing = false;
  asio::steady_timer timer(context.executor);
  std::string recorded_phase = run.phase;
  long long changes_at_last_line = run.changes_applied;
  // Under a steady load the applier's spill reads rarely come back empty, so caught_up() alone
  // can stay false for as long as the load runs: everything that was durable a tick ago being
  // applied now also means the backlog is gone.
  pg::Lsn durable_a_tick_ago;
  for (int tick = 1; !run.stopping; ++tick) {
    timer.expires_after(kTick);
    boost::system::error_code ignored;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    if (run.phase == "catching-up" &&
        (caught_up(run) || (durable_a_tick_ago.valid() && run.applied_lsn >= durable_a_tick_ago))) {
      run.phase = "streaming";
    }
    durable_a_tick_ago = run.durable;
    if (!target) {
      auto opened = co_await pg::open_session(run.options.copy.target, "target");
      if (!opened) continue;
      target = std::move(*opened);
    }
    if (tick % kSpillSizeEveryTicks == 1) {
      auto size = co_await spill_bytes(*target);
      if (size) run.spill_bytes = *size;
    }
    auto lag = current_lag(run);
    auto recorded =
        co_await record_stream_view(*target, run.phase, lag.bytes, lag.seconds, run.spill_bytes);
    if (!recorded) {
      if (!failing) spdlog::warn("stream monitor: {} (reconnecting)", recorded.error().message);
      failing = true;
      target.reset();
      continue;
    }
    failing = false;
    if (*recorded == "done") {
      // A cutover switched to the target: this stream's work is over (sync exits 0).
      run.phase = "done";
      run.stopping = true;
      run.spilled.notify();
      break;
    }
    if (run.phase != recorded_phase) {
      spdlog::info("change stream: {} (applied through {})", run.phase, run.applied_lsn.text());
      recorded_phase = run.phase;
    }
    if (tick % kLineEveryTicks == 0 && !run.options.copy.quiet) {
      double rate = static_cast<double>(run.changes_applied - changes_at_last_line) /
                    (kLineEveryTicks * std::chrono::duration<double>(kTick).count());
      changes_at_last_line = run.changes_applied;
      spdlog::info(
          "{}: applied {} changes ({:.0f}/s), through {}; lag {} bytes, {:.1f} s; spill {} bytes",
          run.phase, run.changes_applied, rate, run.applied_lsn.text(), lag.bytes, lag.seconds,
          run.spill_bytes);
    }
  }
  co_return Status{};
}

}  // namespace

Lag current_lag(const StreamRun& run) {
  if (caught_up(run)) return {};
  Lag lag;
  if (run.server_wal_end > run.applied_lsn) {
    lag.bytes = static_cast<long long>(run.server_wal_end.value - run.applied_lsn.value);
  }
  if (run.applied_commit_time_us > 0) {
    lag.seconds = std::max(
        0.0,
        static_cast<double>(pg::replication::postgres_now_us() - run.applied_commit_time_us) / 1e6);
  }
  return lag;
}

void start_stream_monitor(RunContext& context, StreamRun& run) {
  // Only a view: a failure is said, and the stream goes on.
  spawn_task(context.executor, "stream monitor", monitor(context, run), [](Status ended) {
    if (!ended) spdlog::warn("stream monitor: {}", ended.error().message);
  });
}

verify::Json stream_report(const StreamRun& run) {
  auto lag = current_lag(run);
  verify::Json out = verify::Json::object();
  verify::Json stream = verify::Json::object();
  stream["slot"] = run.state.slot_name;
  stream["phase"] = run.phase;
  stream["start_lsn"] = run.state.start_lsn.text();
  stream["received_lsn"] = run.durable.text();
  stream["applied_lsn"] = run.applied_lsn.text();
  stream["endpos"] = run.endpos ? verify::Json(run.endpos->text()) : verify::Json(nullptr);
  stream["changes_applied"] = run.changes_applied;
  stream["lag_bytes"] = lag.bytes;
  stream["lag_seconds"] = verify::json_number(lag.seconds);
  stream["spill_bytes"] = run.spill_bytes;
  out["stream"] = std::move(stream);
  return out;
}

std::string stream_metrics(const RunContext& context, const StreamRun& run) {
  long long chunks_done = 0, chunks_total = 0, rows = 0, bytes = 0;
  if (context.progress) {
    for (const auto& table : context.progress->tables()) {
      chunks_done += table.chunks_done;
      chunks_total += table.chunks_total;
      rows += table.rows;
      bytes += table.bytes;
    }
  }
  auto lag = current_lag(run);
  MetricsText page;
  page.gauge(metric::kChunksDone.name, metric::kChunksDone.help, chunks_done)
      .gauge(metric::kChunksTotal.name, metric::kChunksTotal.help, chunks_total)
      .counter(metric::kRowsCopied.name, metric::kRowsCopied.help, rows)
      .counter(metric::kBytesCopied.name, metric::kBytesCopied.help, bytes)
      .gauge(metric::kLagBytes.name, metric::kLagBytes.help, lag.bytes)
      .gauge(metric::kLagSeconds.name, metric::kLagSeconds.help, lag.seconds)
      .counter(metric::kChangesApplied.name, metric::kChangesApplied.help, run.changes_applied)
      .gauge(metric::kReceivedLsn.name, metric::kReceivedLsn.help,
             static_cast<unsigned long long>(run.durable.value))
      .gauge(metric::kAppliedLsn.name, metric::kAppliedLsn.help,
             static_cast<unsigned long long>(run.applied_lsn.value))
      .gauge(metric::kSpillBytes.name, metric::kSpillBytes.help, run.spill_bytes);
  return page.str();
}

}  // namespace pgshift::sync
