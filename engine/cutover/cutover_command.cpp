#include "engine/cutover/cutover_command.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <optional>

#include "connectors/pg/replication/lsn.hpp"
#include "connectors/pg/session.hpp"
#include "engine/command/command_frame.hpp"
#include "engine/core/sleep_for.hpp"
#include "engine/core/subprocess.hpp"
#include "engine/core/task_guard.hpp"
#include "engine/cutover/large_object_level.hpp"
#include "engine/cutover/pending_result.hpp"
#include "engine/cutover/source_freeze.hpp"
#include "engine/cutover/stream_coverage.hpp"
#include "engine/cutover/sync_process.hpp"
#include "engine/migrate/sequence_values.hpp"
#include "engine/model/pg_quote.hpp"
#include "engine/state/cutover_record.hpp"
#include "engine/state/run_presence.hpp"
#include "engine/sync/slot_setup.hpp"
#include "engine/sync/sync_state.hpp"
#include "verify/changed_keys.hpp"
#include "verify/report.hpp"

namespace pgshift::cutover {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kLagPoll = std::chrono::milliseconds(50);
constexpr auto kDrainPoll = std::chrono::milliseconds(2);
// After the switch, the sync process stops at its next stream-monitor tick (1 s).
constexpr auto kSyncExitWait = std::chrono::seconds(15);
// Undoing a freeze: tries, and the pause before the n-th retry is n times this.
constexpr int kUndoAttempts = 6;
constexpr auto kUndoBackoff = std::chrono::milliseconds(500);

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

class Cutover {
 public:
  Cutover(asio::any_io_executor executor, CutoverOptions options, verify::Report& report)
      : options_(std::move(options)),
        report_(report),
        source_counts_(executor),
        target_counts_(executor) {}

  bool interrupted = false;

  Task<Status> run() {
    auto target = co_await pg::open_session(options_.target, "target");
    if (!target) co_return fail(ErrorKind::kRefused, target.error().message);
    target_.emplace(std::move(*target));
    auto source = co_await pg::open_session(options_.source, "source");
    if (!source) co_return fail(ErrorKind::kRefused, source.error().message);
    source_.emplace(std::move(*source));
    if (auto ready = co_await check_ready(); !ready) co_return ready;
    if (complete_switch_) co_return co_await complete_switch();
    if (auto followed = co_await ensure_stream_followed(); !followed) co_return followed;

    if (auto caught_up = co_await timed("wait_lag", [this] { return wait_for_lag(); }); !caught_up)
      co_return caught_up;
    if (auto checked = co_await timed("pre_verify", [this] { return pre_verify(); }); !checked)
      co_return checked;
    if (auto level =
            co_await timed("large_objects_before_freeze",
                           [this] { return level_objects("large_objects_before_freeze"); });
        !level) {
      co_return level;
    }
    if (auto caught_up = co_await wait_for_lag(); !caught_up) co_return caught_up;

    Status switched = co_await freeze_and_switch();
    if (!switched) {
      if (frozen_) {
        Status undone = co_await undo();
        if (!undone) {
          co_return fail(ErrorKind::kRuntime,
                         switched.error().message +
                             "; and undoing the freeze failed: " + undone.error().message +
                             " (the record in the target is kept: the next cutover or sync "
                             "undoes it)");
        }
      }
      co_return switched;
    }
    co_await timed("drop_slot", [this] { return drop_stream(); });
    if (options_.reverse) start_reverse_sync();
    co_return Status{};
  }

  verify::Json summary() const { return summary_; }

 private:
  template <class Step>
  Task<Status> timed(const char* name, Step step) {
    auto began = Clock::now();
    Status result = co_await step();
    steps_[name] = verify::json_number(seconds_since(began));
    co_return result;
  }

  Status check_interrupted() const {
    if (interrupted) return fail(ErrorKind::kInterrupted, "interrupted");
    return Status{};
  }

