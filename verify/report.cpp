#include "verify/report.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>

#include "verify/json.hpp"

namespace pgshift::verify {

std::string now_iso8601() {
  auto now = std::chrono::system_clock::now();
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[96];  // room for any int in every field, so nothing can be cut
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03lldZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<long long>(millis));
  return text;
}

std::string to_json(const Report& report) {
  Json out;
  out["command"] = report.command;
  out["started_at"] = report.started_at;
  out["finished_at"] = report.finished_at;
  out["status"] = report.status;
  out["exit_code"] = report.exit_code;
  out["source"] = report.source;
  out["target"] = report.target;
  out["verify"] = report.verify_mode;
  out["seconds"] = json_number(report.seconds);
  if (!report.error.empty()) out["error"] = report.error;
  out["warnings"] = json_strings(report.warnings);
  for (const auto& [key, value] : report.extra.items()) out[key] = value;
  Json tables = Json::array();
  for (const auto& table : report.tables) {
    Json mismatches = Json::array();
    for (const auto& mismatch : table.mismatches) {
      mismatches.push_back(Json::object({{"chunk", mismatch.chunk},
                                         {"key_range", mismatch.key_range},
                                         {"kind", mismatch.kind},
                                         {"keys", json_strings(mismatch.keys)},
                                         {"columns", json_strings(mismatch.columns)},
                                         {"detail", mismatch.detail}}));
    }
    tables.push_back(Json::object({{"schema", table.schema},
                                   {"name", table.name},
                                   {"rows_source", table.rows_source},
                                   {"rows_target", table.rows_target},
                                   {"bytes", table.bytes},
                                   {"chunks_total", table.chunks_total},
                                   {"chunks_verified", table.chunks_verified},
                                   {"seconds", json_number(table.seconds)},
                                   {"notes", json_strings(table.notes)},
                                   {"mismatches", std::move(mismatches)}}));
  }
  out["tables"] = std::move(tables);
  return json_document(out);
}

std::string to_human(const Report& report) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "%-40s %12s %12s %10s %9s %8s  %s\n", "table", "rows source",
                "rows target", "MB", "verified", "seconds", "status");
  out += line;
  long long rows = 0, bytes = 0, large_objects = -1;
  std::size_t table_count = 0;
  for (const auto& table : report.tables) {
    std::string name = table.schema + "." + table.name;
    if (name.size() > 40) name = name.substr(0, 37) + "...";
    std::string verified =
        std::to_string(table.chunks_verified) + "/" + std::to_string(table.chunks_total);
    std::snprintf(line, sizeof line, "%-40s %12lld %12lld %10.1f %9s %8.1f  %s\n", name.c_str(),
                  table.rows_source, table.rows_target, table.bytes / 1048576.0, verified.c_str(),
                  table.seconds, table.mismatches.empty() ? "ok" : "DIFFERENT");
    out += line;
    // The large objects' entry is not a table: its rows are objects.
    if (table.schema == "pg_catalog" && table.name == "pg_largeobject") {
      large_objects = table.rows_source;
    } else {
      ++table_count;
      rows += table.rows_source;
    }
    bytes += table.bytes;
    for (const auto& mismatch : table.mismatches) {
      std::string keys;
      for (std::size_t k = 0; k < mismatch.keys.size() && k < 10; ++k) {
        keys += (k ? ", " : "") + mismatch.keys[k];
      }
      if (mismatch.keys.size() > 10) keys += ", ...";
      out += "    " + mismatch.kind + " " + mismatch.key_range +
             (keys.empty() ? "" : " keys: " + keys) +
             (mismatch.detail.empty() ? "" : " (" + mismatch.detail + ")") + "\n";
    }
  }
  std::string objects =
      large_objects < 0 ? "" : ", " + std::to_string(large_objects) + " large objects";
  std::snprintf(line, sizeof line, "%zu tables, %lld rows%s, %.1f MB in %.1f s: %s\n", table_count,
                rows, objects.c_str(), bytes / 1048576.0, report.seconds, report.status.c_str());
  out += line;
  for (const auto& warning : report.warnings) out += "warning: " + warning + "\n";
  return out;
}

Status write_report_file(const Report& report, const std::string& path) {
  std::ofstream file(path, std::ios::trunc);
  if (!file) return fail(ErrorKind::kRuntime, "cannot write report to " + path);
  file << to_json(report);
  if (!file) return fail(ErrorKind::kRuntime, "cannot write report to " + path);
  return {};
}

}  // namespace pgshift::verify
