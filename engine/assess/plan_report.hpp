// How `pgshift plan` shows an assessment: a readable text report for stdout (sections Source /
// Target, Inventory, Chunk plan & estimate, Blockers, Warnings, Zero-downtime readiness, Left out)
// and the JSON document of --report. Pure: plain data in, text out.
#pragma once

#include <string>

#include "engine/assess/assessment.hpp"

namespace pgshift::assess {

struct ReportRun {
  std::string started_at, finished_at;  // ISO-8601 UTC
  std::string status;                   // ok | blocked | failed
  int exit_code = 0;
  std::string error;  // when the assessment itself failed
};

std::string plan_to_text(const Assessment& assessment);
std::string plan_to_json(const Assessment& assessment, const ReportRun& run);

}  // namespace pgshift::assess
