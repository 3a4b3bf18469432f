// Pieces both `pgshift plan` reports are made of (PostgreSQL sources: plan_report.hpp, SQLite
// sources: sqlite_plan_report.hpp), so the two read alike: JSON values and the report's opening
// members, a server's line, the Blockers / Warnings sections and their JSON lists, the estimate's
// lines and JSON members, and the closing summary. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/assess/estimate.hpp"
#include "engine/assess/facts.hpp"
#include "engine/assess/finding.hpp"
#include "engine/assess/provider.hpp"
#include "verify/json.hpp"

namespace pgshift::assess {

struct ReportRun {
  std::string started_at, finished_at;  // ISO-8601 UTC
  std::string status;                   // ok | blocked | refused | failed
  int exit_code = 0;
  std::string error;  // when the assessment itself failed
};

// The opening members of the JSON document: command, times, status, exit code, error (when there
// is one), source and target.
void add_report_header(verify::Json& out, const ReportRun& run, const std::string& source_display,
                       const std::string& target_display);

// "Target  postgres://...  PostgreSQL 15.4, self-hosted, user app\n".
std::string server_line(const char* label, const std::string& display, const ServerFacts& server,
                        const Detection& provider);
// {version, provider, provider_evidence, user, superuser}.
verify::Json server_json(const ServerFacts& server, const Detection& provider);

// "12.5 MB".
std::string bytes_text(std::int64_t value);

// "\nTitle\n" and one "  - message / fix:" pair per finding of `severity` (warnings also list the
// notes), or "  none".
void append_findings_section(std::string& out, const std::vector<Finding>& findings,
                             Severity severity, const char* title);
// The findings of `severity` as a JSON list of {code, message, fix}.
verify::Json findings_json(const std::vector<Finding>& findings, Severity severity);

// The lines from "  estimated migrate time: ..." to the estimate's notes; `sample_line` (may be
// empty) goes after the rates.
std::string estimate_text(const Estimate& estimate, const std::string& sample_line);
// The estimate's JSON members, with the jobs it was made for.
verify::Json estimate_json(const Estimate& estimate, int jobs);

// "N blockers, M warnings: ready to migrate" (or "migrate would refuse (exit 2)"), newline ended.
std::string summary_line(const std::vector<Finding>& findings);

}  // namespace pgshift::assess
