// How `pgshift plan` shows an assessment: a readable text report for stdout (sections Source /
// Target, Inventory, Chunk plan & estimate, Blockers, Warnings, Zero-downtime readiness, Left out)
// and the JSON document of --report. Pure: plain data in, text out.
#pragma once

#include <string>

#include "engine/assess/assessment.hpp"
#include "engine/assess/report_parts.hpp"

namespace pgshift::assess {

std::string plan_to_text(const Assessment& assessment);
std::string plan_to_json(const Assessment& assessment, const ReportRun& run);

}  // namespace pgshift::assess