  Task<Status> check_ready() {
    auto free = co_await state::take_cutover_lock(*target_);
    if (!free) co_return fail(free.error());
    if (!*free)
      co_return fail(ErrorKind::kRefused, "another pgshift cutover is running on this target");
    auto undone = co_await state::undo_abandoned_freeze(*target_, options_.source, options_.target);
    if (!undone) co_return fail(undone.error());
    // The stream goes on where the abandoned cutover left it (a running sync does not reset it).
    if (*undone) {
      if (auto marked = co_await sync::set_stream_phase(*target_, "streaming"); !marked)
        co_return marked;
    }
    auto record = co_await state::load_cutover_record(*target_);
    if (!record) co_return fail(record.error());
    complete_switch_ = *record && (*record)->state == "switching";
    auto recorded = co_await sync::load_stream_state(*target_);
    if (!recorded) co_return fail(recorded.error());
    if (!*recorded) {
      co_return fail(ErrorKind::kRefused,
                     "the target holds no change stream: run `pgshift sync` first");
    }
    stream_ = **recorded;
    if (stream_.phase == "done") {
      co_return fail(ErrorKind::kRefused, "a cutover already completed for this target");
    }
    if (stream_.phase == "copying") {
      co_return fail(ErrorKind::kRefused,
                     "sync is still copying: cut over once `pgshift status` shows catching-up "
                     "or streaming");
    }
    if (options_.reverse) {
      auto level = co_await target_->query("SHOW wal_level");
      if (!level) co_return fail(level.error());
      if (level->text(0, 0) != "logical") {
        co_return fail(ErrorKind::kRefused,
                       "--reverse needs wal_level = logical on the target (it is " +
                           level->text(0, 0) +
                           "): set it and restart the target first (`pgshift plan` with the "
                           "target as source reports what else a stream needs)");
      }
    }
    if (options_.rollback) {
      auto forward = co_await state::load_cutover_record(*source_);
      if (!forward) co_return fail(forward.error());
      if (!*forward || (*forward)->state != "switched") {
        co_return fail(ErrorKind::kRefused,
                       "no completed cutover is recorded in the current primary (--target of "
                       "rollback): nothing to roll back");
      }
      forward_record_ = **forward;
    }
    auto tables = co_await published_tables();
    if (!tables) co_return fail(tables.error());
    tables_ = std::move(*tables);
    // A switch stopped half-way is completed whatever the source does now: the application may
    // already write to the target, and nothing else can move the run on.
    if (!complete_switch_) {
      if (auto covered = co_await check_coverage(); !covered) co_return covered;
    }
    auto source_counter = co_await pg::open_session(options_.source, "source");
    if (!source_counter) co_return fail(source_counter.error());
    source_counter_.emplace(std::move(*source_counter));
    auto target_counter = co_await pg::open_session(options_.target, "target");
    if (!target_counter) co_return fail(target_counter.error());
    target_counter_.emplace(std::move(*target_counter));
    auto slot = co_await sync::slot_exists(*source_, stream_.slot_name);
    if (!slot) co_return fail(slot.error());
    if (!*slot) {
      co_return fail(ErrorKind::kRefused, "replication slot " + stream_.slot_name +
                                              " recorded in the target is gone from the source");
    }
    auto lost = co_await sync::slot_lost(*source_, stream_.slot_name);
    if (!lost) co_return fail(lost.error());
    if (*lost && !complete_switch_) {
      co_return fail(ErrorKind::kRefused,
                     sync::lost_slot_message(stream_.slot_name, stream_.received_lsn));
    }
    co_return Status{};
  }

  // A sync process follows the stream (its presence lock is held), or one is started here.
  Task<Status> ensure_stream_followed() {
    auto live = co_await target_->query(state::kRunIsLiveSql);
    if (!live) co_return fail(live.error());
    if (live->boolean(0, 0)) co_return Status{};
    auto started = SyncProcess::start(options_);
    if (!started) co_return fail(started.error());
    sync_process_.emplace(std::move(*started));
    spdlog::info("no pgshift sync process follows the stream: started one");
    auto deadline = Clock::now() + options_.timeout;
    for (;;) {
      if (auto stop = check_interrupted(); !stop) co_return stop;
      auto phase = co_await target_->query(std::string("SELECT (") + state::kRunIsLiveSql +
                                           ") AND phase = 'streaming' FROM pgshift.sync");
      if (!phase) co_return fail(phase.error());
      if (phase->rows() == 1 && phase->boolean(0, 0)) co_return Status{};
      int status = 0;
      if (sync_process_->ended(status)) {
        co_return fail(ErrorKind::kRuntime,
                       "the sync process cutover started ended with exit status " +
                           std::to_string(status) + " (run `pgshift sync` to see why)");
      }
      if (Clock::now() > deadline) {
        co_return fail(ErrorKind::kRuntime, "the sync process did not catch up within --timeout");
      }
      co_await sleep_for(std::chrono::milliseconds(100));
    }
  }

