// Setting the target's sequences to the source's values: those the run's pre-data created
// (pgshift.sequences), or, for a run recorded before that table existed, every sequence the target
// holds (the target was empty when the run began). Used at the end of a migration and again at a
// cutover, when the source's sequences have moved on. Borrows both connections for a few queries.
#pragma once

#include <string>

#include "connectors/pg/connection.hpp"

namespace pgshift {

struct SequenceUpdate {
  std::string sql;  // one setval per sequence, for the caller's transaction
  int count = 0;
};

// Reads the source's values now; the caller runs the SQL on the target.
Task<Result<SequenceUpdate>> sequence_update(pg::Connection& source, pg::Connection& target);

}  // namespace pgshift
