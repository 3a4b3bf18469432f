// The assessment of a SQLite file -> PostgreSQL migration, as plain values: the file's facts, the
// target (or why it could not be reached), the estimate and the findings. `judge_sqlite` turns the
// facts into findings and `estimate_sqlite` the chunk plan and the measured full read into a
// duration; both are pure, so `pgshift plan` and its tests share them.
//
// Findings, each naming table and column and carrying a one-line fix:
//   blockers (migrate refuses, exit 2): values the target type refuses under --on-type-error=fail
//     (count and the first one's key and value); under =null, such values in a NOT NULL column;
//     under =text, values that text refuses too; a date-like column whose sampled integers mix
//     epoch seconds and milliseconds; an unreachable target; the target's own blockers (tables
//     already there, no right to create, read-only: checks.hpp), as migrate judges them;
//   warnings: values that become NULL (=null) and columns that become text (=text), with counts;
//     ambiguous mappings the user did not settle with --cast (an unknown declared type -> numeric,
//     TIME/STRING -> text, no declared type -> bytea, type arguments PostgreSQL refuses); what the
//     schema translation leaves out (views, triggers and virtual tables; CHECKs, indexes, foreign
//     keys or collations that do not translate); a transaction pooler in front of the target;
//   notes: a pgshift run already recorded in the target (migrate resumes it).
#pragma once

#include <string>
#include <vector>

#include "engine/assess/estimate.hpp"
#include "engine/assess/facts.hpp"
#include "engine/assess/finding.hpp"
#include "engine/assess/provider.hpp"
#include "engine/assess/sqlite_facts.hpp"

namespace pgshift::assess {

struct SqliteAssessment {
  std::string source_display, target_display;
  SqliteFileFacts source;
  bool target_reached = false;
  std::string target_error;  // why the target could not be reached or read
  ServerFacts target;
  Detection target_provider;
  int jobs = 1;
  std::string on_type_error = "fail";  // fail | null | text
  Estimate estimate;
  std::vector<Finding> findings;  // blockers first, then warnings, then notes
};

// Fills assessment.findings from its source facts and `target` (null when it could not be reached:
// assessment.target_error says why).
void judge_sqlite(SqliteAssessment& assessment, const TargetFacts* target);

// migrate's duration by the estimate model (estimate.hpp) with each table's read side measured: the
// plan's full read of the table through the encoder is what a migrate chunk's reader does. The
// write, read-back, index and finishing rates are the model's assumed ones, as plan writes nothing
// to the target for a SQLite source (said in the estimate's notes). `shared_cores` > 0 when the
// target runs on this machine too.
// `target_speed`: server_speed.hpp's measure of the target (1 when it could not be reached).
Estimate estimate_sqlite(const SqliteFileFacts& source, int jobs, bool verify, int shared_cores,
                         double target_speed = 1);

}  // namespace pgshift::assess