  // Lag as the sync process records it each second (0 once caught up); a view older than a few
  // seconds means nobody follows the stream.
  Task<Status> wait_for_lag() {
    auto deadline = Clock::now() + options_.timeout;
    double max_lag = std::chrono::duration<double>(options_.max_lag).count();
    for (;;) {
      if (auto stop = check_interrupted(); !stop) co_return stop;
      auto row = co_await target_->query(
          "SELECT lag_seconds, now() - updated_at < interval '5 seconds', phase FROM pgshift.sync");
      if (!row) co_return fail(row.error());
      if (row->rows() == 1 && row->boolean(0, 1) && row->text(0, 2) == "streaming" &&
          std::stod(row->text(0, 0)) <= max_lag) {
        co_return Status{};
      }
      if (Clock::now() > deadline) {
        co_return fail(ErrorKind::kRuntime,
                       "the stream did not come within --max-lag of the source in --timeout (is "
                       "`pgshift sync` running? `pgshift status` shows the lag)");
      }
      co_await sleep_for(kLagPoll);
    }
  }

  // Ghostferry's lesson: re-verify while writes still flow, so that the freeze only checks what
  // changed since. Keys that differ now may be in flight; they stay in the set.
  Task<Status> pre_verify() {
    auto checked = co_await verify::check_changed_keys(*source_, *target_, true);
    if (!checked) co_return fail(std::move(checked.error()).within("re-verifying changed keys"));
    summary_["keys_pre_verified"] = checked->keys_checked;
    summary_["keys_in_flight_before_freeze"] = static_cast<long long>(checked->differences.size());
    co_return Status{};
  }

  Task<Status> freeze_and_switch() {
    if (auto marked = co_await sync::set_stream_phase(*target_, "cutover"); !marked)
      co_return marked;
    // Read and recorded before the window opens: writes still flow while they run.
    if (auto prepared = co_await prepare_freeze(); !prepared) co_return prepared;
    auto frozen_at = Clock::now();
    auto step_began = frozen_at;
    auto close_step = [this, &step_began](const char* name) {
      steps_[name] = verify::json_number(seconds_since(step_began));
      step_began = Clock::now();
    };
    if (auto freeze = co_await freeze_source(); !freeze) co_return freeze;
    close_step("freeze");
    // Again now that the application cannot make one: a table made while the lag was waited for.
    if (auto covered = co_await check_coverage(); !covered) co_return covered;
    // The frozen source's counts are final now: taken while the target drains.
    source_counts_.start(verify::count_rows(*source_counter_, tables_));

    auto marker = co_await source_->query(
        "SELECT pg_catalog.pg_logical_emit_message(true, 'pgshift', 'cutover')::text");
    if (!marker) co_return fail(std::move(marker.error()).within("writing the cutover marker"));
    auto marker_lsn = pg::Lsn::parse(marker->text(0, 0));
    if (!marker_lsn)
      co_return fail(ErrorKind::kRuntime, "unreadable marker position " + marker->text(0, 0));
    summary_["marker_lsn"] = marker_lsn->text();
    if (auto drained = co_await drain_to(*marker_lsn); !drained) co_return drained;
    close_step("drain");

    auto sequences = co_await sequence_update(*source_, *target_, SequenceScope::kEveryShared);
    if (!sequences) co_return fail(std::move(sequences.error()).within("reading sequences"));
    warn_of_gone_sequences(sequences->gone, sequences->absent);
    auto set = co_await target_->query("BEGIN; " + sequences->sql + "COMMIT");
    if (!set) co_return fail(std::move(set.error()).within("setting sequences on the target"));
    summary_["sequences_set"] = sequences->count;
    close_step("sequences");
    if (auto level = co_await level_objects("large_objects"); !level) co_return level;
    close_step("large_objects");

    if (auto verified = co_await reverify(); !verified) co_return verified;
    close_step("reverify");

    // Nothing wrote since the freeze (a write now would be lost to the target).
    if (auto still = co_await wait_for_writers_to_finish(*source_, std::chrono::milliseconds(0));
        !still) {
      co_return still;
    }
    if (options_.reverse) {
      if (auto reversed = co_await create_reverse_stream(); !reversed) co_return reversed;
      close_step("reverse_stream");
    }
    if (options_.rollback) {
      // The old primary takes writes again: the forward cutover's freeze is lifted.
      auto undone = co_await target_->query(forward_record_.undo_sql);
      if (!undone) co_return fail(std::move(undone.error()).within("lifting the forward freeze"));
      if (auto marked = co_await state::set_cutover_state(*source_, "rolled-back"); !marked)
        co_return marked;
    }
    if (auto stop = check_interrupted(); !stop) co_return stop;
    if (auto marked = co_await state::set_cutover_state(*target_, "switching"); !marked)
      co_return marked;
    if (!options_.switch_hook.empty()) {
      if (auto ran = run_hook("--switch-hook", options_.switch_hook); !ran) co_return ran;
    }
    close_step("switch");
    summary_["write_unavailable_seconds"] = verify::json_number(seconds_since(frozen_at));
    frozen_ = false;  // the target takes the writes now; the source stays read-only
    co_return co_await record_switched();
  }

