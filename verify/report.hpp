// The run report: a human summary table for stdout and the JSON document of CLI.md (--report).
// Plain data in, text out; no I/O besides writing the file it is given.
#pragma once

#include <string>
#include <vector>

#include "engine/core/result.hpp"
#include "verify/json.hpp"

namespace pgshift::verify {

struct ReportMismatch {
  int chunk = 0;
  std::string key_range;
  std::string kind;  // missing | extra | changed
  std::vector<std::string> keys;
  std::vector<std::string> columns;  // for changed rows, when known
  std::string detail;
};

struct ReportTable {
  std::string schema, name;
  long long rows_source = 0;
  long long rows_target = 0;
  long long bytes = 0;
  int chunks_total = 0;
  int chunks_verified = 0;
  double seconds = 0;
  std::vector<ReportMismatch> mismatches;
  std::vector<std::string> notes;  // e.g. schema differences
};

struct Report {
  std::string command;
  std::string started_at, finished_at;  // ISO-8601 UTC
  std::string status;                   // ok | differences | failed | interrupted | refused
  int exit_code = 0;
  std::string source, target;  // display forms, never passwords
  std::string verify_mode;
  double seconds = 0;
  std::string error;
  std::vector<std::string> warnings;
  std::vector<ReportTable> tables;
  // Further top-level members a command adds (sync: "stream" with its positions and counts).
  Json extra = Json::object();
};

std::string now_iso8601();
// The JSON document (verify/json.hpp: always valid JSON, whatever the names and messages hold).
std::string to_json(const Report& report);
std::string to_human(const Report& report);
Status write_report_file(const Report& report, const std::string& path);

}  // namespace pgshift::verify
