// The record of a cutover, kept in the target's `pgshift` schema beside the stream's state, so that
// a cutover killed while the source is frozen is never left that way silently: before the freeze
// touches the source, the record holds the SQL that undoes it (and the user's unfreeze hook); the
// next `cutover` or `sync` that finds a record in `freezing` with no live cutover runs the undo
// first. A live cutover holds an advisory lock (kCutoverLock*) on its target session for its whole
// life; the server drops it however the process ends. Functions run on the caller's connection.
#pragma once

#include <optional>
#include <string>

#include "connectors/pg/connection.hpp"
#include "connectors/pg/endpoint.hpp"

namespace pgshift::state {

// pg_advisory_lock(int, int) keys: "pgsh", "cuto".
inline constexpr int kCutoverLockClass = 0x70677368;
inline constexpr int kCutoverLockObject = 0x6375746f;

inline constexpr const char* kCreateCutoverRecordSql = R"SQL(
CREATE TABLE IF NOT EXISTS pgshift.cutover (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  state text NOT NULL,  -- freezing | switching | switched | undone
  undo_sql text NOT NULL,
  unfreeze_hook text,
  started_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now());
)SQL";

struct CutoverRecord {
  std::string state;
  std::string undo_sql;
  std::string unfreeze_hook;
};

// Takes the cutover lock on `target` (this session keeps it until it closes); false if another
// cutover holds it.
Task<Result<bool>> take_cutover_lock(pg::Connection& target);

// The record, if any.
Task<Result<std::optional<CutoverRecord>>> load_cutover_record(pg::Connection& target);

// Records, committed before the freeze runs, what undoes it.
Task<Status> record_freezing(pg::Connection& target, const std::string& undo_sql,
                             const std::string& unfreeze_hook);
Task<Status> set_cutover_state(pg::Connection& target, std::string_view state);

// A record left in `freezing` by a cutover that is not running any more: runs its undo SQL on the
// source and its unfreeze hook, and marks it undone. Returns whether there was one to undo; an
// error if the undo failed (the record stays, the next attempt tries again).
Task<Result<bool>> undo_abandoned_freeze(pg::Connection& target, const Endpoint& source,
                                         const Endpoint& target_endpoint);

// Runs the undo SQL and the hook of `record` on the source (a cutover undoing its own freeze).
Task<Status> undo_freeze(const CutoverRecord& record, const Endpoint& source,
                         const Endpoint& target);

}  // namespace pgshift::state