  // The switch is made: from here it is only ever completed. Recorded on a fresh session if the
  // one in hand failed (cut, or stalled: libpq may still call a stalled session healthy), retried;
  // if it still cannot be recorded, the source stays frozen and the next cutover completes the
  // switch.
  Task<Status> record_switched() {
    bool retrying = false;
    Status recorded = co_await with_retries("recording the switch", [&]() -> Task<Status> {
      auto replaced = co_await session_for_attempt(target_, options_.target, "target", retrying);
      if (!replaced) co_return fail(replaced.error());
      if (*replaced) {  // the cutover lock lived on the session just replaced
        auto locked = co_await state::take_cutover_lock(*target_);
        if (!locked) co_return fail(locked.error());
        if (!*locked)
          co_return fail(ErrorKind::kRefused, "another pgshift cutover holds the target");
      }
      co_return co_await mark_switched(*target_);
    });
    if (recorded) co_return recorded;
    co_return fail(std::move(recorded.error())
                       .within("the switch was made (the source stays frozen) but could not be "
                               "recorded; run the same cutover again to complete it"));
  }

  // The session an attempt runs on: `session` itself on a first attempt that libpq still calls
  // healthy, otherwise (a retry, after a cut or a stall that libpq cannot see) a new one to
  // `endpoint`. True when it was replaced; `retrying` is set for the next attempt.
  static Task<Result<bool>> session_for_attempt(std::optional<pg::Connection>& session,
                                                const Endpoint& endpoint, const char* label,
                                                bool& retrying) {
    bool replace = retrying || !session->healthy();
    retrying = true;
    if (!replace) co_return false;
    auto opened = co_await pg::open_session(endpoint, label);
    if (!opened) co_return fail(opened.error());
    session.emplace(std::move(*opened));
    co_return true;
  }

  // The cutover's state and the stream's phase in one transaction: a cutover recorded as switched
  // with its stream still in phase 'cutover' would be neither completed nor undone by a rerun.
  static Task<Status> mark_switched(pg::Connection& target) {
    if (auto begun = co_await target.query("BEGIN"); !begun) co_return fail(begun.error());
    Status marked = co_await state::set_cutover_state(target, "switched");
    if (marked) marked = co_await sync::set_stream_phase(target, "done");
    if (marked) {
      if (auto committed = co_await target.query("COMMIT"); !committed) {
        marked = Status{fail(committed.error())};
      }
    }
    if (!marked) co_await target.query("ROLLBACK");
    co_return marked;
  }

  // finish_stream on a source session that answers, retried; a slot that cannot be dropped is a
  // warning in the report (the switch is made either way), naming how to drop it later.
  Task<Status> drop_stream() {
    bool retrying = false;
    Status dropped = co_await with_retries("dropping the stream's slot", [&]() -> Task<Status> {
      auto replaced = co_await session_for_attempt(source_, options_.source, "source", retrying);
      if (!replaced) co_return fail(replaced.error());
      co_return co_await finish_stream();
    });
    if (!dropped) {
      spdlog::warn("the stream's slot {} on the source was not dropped: {}", stream_.slot_name,
                   dropped.error().message);
      report_.warnings.push_back(
          "the replication slot " + stream_.slot_name + " and publication " + stream_.publication +
          " on the source were not dropped (" + dropped.error().message +
          "): the slot keeps the source's WAL until `pgshift cleanup --target T --source S` "
          "drops it");
    }
    co_return dropped;
  }

