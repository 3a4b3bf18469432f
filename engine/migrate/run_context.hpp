// What every task of one migrate run shares: options, the plan (tables, chunks), how types look
// on each side, progress, the first fatal error and the stop flag. Created by the migrate command,
// it outlives every coroutine of the run. Only touched on the io_context thread: no locks.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "connectors/pg/session_pool.hpp"
#include "engine/core/source_session.hpp"
#include "engine/migrate/migrate_options.hpp"
#include "engine/migrate/phase_times.hpp"
#include "engine/migrate/progress.hpp"
#include "engine/model/binary_values.hpp"
#include "engine/model/table.hpp"
#include "engine/pipeline/byte_queue.hpp"
#include "engine/pipeline/chunk_copy.hpp"
#include "engine/state/run_presence.hpp"
#include "engine/state/run_state.hpp"
#include "verify/report.hpp"

namespace pgshift::sqlite {
struct SqliteSource;
}  // namespace pgshift::sqlite

namespace pgshift {

struct Mismatch {
  std::size_t table_index = 0;  // into RunContext::tables
  int chunk = 0;
  std::string key_range;
  std::string kind;  // missing | extra | changed
  std::vector<std::string> keys;
  std::string detail;
};

// Every target session of a run is prepared this way (see run_context.cpp for why it is safe).
Task<Status> prepare_target_session(pg::Connection& target);

struct RunContext {
  RunContext(asio::any_io_executor executor, MigrateOptions options)
      : options(std::move(options)),
        executor(executor),
        target_sessions(this->options.target, "target", prepare_target_session),
        snapshot_renewed(executor),
        task_slots_changed(executor) {}

  MigrateOptions options;
  asio::any_io_executor executor;
  pg::SessionPool target_sessions;  // for every target session of the run but the report's
  std::string snapshot;  // exported snapshot every source reader imports (PostgreSQL sources)
  // When the first exporter's snapshot was lost, the session holding the one that replaced it
  // (snapshot_renewal.hpp); the finishing steps read through it.
  std::optional<pg::Connection> renewed_exporter;
  bool renewing_snapshot = false;
  Notifier snapshot_renewed;
  SourceSessionFactory open_source;                           // how a worker opens its reading side
  std::shared_ptr<const sqlite::SqliteSource> sqlite_source;  // SQLite sources only
  std::string worker_id;                                      // host:pid, recorded with each chunk
  std::vector<Table> tables;
  std::map<std::pair<std::size_t, int>, Chunk> chunks;
  pg::TypeShapes source_shapes;
  pg::TypeShapes target_shapes;
  pg::OidRemap remap;
  std::vector<TableStreamSpec> specs;  // per table
  std::optional<Progress> progress;
  PhaseTimes phase_times;  // for the report: where the run's time went

  // `pgshift sync` runs this same copy with two differences (engine/sync/sync_command.cpp): the
  // snapshot of a new run is the one its replication slot exports, and once set-up is done the
  // change receiver starts. Empty for migrate.
  std::function<Task<Result<std::string>>(pg::Connection& coordinator)> export_new_run_snapshot;
  // The same for a run resumed after its snapshot was lost (empty: pg_export_snapshot()).
  std::function<Task<Result<std::string>>(pg::Connection& coordinator)> export_resumed_snapshot;
  std::function<Task<Status>()> after_set_up;
  // Committed with a new run's state (sync: the stream's state), so that no crash leaves one
  // without the other.
  std::string new_run_state_sql;
  // The target is written after the copy (by the change stream): a finished copy is not re-checked
  // against the digests recorded when each chunk was copied, and --restart needs no --force.
  bool target_changes_after_copy = false;
  // The process goes on after the copy (streaming): it stops `presence` itself.
  bool presence_outlives_run = false;

  std::optional<Error> fatal;
  std::vector<Mismatch> mismatches;
  // What the finishing steps compared besides tables (large objects), for the report; a
  // mismatch in one ends the run with exit 1 like a chunk's.
  std::vector<verify::ReportTable> finishing_reports;
  std::vector<std::string> warnings;
  bool stopping = false;
  state::RunPresence* presence = nullptr;  // tells `status` the run is live (run_presence.hpp)

  // Every background task (table finishers: indexes, read-back, ANALYZE; early foreign keys)
  // runs in one of `jobs` shared slots (slot_tasks.hpp). Unfinished: started, not yet ended
  // (waiting for a slot or running). Notified when a slot frees or a task ends.
  int slot_tasks_unfinished = 0;
  int task_slots_free = 0;
  // Target connections run_target_lanes may open beyond the first lane of each job, run-wide
  // (`jobs` of them): keeps the run's session count linear in --jobs (at most about 6 x jobs:
  // copy workers, finishers with their first lanes, and these), where every finisher taking
  // `jobs` lanes of its own made it quadratic.
  int extra_lanes_free = 0;
  Notifier task_slots_changed;
  // Tables this process indexed (ANALYZE may still be running) and finished, and the run's
  // foreign keys (loaded after set-up): a foreign key is created as soon as both its tables are
  // indexed here; the rest at the end (finalize).
  std::vector<bool> table_indexed;
  std::vector<bool> table_finished;
  std::vector<state::PendingDdl> foreign_keys;
  std::vector<bool> foreign_key_started;

  // Logs a warning when it is first found (so a run that fails later still showed it) and keeps
  // it for the report; the same warning twice is one warning.
  void warn(std::string warning);
  // Fills `specs` from `tables`: each column's kind in `value_shapes` (the type system the source
  // stream is encoded in), and whether user type OIDs embedded in arrays and records need `remap`.
  void build_stream_specs(const pg::TypeShapes& value_shapes);

  void record_fatal(Error error) {
    if (!fatal) fatal = std::move(error);
    stopping = true;
  }
  std::string table_name(std::size_t table) const {
    return tables[table].schema + "." + tables[table].name;
  }
};

// "table public.orders chunk 3 [(100), (200))": how errors name a chunk.
std::string describe_chunk(const RunContext& context, const Chunk& chunk);

}  // namespace pgshift
