// The assessment `pgshift plan` (and `migrate --dry-run`) makes of a SQLite source: the file read
// as migrate reads it, every value included (sqlite_reader.hpp, blocking on the caller's thread),
// the target read in a read-only transaction (an unreachable target is a blocker, not an error, so
// the file's report is still printed), then judged and estimated (sqlite_assessment.hpp). Writes
// nothing to the file or the target. Errors only when the file itself cannot be read.
#pragma once

#include "engine/assess/plan_options.hpp"
#include "engine/assess/sqlite_assessment.hpp"

namespace pgshift::assess {

Task<Status> assess_sqlite_source(SqliteAssessment& assessment, const PlanOptions& options);

}  // namespace pgshift::assess