  // A cutover was killed after it had verified the frozen source and begun the switch: the
  // application may point at either side, so the switch is completed (the hook again: hooks must
  // be safe to repeat), never undone.
  Task<Status> complete_switch() {
    spdlog::warn("a cutover was stopped during its switch: completing the switch");
    if (!options_.switch_hook.empty()) {
      if (auto ran = run_hook("--switch-hook", options_.switch_hook); !ran) co_return ran;
    }
    if (auto marked = co_await mark_switched(*target_); !marked) co_return marked;
    summary_["completed_an_interrupted_switch"] = true;
    co_await timed("drop_slot", [this] { return drop_stream(); });
    co_return Status{};
  }

  // A publication and slot on the target for the same tables, and the stream's state in the
  // source, made while both are frozen and verified equal: the reverse stream starts exactly
  // where the forward one ended, with nothing to copy. Run inside the freeze because a slot made
  // earlier would carry the forward stream's last changes back (keyless rows twice).
  Task<Status> create_reverse_stream() {
    std::string name = sync::stream_object_name(options_.source);
    auto tables = co_await published_tables();
    if (!tables) co_return fail(tables.error());
    std::string sql = "DROP PUBLICATION IF EXISTS " + pg::quote_identifier(name) +
                      "; CREATE PUBLICATION " + pg::quote_identifier(name) + " FOR TABLE ";
    for (std::size_t i = 0; i < tables->size(); ++i) {
      if (i) sql += ", ";
      sql += (*tables)[i];
    }
    auto published = co_await target_->query(sql);
    if (!published) co_return fail(std::move(published.error()).within("--reverse publication"));
    auto slot = co_await target_->query(
        "SELECT lsn::text FROM pg_catalog.pg_create_logical_replication_slot(" +
        pg::quote_literal(name) + ", 'pgoutput')");
    if (!slot) co_return fail(std::move(slot.error()).within("--reverse replication slot"));
    auto start = pg::Lsn::parse(slot->text(0, 0));
    if (!start) co_return fail(ErrorKind::kRuntime, "unreadable slot position");
    sync::StreamState reverse;
    reverse.slot_name = name;
    reverse.publication = name;
    reverse.start_lsn = reverse.received_lsn = reverse.applied_lsn = *start;
    reverse.phase = "streaming";
    reverse.stream_only = true;
    auto recorded = co_await source_->query("CREATE SCHEMA IF NOT EXISTS pgshift; " +
                                            sync::insert_stream_state_sql(reverse));
    if (!recorded) co_return fail(std::move(recorded.error()).within("--reverse stream state"));
    summary_["reverse_slot"] = name;
    co_return Status{};
  }

  // The reverse stream's follower, left running after this process: the reverse slot on the
  // target would otherwise keep its WAL until someone starts one.
  void start_reverse_sync() {
    CutoverOptions reverse;
    reverse.source = options_.target;
    reverse.target = options_.source;
    std::string log_path = "pgshift-reverse-sync.log";
    auto started = SyncProcess::start_detached(reverse, log_path);
    if (!started) {
      report_.warnings.push_back("the reverse sync did not start (" + started.error().message +
                                 "): run `pgshift sync` with --source and --target swapped");
      return;
    }
    summary_["reverse_sync_pid"] = started->release();
    summary_["reverse_sync_log"] = log_path;
  }

  // No change stream carries large objects: brought level here (large_object_level.hpp).
  Task<Status> level_objects(const char* step) {
    auto level = co_await level_large_objects(*source_, *target_);
    if (!level) co_return fail(std::move(level.error()).within("bringing large objects level"));
    if (level->objects == 0 && level->copied == 0 && level->removed == 0) co_return Status{};
    summary_[std::string(step) + "_copied"] = static_cast<long long>(level->copied);
    summary_[std::string(step) + "_removed"] = static_cast<long long>(level->removed);
    if (level->copied + level->removed > 0) {
      spdlog::info("large objects: {} copied again ({} bytes), {} removed from the target",
                   level->copied, level->bytes_copied, level->removed);
    }
    co_return Status{};
  }

