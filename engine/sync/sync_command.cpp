#include "engine/sync/sync_command.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>

#include "connectors/pg/catalog.hpp"
#include "connectors/pg/session.hpp"
#include "engine/command/command_frame.hpp"
#include "engine/core/sleep_for.hpp"
#include "engine/core/task_guard.hpp"
#include "engine/migrate/migrate_command.hpp"
#include "engine/migrate/run_context.hpp"
#include "engine/model/pg_quote.hpp"
#include "engine/observe/listen_address.hpp"
#include "engine/observe/metrics_server.hpp"
#include "engine/state/cutover_record.hpp"
#include "engine/state/run_presence.hpp"
#include "engine/sync/apply_loop.hpp"
#include "engine/sync/change_receiver.hpp"
#include "engine/sync/slot_setup.hpp"
#include "engine/sync/stream_monitor.hpp"
#include "engine/sync/sync_preflight.hpp"
#include "verify/report.hpp"

namespace pgshift::sync {
namespace {

// Longer than the longest pause between retries (16 s).
constexpr auto kRetryBudgetRenewedAfter = std::chrono::seconds(60);

// Runs `body` again after a transient failure (a lost connection, a server restart), up to the
// run's retry budget; anything else ends the run. A body that ran for a while before it failed
// gets the whole budget again: a stream followed for days meets unrelated restarts days apart.
template <class Body>
Task<Status> with_retries(RunContext& context, const char* what, Body body) {
  for (int attempt = 0;;) {
    auto began = std::chrono::steady_clock::now();
    Status result = co_await body();
    if (result || context.stopping) co_return result;
    if (std::chrono::steady_clock::now() - began >= kRetryBudgetRenewedAfter) attempt = 0;
    if (!result.error().retryable() || ++attempt > context.options.max_retries) co_return result;
    spdlog::warn("{}: {} (retry {}/{})", what, result.error().message, attempt,
                 context.options.max_retries);
    co_await sleep_for(std::chrono::milliseconds(500 << std::min(attempt, 5)));
  }
}

// The stream's state once the copy's run state exists (committed with it for a new run: the
// run_context.hpp new_run_state_sql), read back and its slot checked on the source.
Task<Status> load_stream(RunContext& context, StreamRun& run) {
  auto target = co_await pg::open_session(context.options.target, "target");
  if (!target) co_return fail(target.error());
  auto recorded = co_await load_stream_state(*target);
  if (!recorded) co_return fail(recorded.error());
  if (!*recorded) {
    co_return fail(ErrorKind::kRefused,
                   "the target holds a migration without a change stream (made by `pgshift "
                   "migrate`, or a sync stopped before its slot was recorded); rerun sync with "
                   "--restart to begin again");
  }
  if (run.copy_resumed_at.valid()) {
    if (auto noted = co_await record_keyless_copies(*target, run.copy_resumed_at); !noted)
      co_return noted;
  }
  run.state = **recorded;
  run.applied_lsn = run.state.applied_lsn;
  run.durable = std::max(run.state.received_lsn, run.state.start_lsn);
  co_return Status{};
}

void start_receiver(RunContext& context, StreamRun& run) {
  auto task = with_retries(context, "change stream", [&run]() -> Task<Status> {
    Status received = co_await run_change_receiver(run);
    // 55006: the slot is still held by the WAL sender of a process that just died (restarted
    // at once after a crash); the server frees it as soon as it notices.
    if (!received && received.error().sqlstate == "55006") received.error().connection_lost = true;
    // 55000: among others, a slot the source invalidated while we followed it (the WAL sender is
    // ended, and the reconnect is refused). Nothing can bring those changes back: say so.
    if (!received && received.error().sqlstate == "55000") {
      if (auto source = co_await pg::open_session(run.options.copy.source, "source")) {
        auto lost = co_await slot_lost(*source, run.state.slot_name);
        if (lost && *lost) {
          co_return fail(ErrorKind::kRefused, lost_slot_message(run.state.slot_name, run.durable));
        }
      }
    }
    co_return received;
  });
  spawn_task(context.executor, "change receiver", std::move(task), [&context, &run](Status ended) {
    if (!ended) context.record_fatal(std::move(ended.error()));
    // Nothing more will be spilled: an applier waiting for the spill would wait forever.
    run.stopping = true;
    run.spilled.notify();
  });
}

// After the copy (or with no copy): the spill, then the live stream, applied to the target.
Task<Status> apply_stream(RunContext& context, StreamRun& run, pg::Connection& target) {
  run.phase = "catching-up";
  if (auto marked = co_await set_stream_phase(target, run.phase); !marked) co_return marked;
  start_stream_monitor(context, run);
  auto applied =
      co_await with_retries(context, "applying changes", [&run]() { return run_apply_loop(run); });
  if (!applied) co_return applied;
  if (context.fatal) co_return fail(*context.fatal);
  co_return Status{};
}

// A stream recorded with nothing to copy (cutover --reverse): receive and apply.
Task<Status> follow_stream_only(RunContext& context, StreamRun& run) {
  if (context.presence) {
    spawn_task(context.executor, "run presence", context.presence->run(), [](Status ended) {
      if (!ended) spdlog::debug("{}", ended.error().message);  // for status only
    });
  }
  if (auto loaded = co_await load_stream(context, run); !loaded) co_return loaded;
  start_receiver(context, run);
  auto target = co_await pg::open_session(context.options.target, "target");
  if (!target) co_return fail(target.error());
  co_return co_await apply_stream(context, run, *target);
}

Task<Result<std::optional<pg::Lsn>>> resolve_endpos(const std::string& endpos,
                                                    pg::Connection& source) {
  if (endpos.empty()) co_return std::optional<pg::Lsn>{};
  if (endpos != "current") co_return pg::Lsn::parse(endpos);
  // The insert position, not pg_current_wal_lsn() (the write position), which can lag behind
  // commits made with synchronous_commit = off: a stop there would miss them.
  auto now = co_await source.query("SELECT pg_catalog.pg_current_wal_insert_lsn()::text");
  if (!now) co_return fail(now.error());
  co_return pg::Lsn::parse(now->text(0, 0));
}

// pg_try_advisory_lock(int, int) keys: "pgsh", "strm".
constexpr int kStreamLockClass = 0x70677368;
constexpr int kStreamLockObject = 0x7374726d;
constexpr auto kKilledSessionRelease = std::chrono::seconds(3);

// One process follows a target's stream. A second one would apply the same spilled changes beside
// the first, and an older transaction applied by one after a newer one applied by the other would
// set rows back. Held on a session of its own (`session`), which the server ends when the process
// ends, however it ends.
Task<Status> take_stream_lock(const Endpoint& endpoint, std::optional<pg::Connection>& session) {
  session.reset();
  auto opened = co_await pg::open_session(endpoint, "target");
  if (!opened) co_return fail(opened.error());
  session.emplace(std::move(*opened));
  // A process killed a moment ago holds it until its server session notices the closed socket.
  auto deadline = std::chrono::steady_clock::now() + kKilledSessionRelease;
  for (;;) {
    auto locked = co_await session->query("SELECT pg_catalog.pg_try_advisory_lock(" +
                                          std::to_string(kStreamLockClass) + ", " +
                                          std::to_string(kStreamLockObject) + ")");
    if (!locked) co_return fail(locked.error());
    if (locked->boolean(0, 0)) co_return Status{};
    if (std::chrono::steady_clock::now() > deadline) break;
    co_await sleep_for(std::chrono::milliseconds(100));
  }
  co_return fail(ErrorKind::kRefused,
                 "another pgshift sync already follows this target's change stream (`pgshift "
                 "status --target T` shows it): two would apply the same changes; stop that "
                 "one first, or let it run");
}

// The lock's session can end while the run goes on (a target restart, idle_session_timeout), and
// with it the lock: checked every kLockCheck (which also keeps the session from idling), taken
// again on a new session, or the run ends if another sync took it meanwhile.
constexpr auto kLockCheck = std::chrono::seconds(2);

Task<Status> keep_stream_lock(StreamRun& run, std::optional<pg::Connection>& session) {
  while (!run.stopping) {
    co_await sleep_for(kLockCheck);
    if (run.stopping) break;
    if (session && session->healthy()) {
      auto alive = co_await session->query("SELECT 1");
      if (alive) continue;
    }
    spdlog::warn("change stream: the session holding the stream lock ended; taking it again");
    Status taken = Status{};
    for (int attempt = 0; attempt < 5; ++attempt) {
      taken = co_await take_stream_lock(run.options.copy.target, session);
      if (taken || !taken.error().retryable() || run.stopping) break;
      co_await sleep_for(std::chrono::seconds(1 << attempt));
    }
    if (!taken) co_return fail(std::move(taken.error()).within("keeping the stream lock"));
  }
  co_return Status{};
}

// After a new run's set-up failed: unless the run (with its stream) reached the target, the slot
// and publication made for it would hold the source's WAL for a run that never started.
Task<void> drop_stream_of_unstarted_run(pg::Connection& target, const SyncOptions& options,
                                        const StreamState& stream) {
  auto recorded = co_await load_stream_state(target);
  if (!recorded) {
    spdlog::warn(
        "could not tell whether the run was recorded ({}): replication slot {} may be "
        "left on the source; `pgshift cleanup --source S --target T` drops it",
        recorded.error().message, stream.slot_name);
    co_return;
  }
  // Recorded with this slot: a rerun resumes it. A record of an earlier run (a --restart refused
  // before it replaced it) names a slot that --restart already dropped: this one, of the same
  // name, must not pass for it, or a plain rerun would resume the old positions on it.
  if (*recorded && (*recorded)->start_lsn == stream.start_lsn) co_return;
  bool were_there = false;
  if (auto dropped =
          co_await drop_unrecorded_stream(options.copy.source, stream.slot_name, &were_there);
      !dropped) {
    spdlog::warn(
        "replication slot {} made for this run is left on the source ({}): `pgshift "
        "cleanup --source S --target T` drops it",
        stream.slot_name, dropped.error().message);
    co_return;
  }
  if (were_there) {
    spdlog::info("dropped replication slot and publication {}, made for this run, from the source",
                 stream.slot_name);
  }
}

// The recorded stream, unless it or a cutover refuses a sync: a cutover completed (unless
// --restart), or one stopped during its switch.
Task<Result<std::optional<StreamState>>> load_followable_stream(pg::Connection& target,
                                                                const SyncOptions& options) {
  auto recorded = co_await load_stream_state(target);
  if (!recorded) co_return fail(recorded.error());
  if (*recorded && (*recorded)->phase == "done" && !options.copy.restart) {
    co_return fail(ErrorKind::kRefused,
                   "a cutover completed for this target: the stream is over (`pgshift cleanup` "
                   "removes the state, --restart begins again)");
  }
  auto cutover = co_await state::load_cutover_record(target);
  if (!cutover) co_return fail(cutover.error());
  if (*cutover && (*cutover)->state == "switching") {
    co_return fail(ErrorKind::kRefused,
                   "a cutover was stopped during its switch: run `pgshift cutover` again to "
                   "complete it");
  }
  co_return std::move(*recorded);
}

Task<Status> run_sync(RunContext& context, StreamRun& run) {
  const SyncOptions& options = run.options;
  if (options.copy.source.kind() != EndpointKind::kPostgres) {
    co_return fail(
        ErrorKind::kRefused,
        "sync needs a PostgreSQL source (a SQLite file has no change stream: use migrate)");
  }
  auto source = co_await pg::open_session(options.copy.source, "source");
  if (!source) co_return fail(ErrorKind::kRefused, source.error().message);
  auto endpos = co_await resolve_endpos(options.endpos, *source);
  if (!endpos) co_return fail(endpos.error());
  run.endpos = *endpos;
  auto target = co_await pg::open_session(options.copy.target, "target");
  if (!target) co_return fail(ErrorKind::kRefused, target.error().message);
  // The refusals that say more (a finished stream, a switch to complete) come before the stream
  // lock's; read again once it is held, as another sync may have moved the run on meanwhile.
  auto recorded = co_await load_followable_stream(*target, options);
  if (!recorded) co_return fail(recorded.error());
  if (auto alone = co_await take_stream_lock(options.copy.target, run.lock_session); !alone) {
    co_return alone;
  }
  recorded = co_await load_followable_stream(*target, options);
  if (!recorded) co_return fail(recorded.error());
  bool follows_slot = false;
  spawn_task(context.executor, "stream lock", keep_stream_lock(run, run.lock_session),
             [&context, &run](Status ended) {
               if (ended) return;
               context.record_fatal(std::move(ended.error()));
               run.stopping = true;
               run.spilled.notify();
             });
  // A cutover killed while the source was frozen: the source takes writes again first.
  if (auto undone =
          co_await state::undo_abandoned_freeze(*target, options.copy.source, options.copy.target);
      !undone) {
    co_return fail(undone.error());
  }
  if (*recorded) {
    if (options.copy.restart) {
      if (auto dropped = co_await drop_stream_objects(*source, (*recorded)->slot_name,
                                                      (*recorded)->publication);
          !dropped) {
        co_return dropped;
      }
    } else {
      auto exists = co_await slot_exists(*source, (*recorded)->slot_name);
      if (!exists) co_return fail(exists.error());
      if (!*exists) {
        co_return fail(
            ErrorKind::kRefused,
            "replication slot " + (*recorded)->slot_name +
                " recorded in the target is gone from the source (dropped, or the source was "
                "replaced), so the changes since " +
                (*recorded)->received_lsn.text() +
                " cannot be recovered; rerun with --restart to copy again");
      }
      auto lost = co_await slot_lost(*source, (*recorded)->slot_name);
      if (!lost) co_return fail(lost.error());
      if (*lost) {
        co_return fail(ErrorKind::kRefused,
                       lost_slot_message((*recorded)->slot_name, (*recorded)->received_lsn));
      }
      follows_slot = true;
    }
  }
  if (follows_slot && (*recorded)->stream_only) co_return co_await follow_stream_only(context, run);
  auto tables = co_await pg::read_tables(*source, options.copy.filter);
  if (!tables) co_return fail(tables.error());
  if (auto ready =
          co_await check_sync_readiness(*source, options, *tables, follows_slot, context.warnings);
      !ready) {
    co_return ready;
  }

  run.state.slot_name = stream_object_name(options.copy.target);
  bool created_stream = false;
  context.export_new_run_snapshot =
      [&context, &run, &created_stream](pg::Connection& coordinator) -> Task<Result<std::string>> {
    // Read now, outside any snapshot: the publication must exist before the slot.
    auto now_tables = co_await pg::read_tables(coordinator, context.options.filter);
    if (!now_tables) co_return fail(now_tables.error());
    created_stream = true;  // from here a failure may leave the slot or the publication behind
    auto snapshot = co_await create_stream_at_snapshot(coordinator, context.options.source,
                                                       *now_tables, run.state);
    if (snapshot) context.new_run_state_sql = insert_stream_state_sql(run.state);
    co_return snapshot;
  };
  context.export_resumed_snapshot =
      [&context, &run](pg::Connection& coordinator) -> Task<Result<std::string>> {
    auto resumed =
        co_await create_resumed_snapshot(coordinator, context.options.source, run.state.slot_name);
    if (!resumed) co_return fail(resumed.error());
    run.copy_resumed_at = resumed->position;
    co_return std::move(resumed->snapshot);
  };
  context.after_set_up = [&context, &run]() -> Task<Status> {
    if (auto loaded = co_await load_stream(context, run); !loaded) co_return loaded;
    start_receiver(context, run);
    co_return Status{};
  };
  if (auto copied = co_await run_migration(context); !copied) {
    if (created_stream) co_await drop_stream_of_unstarted_run(*target, options, run.state);
    co_return copied;
  }
  if (context.progress) context.progress->stop();  // the copy's display; the monitor's from here
  if (context.fatal) co_return fail(*context.fatal);
  if (!context.mismatches.empty()) {
    co_return fail(ErrorKind::kMismatch,
                   std::to_string(context.mismatches.size()) +
                       " chunk(s) differ after the copy; the stream is not applied "
                       "over a copy that is not exact (see the report)");
  }

  co_return co_await apply_stream(context, run, *target);
}

}  // namespace

int run_sync_command(SyncOptions options) {
  CommandFrame frame("sync", options.copy.source, options.copy.target, options.copy.report_path);
  asio::io_context& io = frame.io;
  RunContext context(io.get_executor(), options.copy);
  StreamRun run(io.get_executor(), std::move(options));
  context.worker_id = this_worker_id();
  context.task_slots_free = std::max(1, context.options.jobs);
  context.extra_lanes_free = std::max(1, context.options.jobs);
  context.target_changes_after_copy = true;
  context.presence_outlives_run = true;
  verify::Report& report = frame.report;
  report.verify_mode = verify_mode_name(context.options.verify);

  state::RunPresence presence(io.get_executor(), context.options.target,
                              context.worker_id + ":" + report.started_at);
  context.presence = &presence;

  std::optional<MetricsServer> metrics;
  if (!run.options.metrics_listen.empty()) {
    auto address = parse_listen_address(run.options.metrics_listen);
    Result<MetricsServer> started =
        address ? MetricsServer::start(io.get_executor(), *address,
                                       [&context, &run] { return stream_metrics(context, run); })
                : Result<MetricsServer>(fail(address.error()));
    if (!started) {
      std::fprintf(stderr, "pgshift: --metrics-listen: %s\n", started.error().message.c_str());
      return exit_code_for(started.error().kind);
    }
    metrics.emplace(std::move(*started));
  }

  Status outcome = frame.run(
      run_sync(context, run),
      [&] {
        run.stopping = true;
        context.record_fatal(Error{ErrorKind::kInterrupted, "interrupted"});
        io.stop();
      },
      [&] {
        run.stopping = true;
        if (context.progress) context.progress->stop();
        io.stop();  // the receiver may be waiting on the source: its spill is durable as it stands
      });

  report.warnings = context.warnings;
  int exit_code = 0;
  if (frame.signalled() || !frame.task_ended()) {
    frame.close_interrupted();
    exit_code = 130;
    std::fprintf(
        stderr,
        "\npgshift: interrupted; the spill and the applied position are kept in the target. "
        "Run the same command again to resume.\n");
  } else if (exit_code = frame.close(outcome); !outcome) {
    if (exit_code == 3) {
      std::fprintf(stderr,
                   "pgshift: state is kept in the target; rerun the same command to resume.\n");
    }
  } else {
    if (run.phase == "done") {
      if (!run.options.copy.quiet) {
        std::printf("sync: a cutover switched to the target; %lld changes applied this run\n",
                    run.changes_applied);
      }
    } else if (!run.options.copy.quiet) {
      std::printf("sync: %lld changes applied this run; applied through %s (--endpos %s)\n",
                  run.changes_applied, run.applied_lsn.text().c_str(),
                  run.endpos ? run.endpos->text().c_str() : "-");
    }
  }
  report.extra = stream_report(run);
  frame.write_report();
  std::fflush(stdout);
  std::fflush(stderr);
  // Coroutine frames (the receiver, the presence) may still reference the run: the OS closes
  // their sockets, and the servers roll back whatever was in flight.
  _exit(exit_code);
}

}  // namespace pgshift::sync
