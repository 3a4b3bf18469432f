// Stopping the application's writes on the source for a cutover (`--freeze read-only`), and what
// undoes exactly that. The application roles are those with a client session in the source
// database now, other than superusers and pgshift's own sessions (application_name 'pgshift'):
// each gets `default_transaction_read_only = on` in this database (a role-in-database setting,
// which wins over role and database settings), and so does the database when pgshift may alter
// it (its owner or a superuser), for roles that connect later. Their sessions are then ended
// (idle ones at once, busy ones after a grace period) so they come back read-only. The undo SQL
// restores every setting as it was; the caller records it before the freeze runs. Borrows the
// source connection; one coroutine at a time.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "connectors/pg/connection.hpp"

namespace pgshift::cutover {

struct FreezePlan {
  std::vector<std::string> roles;  // the application roles (names as the catalog has them)
  bool database_level = false;     // the database's own setting is changed too
  std::string freeze_sql;          // one transaction
  std::string undo_sql;            // one transaction
};

Task<Result<FreezePlan>> plan_freeze(pg::Connection& source);

// Ends the sessions of the plan's roles: idle ones at once, the others (in a transaction) when
// they become idle or after `grace`. Returns how many were ended. Needs the right to signal
// them (a superuser, the same role, or pg_signal_backend).
Task<Result<int>> end_application_sessions(pg::Connection& source, const FreezePlan& plan,
                                           std::chrono::milliseconds grace);

// Waits until no other client session of the database holds a transaction that wrote (an
// assigned transaction id): after it, every committed write is in the WAL before the caller's
// next one. A session still writing after `limit` (a superuser's, which the freeze leaves alone)
// is an Error naming it.
Task<Status> wait_for_writers_to_finish(pg::Connection& source, std::chrono::milliseconds limit);

}  // namespace pgshift::cutover
