// How `pgshift plan` shows the assessment of a SQLite source (sqlite_assessment.hpp): a readable
// text report for stdout, in sections Source / Target, Inventory, Tables (rows, sizes, keys and
// chunking, indexes, foreign keys), Type mapping (column by column: SQLite declared type and
// affinity -> PostgreSQL type, with --cast / --on-type-error=text and notes), Dates and times (the
// epoch rule of each date-like column), Values (what the full read found), Chunk plan & estimate,
// Blockers and Warnings; and the JSON document of --report, holding the same. Pure.
#pragma once

#include <string>

#include "engine/assess/report_parts.hpp"
#include "engine/assess/sqlite_assessment.hpp"

namespace pgshift::assess {

std::string sqlite_plan_to_text(const SqliteAssessment& assessment);
std::string sqlite_plan_to_json(const SqliteAssessment& assessment, const ReportRun& run);

}  // namespace pgshift::assess