  void warn_of_gone_sequences(const std::vector<std::string>& gone,
                              const std::vector<std::string>& absent) {
    auto warn = [this](const std::vector<std::string>& names, const char* what) {
      if (names.empty()) return;
      std::string listed;
      for (const auto& name : names) listed += (listed.empty() ? "" : ", ") + name;
      std::string warning = std::to_string(names.size()) + " sequence(s) copied by the run " +
                            what + ", not set: " + listed;
      spdlog::warn("{}", warning);
      report_.warnings.push_back(std::move(warning));
    };
    warn(gone, "are gone from the source (dropped since the sync began?) and still on the target");
    warn(absent, "are no longer on the target (dropped there?)");
  }

  // Warnings are kept once (the check runs before the freeze and again once frozen).
  Task<Status> check_coverage() {
    // A rollback's reverse stream records no run: the forward one, in the current primary, does.
    pg::Connection& run_holder = options_.rollback ? *source_ : *target_;
    // Named by role, or for a rollback (whose source is the forward run's target) by endpoint.
    Sides sides{"the source", "the target"};
    if (options_.rollback) {
      sides = {"the current primary " + options_.source.display(),
               "the old source " + options_.target.display()};
    }
    auto warnings =
        co_await check_stream_coverage(*source_, *target_, run_holder, stream_.publication,
                                       options_.filter, sides, options_.rollback);
    if (!warnings) co_return fail(warnings.error());
    for (auto& warning : *warnings) {
      if (std::find(report_.warnings.begin(), report_.warnings.end(), warning) !=
          report_.warnings.end()) {
        continue;
      }
      spdlog::warn("{}", warning);
      report_.warnings.push_back(std::move(warning));
    }
    co_return Status{};
  }

  Task<Result<std::vector<std::string>>> published_tables() {
    auto tables = co_await source_->query(
        "SELECT pg_catalog.format('%I.%I', schemaname, tablename) FROM "
        "pg_catalog.pg_publication_tables WHERE pubname = " +
        pg::quote_literal(stream_.publication) + " ORDER BY 1");
    if (!tables) co_return fail(tables.error());
    std::vector<std::string> qualified;
    for (int row = 0; row < tables->rows(); ++row) qualified.push_back(tables->text(row, 0));
    co_return qualified;
  }

  // The roles to freeze and the SQL that undoes it, recorded in the target before anything on
  // the source changes (from here a failure runs the undo, which is harmless if nothing froze).
  Task<Status> prepare_freeze() {
    if (options_.freeze_read_only) {
      auto planned = co_await plan_freeze(*source_);
      if (!planned) co_return fail(planned.error());
      plan_ = std::move(*planned);
    } else {
      plan_.undo_sql = "SELECT 1";
    }
    record_ = state::CutoverRecord{"freezing", plan_.undo_sql, options_.unfreeze_hook};
    if (auto recorded =
            co_await state::record_freezing(*target_, plan_.undo_sql, options_.unfreeze_hook);
        !recorded) {
      co_return recorded;
    }
    frozen_ = true;
    co_return Status{};
  }

  Task<Status> freeze_source() {
    const FreezePlan& plan = plan_;
    if (!options_.freeze_hook.empty()) {
      if (auto ran = run_hook("--freeze-hook", options_.freeze_hook); !ran) co_return ran;
    }
    verify::Json roles = verify::Json::array();
    for (const auto& role : plan.roles) roles.push_back(role);
    summary_["roles_frozen"] = std::move(roles);
    if (options_.freeze_read_only) {
      auto frozen = co_await source_->query(plan.freeze_sql);
      if (!frozen) co_return fail(std::move(frozen.error()).within("freezing the source"));
      auto ended = co_await end_application_sessions(*source_, plan, options_.session_grace);
      if (!ended) co_return fail(ended.error());
      summary_["sessions_ended"] = *ended;
      if (plan.roles.empty() && !plan.database_level) {
        report_.warnings.push_back(
            "--freeze read-only found no application sessions and may not alter the database: "
            "writes were not stopped by pgshift (only by --freeze-hook, if any)");
      }
    }
    co_return co_await wait_for_writers_to_finish(*source_, options_.timeout);
  }

