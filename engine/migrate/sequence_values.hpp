// Setting the target's sequences to the source's values: those the run's pre-data created
// (pgshift.sequences), or, for a run recorded before that table existed, every sequence the target
// holds (the target was empty when the run began); at a cutover also the sequences made on both
// sides since. Only sequences both servers hold are set: one dropped on the source since the run
// began is named in `gone` (the target keeps it), never an error that no rerun could get past.
// Used at the end of a migration and again at a cutover, when the source's sequences have moved
// on. Borrows both connections for a few queries.
#pragma once

#include <string>
#include <vector>

#include "connectors/pg/connection.hpp"

namespace pgshift {

struct SequenceUpdate {
  std::string sql;  // one setval per sequence, for the caller's transaction
  int count = 0;
  std::vector<std::string> gone;    // the run's sequences the source no longer has
  std::vector<std::string> absent;  // the run's sequences the target no longer has
};

enum class SequenceScope {
  kRun,         // the run's own (end of a migration)
  kEveryShared  // also any other sequence both sides hold (a cutover)
};

// Reads the source's values now; the caller runs the SQL on the target.
Task<Result<SequenceUpdate>> sequence_update(pg::Connection& source, pg::Connection& target,
                                             SequenceScope scope = SequenceScope::kRun);

}  // namespace pgshift
