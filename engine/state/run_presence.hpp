// Whether a process is running a migration recorded in a target, and for how long runs were
// active. A running migrate holds, on a session of its own, a shared advisory lock (kPresenceLock*)
// for its whole life: the server drops it when the process ends, however it ends (exit, SIGINT,
// SIGKILL, lost network), so `status` can tell a live run from an interrupted one by looking at
// pg_locks, with no timeout to guess. The same session records the process's active period in
// pgshift.activity (start, and a heartbeat every kHeartbeat), so elapsed time counts the periods
// runs were active, not the wall time since the first start.
#pragma once

#include <chrono>
#include <string>

#include "connectors/pg/endpoint.hpp"
#include "engine/core/asio.hpp"
#include "engine/core/result.hpp"

namespace pgshift::state {

// pg_advisory_lock_shared(int, int) keys: "pgsh", "live".
inline constexpr int kPresenceLockClass = 0x70677368;
inline constexpr int kPresenceLockObject = 0x6c697665;
// An interrupted process records no last beat: its active time is short by up to one interval.
inline constexpr std::chrono::seconds kHeartbeat{1};

// Some process holds the presence lock in this database (pg_locks; readable by any role).
inline constexpr const char* kRunIsLiveSql =
    "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_locks WHERE locktype = 'advisory' AND granted "
    "AND database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = "
    "pg_catalog.current_database()) AND classid = 1885827944 AND objid = 1818850917 "
    "AND objsubid = 2)";

// Seconds during which at least one process was running the run: the union of the recorded
// periods (overlapping processes count once). `$1` is whether a run is live now: then periods
// seen within the last few heartbeats extend to now. NULL when nothing is recorded.
inline constexpr const char* kActiveSecondsSql = R"SQL(
  WITH periods AS (
    SELECT started_at AS s,
           CASE WHEN $1::boolean AND last_seen > pg_catalog.now() - interval '10 seconds'
                THEN pg_catalog.now() ELSE last_seen END AS e
    FROM pgshift.activity),
  marked AS (
    SELECT s, e, CASE WHEN s <= max(e) OVER (ORDER BY s, e ROWS BETWEEN UNBOUNDED PRECEDING
                                              AND 1 PRECEDING) THEN 0 ELSE 1 END AS starts
    FROM periods),
  grouped AS (SELECT s, e, sum(starts) OVER (ORDER BY s, e) AS island FROM marked)
  SELECT sum(extract(epoch FROM island_end - island_start))::float8
  FROM (SELECT min(s) AS island_start, max(e) AS island_end FROM grouped GROUP BY island) i)SQL";

// The table of active periods (part of the state; created by create_state_sql).
inline constexpr const char* kActivityTableSql =
    "CREATE TABLE pgshift.activity (worker text NOT NULL, started_at timestamptz NOT NULL "
    "DEFAULT now(), last_seen timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (worker, "
    "started_at));\n";

// Holds the presence lock and beats the heartbeat until stop(). A run state written by an older
// pgshift has no pgshift.activity: then only the lock is held. Failures are logged at debug level
// and never stop the migration: presence is for `status`, not for correctness.
class RunPresence {
 public:
  RunPresence(asio::any_io_executor executor, Endpoint target, std::string worker);
  Task<void> run();
  // Beats now: the run state was just created, so the period is recorded from the start.
  void wake() {
    woken_ = true;
    timer_.cancel();
  }
  void stop();

 private:
  asio::steady_timer timer_;
  Endpoint target_;
  std::string worker_;
  bool stopped_ = false;
  bool woken_ = false;
};

}  // namespace pgshift::state