  Task<Status> drain_to(pg::Lsn marker) {
    auto deadline = Clock::now() + options_.timeout;
    long long changes_before = -1;
    for (;;) {
      if (auto stop = check_interrupted(); !stop) co_return stop;
      auto row =
          co_await target_->query("SELECT applied_lsn >= " + pg::quote_literal(marker.text()) +
                                  "::pg_lsn, changes_applied FROM pgshift.sync");
      if (!row) co_return fail(row.error());
      long long changes = row->integer(0, 1);
      if (changes_before < 0) changes_before = changes;
      if (row->boolean(0, 0)) {
        summary_["changes_drained"] = changes - changes_before;
        co_return Status{};
      }
      if (Clock::now() > deadline) {
        co_return fail(ErrorKind::kRuntime, "the stream did not apply the cutover marker " +
                                                marker.text() + " within --timeout");
      }
      co_await sleep_for(kDrainPoll);
    }
  }

  // The keys changed since pre_verify, and every table's row count (the target's counted while
  // the keys are compared, on a connection of its own).
  Task<Status> reverify() {
    target_counts_.start(verify::count_rows(*target_counter_, tables_));
    auto checked = co_await verify::check_changed_keys(*source_, *target_, true);
    auto target_counts = co_await target_counts_.get();
    auto source_counts = co_await source_counts_.get();
    if (!checked) co_return fail(std::move(checked.error()).within("re-verifying changed keys"));
    if (!source_counts) co_return fail(std::move(source_counts.error()).within("source"));
    if (!target_counts) co_return fail(std::move(target_counts.error()).within("target"));
    summary_["keys_reverified"] = checked->keys_checked;
    auto counts = verify::count_differences(tables_, *source_counts, *target_counts);
    summary_["tables_counted"] = static_cast<long long>(tables_.size());
    if (checked->differences.empty() && counts.empty()) co_return Status{};
    std::string named;
    int shown = 0;
    for (const auto& difference : checked->differences) {
      if (shown++ == 10) break;
      if (!named.empty()) named += "; ";
      named += difference.table + " key " + difference.key + " " + difference.kind;
    }
    for (const auto& line : counts) {
      if (shown++ == 10) break;
      if (!named.empty()) named += "; ";
      named += line;
    }
    co_return fail(
        ErrorKind::kMismatch,
        "the target differs from the frozen source, so the switch is called off: " + named);
  }

  Status run_hook(const char* what, const std::string& command) {
    auto ran =
        run_process({"/bin/sh", "-c", command}, {{"PGSHIFT_TARGET", options_.target.conninfo()}});
    if (!ran) return fail(std::move(ran.error()).within(what));
    if (!ran->out.empty() && !options_.quiet) std::fputs(ran->out.c_str(), stdout);
    if (ran->exit_status != 0) {
      std::string message =
          std::string(what) + " exited with status " + std::to_string(ran->exit_status);
      if (!ran->err.empty()) message += ": " + ran->err.substr(0, ran->err.find('\n'));
      return fail(ErrorKind::kRuntime, std::move(message));
    }
    return Status{};
  }

  // On fresh sessions, retried: the failure that called the cutover off may have been the network
  // (its sessions are then dead), and a source left frozen keeps the application from writing.
  Task<Status> undo() {
    spdlog::warn("cutover called off: undoing the freeze on the source");
    co_return co_await with_retries("undoing the freeze", [this] { return undo_once(); });
  }

  // Runs `attempt` until it succeeds, fails for good, or has been tried kUndoAttempts times.
  template <class Attempt>
  Task<Status> with_retries(const char* what, Attempt attempt) {
    Status last;
    for (int tried = 0; tried < kUndoAttempts; ++tried) {
      if (tried > 0) co_await sleep_for(kUndoBackoff * tried);
      last = co_await attempt();
      if (last || !last.error().retryable()) break;
      spdlog::warn("{}: {} (retry {}/{})", what, last.error().message, tried + 1,
                   kUndoAttempts - 1);
    }
    co_return last;
  }

  Task<Status> undo_once() {
    auto undone = co_await state::undo_freeze(record_, options_.source, options_.target);
    if (!undone) co_return undone;
    auto target = co_await pg::open_session(options_.target, "target");
    if (!target) co_return fail(target.error());
    if (auto marked = co_await state::set_cutover_state(*target, "undone"); !marked)
      co_return marked;
    frozen_ = false;
    co_return co_await sync::set_stream_phase(*target, "streaming");
  }

  // The forward stream is over: once the sync process has stopped (it sees the phase `done`), the
  // slot and publication go, or they would keep the source's WAL forever.
  Task<Status> finish_stream() {
    auto deadline = Clock::now() + kSyncExitWait;
    for (;;) {
      int status = 0;
      if (sync_process_ && sync_process_->ended(status)) sync_process_.reset();
      auto active = co_await source_->query(
          "SELECT active_pid FROM pg_catalog.pg_replication_slots WHERE slot_name = " +
          pg::quote_literal(stream_.slot_name) + " AND active");
      if (!active) co_return fail(active.error());
      if (active->rows() == 0) break;
      if (Clock::now() > deadline) {
        auto ended = co_await source_->query("SELECT pg_catalog.pg_terminate_backend(" +
                                             active->text(0, 0) + ")");
        if (!ended) co_return fail(ended.error());
      }
      co_await sleep_for(std::chrono::milliseconds(100));
    }
    if (sync_process_) sync_process_->terminate();
    auto dropped =
        co_await sync::drop_stream_objects(*source_, stream_.slot_name, stream_.publication);
    if (!dropped) co_return dropped;
    summary_["slot_dropped"] = stream_.slot_name;
    co_return Status{};
  }

 public:
  verify::Json steps_json() const { return steps_; }

 private:
  CutoverOptions options_;
  verify::Report& report_;
  std::optional<pg::Connection> source_, target_;
  // Second sessions: row counts run beside the drain and the key comparison.
  std::optional<pg::Connection> source_counter_, target_counter_;
  std::vector<std::string> tables_;  // the stream's tables, "schema"."name" quoted
  PendingResult<std::vector<std::string>> source_counts_, target_counts_;
  std::optional<SyncProcess> sync_process_;
  sync::StreamState stream_;
  state::CutoverRecord record_;
  FreezePlan plan_;
  state::CutoverRecord forward_record_;  // rollback: the forward cutover's, in the new primary
  bool frozen_ = false;
  bool complete_switch_ = false;
  verify::Json steps_ = verify::Json::object();
  verify::Json summary_ = verify::Json::object();
};

}  // namespace

int run_cutover_command(CutoverOptions options) {
  CommandFrame frame(options.rollback ? "rollback" : "cutover", options.source, options.target,
                     options.report_path);
  verify::Report& report = frame.report;
  bool reverse = options.reverse;
  bool quiet = options.quiet;
  Cutover cutover(frame.io.get_executor(), std::move(options), report);
  // The steps see the interruption and undo what they did.
  Status outcome = frame.run(cutover.run(), [&] { cutover.interrupted = true; });
  frame.close(outcome);
  verify::Json summary = cutover.summary();
  report.extra["cutover"] = summary;
  if (summary.contains("write_unavailable_seconds")) {
    report.extra["write_unavailable_seconds"] = summary["write_unavailable_seconds"];
  }
  report.extra["steps"] = cutover.steps_json();
  if (outcome && !quiet) {
    std::printf(
        "%s: switched; writes were unavailable for %.3f s. The %s stays read-only for the "
        "application's roles; %s.\n",
        report.command.c_str(), summary.value("write_unavailable_seconds", 0.0),
        report.command == "rollback" ? "target" : "source",
        summary.contains("slot_dropped")
            ? "its slot and publication are dropped"
            : "its slot and publication could NOT be dropped (see the warning)");
    if (reverse) {
      std::printf(
          "reverse stream ready (slot %s on the target): a `pgshift sync` from the target to the "
          "old source runs in the background (pid %lld, log %s), keeping the old source current; "
          "`pgshift rollback --source S --target T` switches back.\n",
          summary.value("reverse_slot", std::string()).c_str(),
          summary.value("reverse_sync_pid", 0LL),
          summary.value("reverse_sync_log", std::string("-")).c_str());
    }
  }
  frame.write_report();
  return report.exit_code;
}

}  // namespace pgshift::cutover
